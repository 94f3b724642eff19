"""What `up` exposes, and says it exposes: the app stays on this machine unless asked, and
served beyond it never acts with the operator's key; the API's start says whether it needs
keys and who can reach it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from jobfakes import make_backend

from pipeline import service
from pipeline.api import serve as serve_module
from pipeline.api.serve import access_line
from pipeline.cli.main import main
from pipeline.errors import ConfigError
from pipeline.ui import launcher
from pipeline.ui.launcher import VISITOR_KEYS, app_environment, app_line, visitors_bring_keys

OPERATOR_KEY = "sp_OperatorKeyOperatorKeyOperatorKeyOperatorK"


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """`up --ui` with the app and the API recorded instead of started."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PIPELINE_MODEL", "fake")
    monkeypatch.setenv("PIPELINE_API_KEY", OPERATOR_KEY)

    @contextmanager
    def running_ui(
        app: Path, host: str, port: int, api_url: str, visitor_keys: bool = False
    ) -> Iterator[None]:
        calls.append({"what": "app", "host": host, "port": port, "visitor_keys": visitor_keys})
        yield

    def serve(_backend: object, host: str, port: int) -> None:
        calls.append({"what": "api", "host": host, "port": port})

    monkeypatch.setattr(launcher, "running_ui", running_ui)
    monkeypatch.setattr(serve_module, "serve", serve)
    return calls


