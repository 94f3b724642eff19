"""The app against an API that asks for keys (AppTest, the real API on uvicorn): with no key
set it says a key is needed, not that the key it never sent was refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import APP, job_page
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest

from pipeline import service
from pipeline.api.app import create_app


def test_no_key_set_is_told_apart_from_a_refused_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    service.create_key(backend, "chair")
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, "AAAAAAAAAAAAAAAAAAAAAA", monkeypatch)
        messages = " ".join(str(error.value) for error in at.error)
    assert "**The API asks for an API key, and none is set.**" in messages
    assert "refused the API key" not in messages
    assert "PIPELINE_API_KEY" in messages


def test_the_sidebar_says_connected_only_when_the_key_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/health`` answers anyone: the sidebar read "connected" to an API that refused every
    other request of the page."""
    backend = make_backend(tmp_path, auth="keys")
    secret = service.create_key(backend, "chair").secret
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        for key, connected in ((None, False), ("sp_not-a-key", False), (secret, True)):
            if key is None:
                monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
            else:
                monkeypatch.setenv("PIPELINE_API_KEY", key)
            at = AppTest.from_file(str(APP), default_timeout=60)
            at.run()
            assert not at.exception, at.exception
            side = " ".join(str(c.value) for c in at.sidebar.caption)
            side_errors = " ".join(str(e.value) for e in at.sidebar.error)
            assert ("connected" in side) is connected, (key, side, side_errors)
            assert bool(side_errors) is not connected, key
            if connected:  # the address as a code span, copied as written: no word joiner
                assert f"API: `{url}` · connected" in side, side


@pytest.mark.parametrize("around", [("", "\n"), ("“", "”")])
def test_a_pasted_key_is_used_or_refused_without_showing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, around: tuple[str, str]
) -> None:
    """A key ending in a line break was sent as it was, and the failure printed it whole on
    the page of everyone who opened the app; one in typographic quotes crashed the page."""
    backend = make_backend(tmp_path, auth="keys")
    secret = service.create_key(backend, "chair").secret
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", around[0] + secret + around[1])
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
    assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in [*at.error, *at.sidebar.error, *at.sidebar.caption])
    assert secret[3:] not in shown
    if around[0]:  # quotes: refused by a message naming what to do
        assert "as `sentiment-pipeline keys create` printed it" in shown
    else:  # a line break: dropped, and the key works
        assert "connected" in shown


def test_a_key_with_a_space_inside_says_where_the_key_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message named a "key field" the app does not have."""
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PIPELINE_API_KEY", "sp_jRMf h7EcSecretPart")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in at.error)
    assert "`PIPELINE_API_KEY` (environment or Streamlit secrets)" in shown
    assert "`PIPELINE_API_KEY_FILE`" in shown
    assert "key field" not in shown
    assert "SecretPart" not in shown and "h7Ec" not in shown


def _refusals(at: AppTest) -> int:
    return sum("The API refused the API key." in str(e.value) for e in at.get("error"))


def test_a_refused_key_is_said_once_and_analyse_waits_for_a_good_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidebar's refusal was shown a second time under *Analyse*, and again on a job's
    page (a key revoked, the page reloaded)."""
    backend = make_backend(tmp_path, auth="keys")
    service.create_key(backend, "chair")
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", "sp_wrongwrongwrong")
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        at.file_uploader[0].set_value(("c.csv", b"course,comment\nCS1,Great\n", "text/csv"))
        at.run()
        assert not at.exception, at.exception
        analyse = next(button for button in at.button if button.label == "Analyse")
        assert analyse.disabled
        assert _refusals(at) == 1
        assert "**The API refused the API key.** The API key" in " ".join(
            str(e.value) for e in at.sidebar.error
        ), "a sentence after a sentence starts with a capital"

        page = AppTest.from_file(str(APP), default_timeout=60)
        page.query_params["job"] = "AAAAAAAAAAAAAAAAAAAAAA"
        page.run()
        assert not page.exception, page.exception
        assert _refusals(page) == 1
        assert "connected" not in " ".join(str(c.value) for c in page.sidebar.caption)


def test_the_app_reads_the_key_file_the_cli_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PIPELINE_API_KEY_FILE worked for the CLI and not for the app: the app sent no key."""
    backend = make_backend(tmp_path, auth="keys")
    secret = service.create_key(backend, "chair").secret
    key_file = tmp_path / "api-key"
    key_file.write_text(secret + "\n")
    key_file.chmod(0o600)
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
        monkeypatch.setenv("PIPELINE_API_KEY_FILE", str(key_file))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
    assert not at.exception, at.exception
    assert "connected" in " ".join(str(c.value) for c in at.sidebar.caption)
    assert not at.error and not at.sidebar.error


@pytest.mark.parametrize("problem", ["shared", "both"])
def test_a_key_file_others_may_read_or_a_second_key_is_refused_without_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    """Fails closed, as the CLI does: a key file other accounts may read, or a key set both in
    PIPELINE_API_KEY and in a file, is named on the page and no key is sent."""
    backend = make_backend(tmp_path, auth="keys")
    secret = service.create_key(backend, "chair").secret
    key_file = tmp_path / "api-key"
    key_file.write_text(secret)
    key_file.chmod(0o644 if problem == "shared" else 0o600)
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY_FILE", str(key_file))
        if problem == "both":
            monkeypatch.setenv("PIPELINE_API_KEY", secret)
        else:
            monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
    assert not at.exception, at.exception
    shown = " ".join(str(e.value) for e in at.error)
    expected = "chmod 600" if problem == "shared" else "are both set"
    assert expected in shown, shown
    assert secret[3:] not in shown
    assert not any(button.label == "Analyse" for button in at.button)
