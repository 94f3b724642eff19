"""`up --ui` honours ``PIPELINE_UI_VISITOR_KEYS=1`` on this machine too: on a shared server
"this machine" is every account on it, and the app has no login. It dropped the setting and
served the operator's ``PIPELINE_API_KEY`` to whoever opened the app, who could list, read and
erase every job of that key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipeline.api import serve as serve_module
from pipeline.cli.main import main
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
        calls.append({"host": host, "visitor_keys": visitor_keys})
        yield

    monkeypatch.setattr(launcher, "running_ui", running_ui)
    monkeypatch.setattr(serve_module, "serve", lambda *_args: None)
    return calls


def test_up_on_this_machine_asks_each_visitor_for_a_key_when_told_to(
    started: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_AUTH", "keys")
    monkeypatch.setenv(VISITOR_KEYS, "1")
    assert main(["up", "--port", "19556", "--ui", "--ui-port", "19557"]) == 0
    assert started == [{"host": "127.0.0.1", "visitor_keys": True}]
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