def test_up_on_every_address_keeps_the_app_on_this_machine(
    started: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``up --host 0.0.0.0 --ui`` served the app on every address, with no login, acting with
    the operator's PIPELINE_API_KEY, and printed a loopback address for it."""
    monkeypatch.setenv("PIPELINE_AUTH", "keys")
    assert main(["up", "--host", "0.0.0.0", "--port", "8156", "--ui", "--ui-port", "8157"]) == 0
    app, api = started
    assert (app["host"], app["visitor_keys"]) == ("127.0.0.1", False)
    assert api["host"] == "0.0.0.0"
    said = capsys.readouterr().err
    assert "app on http://127.0.0.1:8157 (this machine only;" in said


def test_the_app_beyond_this_machine_asks_each_visitor_for_a_key(
    started: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_AUTH", "keys")
    argv = ["up", "--host", "0.0.0.0", "--ui", "--ui-host", "0.0.0.0", "--ui-port", "8157"]
    assert main(argv) == 0
    app, _api = started
    assert (app["host"], app["visitor_keys"]) == ("0.0.0.0", True)
    said = capsys.readouterr().err
    assert "app on every network address of this machine, port 8157" in said
    assert "each visitor enters their own API key" in said


def test_the_app_may_not_open_a_keyless_loopback_api_to_the_network(
    started: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_AUTH", "auto")  # on 127.0.0.1: no key needed
    assert main(["up", "--ui", "--ui-host", "0.0.0.0"]) != 0
    assert started == []  # neither the app nor the API started
    assert "refusing to serve the app on 0.0.0.0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("ui_host", "api_host", "needs_keys", "visitors"),
    [
        ("127.0.0.1", "0.0.0.0", True, False),
        ("::1", "127.0.0.1", False, False),
        ("0.0.0.0", "0.0.0.0", True, True),
        ("10.1.2.3", "127.0.0.1", True, True),  # PIPELINE_AUTH=keys on loopback
        ("0.0.0.0", "0.0.0.0", False, True),  # PIPELINE_AUTH=none: the API is open there too
    ],
)
def test_who_brings_the_key(ui_host: str, api_host: str, needs_keys: bool, visitors: bool) -> None:
    assert visitors_bring_keys(ui_host, api_host, needs_keys) is visitors


def test_a_keyless_loopback_api_behind_a_network_app_is_refused() -> None:
    with pytest.raises(ConfigError, match="PIPELINE_AUTH=keys"):
        visitors_bring_keys("0.0.0.0", "127.0.0.1", False)


def test_a_network_app_never_gets_the_operators_key() -> None:
    environ = {
        "PIPELINE_API_KEY": OPERATOR_KEY,
        "PIPELINE_API_KEY_FILE": "/home/op/.config/api-key",
        "HOME": "/home/op",
    }
    shared = app_environment(environ, "http://127.0.0.1:8000", visitor_keys=True)
    assert "PIPELINE_API_KEY" not in shared
    assert "PIPELINE_API_KEY_FILE" not in shared, "the app reads a key file as a key"
    assert shared[VISITOR_KEYS] == "1"
    assert shared["PIPELINE_API_URL"] == "http://127.0.0.1:8000"
    local = app_environment({**environ, VISITOR_KEYS: "0"}, "http://x", visitor_keys=False)
    assert local["PIPELINE_API_KEY"] == OPERATOR_KEY
    assert local["PIPELINE_API_KEY_FILE"] == "/home/op/.config/api-key"
    assert VISITOR_KEYS not in local  # an explicit 1 is kept: test_launcher_visitor_keys


def test_the_app_line_says_where_it_listens() -> None:
    assert app_line("127.0.0.1", 8501, False).startswith("app on http://127.0.0.1:8501 (this")
    assert "10.1.2.3, port 8501 (http://10.1.2.3:8501 from here)" in app_line(
        "10.1.2.3", 8501, True
    )


@pytest.mark.parametrize(
    ("auth", "host", "needs", "ever", "said"),
    [
        ("keys", "127.0.0.1", True, True, "API keys: required on every call (PIPELINE_AUTH=keys"),
        ("auto", "0.0.0.0", True, True, "every network address of this machine"),
        ("auto", "127.0.0.1", False, True, "required on every call, as a key has been created"),
        ("auto", "127.0.0.1", False, False, "not required until one is created"),
        ("none", "127.0.0.1", False, False, "API keys: never required (PIPELINE_AUTH=none"),
    ],
)
def test_the_start_line_says_whether_keys_are_needed(
    auth: str, host: str, needs: bool, ever: bool, said: str
) -> None:
    line = access_line(auth, host, needs, ever)
    assert said in line
    if not needs and not ever and auth == "auto":
        assert "every account on this machine" in line


def test_up_logs_the_start_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``up`` said nothing of keys: the same start with and without them."""
    import uvicorn

    backend = make_backend(tmp_path, auth="auto")
    service.create_key(backend, "alice")
    service.revoke_key(backend, "alice")  # revoked: still closes auto on loopback
    ran: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: ran.append(options))
    monkeypatch.setattr("signal.signal", lambda *_args: None)
    with caplog.at_level(logging.INFO, logger="pipeline.api.serve"):
        serve_module.serve(backend, "127.0.0.1", 8000, with_master=False)
    assert ran and ran[0]["host"] == "127.0.0.1"
    assert "API keys: required on every call, as a key has been created" in caplog.text
    assert "127.0.0.1, this machine only" in caplog.text


# `up --ui` honours PIPELINE_UI_VISITOR_KEYS=1 on this machine too: on a shared server "this
# machine" is every account on it, and the app has no login. It dropped the setting and served
# the operator's PIPELINE_API_KEY to whoever opened the app (hunt 2).


def test_up_on_this_machine_asks_each_visitor_for_a_key_when_told_to(
    started: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_AUTH", "keys")
    monkeypatch.setenv(VISITOR_KEYS, "1")
    assert main(["up", "--port", "19556", "--ui", "--ui-port", "19557"]) == 0
    app, _api = started
    assert (app["host"], app["visitor_keys"]) == ("127.0.0.1", True)
    said = capsys.readouterr().err
    assert "app on 127.0.0.1, port 19557" in said
    assert "each visitor enters their own API key" in said


def test_the_apps_environment_never_drops_an_asked_for_visitor_key() -> None:
    """The finding's own call: visitor keys asked for, the app on loopback."""
    environ = {VISITOR_KEYS: "1", "PIPELINE_API_KEY": OPERATOR_KEY}
    visitors = visitors_bring_keys("127.0.0.1", "127.0.0.1", True, environ)
    env = app_environment(environ, "http://127.0.0.1:8000", visitors)
    assert visitors
    assert env[VISITOR_KEYS] == "1" and "PIPELINE_API_KEY" not in env
    passed_false = app_environment(environ, "http://127.0.0.1:8000", visitor_keys=False)
    assert passed_false[VISITOR_KEYS] == "1" and "PIPELINE_API_KEY" not in passed_false


@pytest.mark.parametrize(
    ("value", "asked"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("y", True),  # a misspelt yes asks: read as no, it would hand out the operator's key
        ("0", False),
        ("false", False),
        ("OFF", False),
        ("", False),
        (None, False),
    ],
)
def test_what_asks_for_visitor_keys(value: str | None, asked: bool) -> None:
    environ = {} if value is None else {VISITOR_KEYS: value}
    assert visitors_bring_keys("::1", "127.0.0.1", False, environ) is asked
    env = app_environment({**environ, "PIPELINE_API_KEY": OPERATOR_KEY}, "http://x", False)
    assert (env.get(VISITOR_KEYS) == "1") is asked
    assert ("PIPELINE_API_KEY" in env) is not asked


def test_the_app_line_on_this_machine_names_the_setting() -> None:
    assert f"{VISITOR_KEYS}=1 on a shared server" in app_line("127.0.0.1", 8501, False)
