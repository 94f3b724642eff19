"""The app served beyond this machine (``up --ui-host``) has no login: it must not act with a
key it was configured with, so it reads none and each visitor enters their own (AppTest, the
real API on uvicorn)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import APP
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest

from pipeline import service
from pipeline.api.app import create_app
from pipeline.ui.launcher import VISITOR_KEYS


def _side(at: AppTest) -> str:
    return " ".join(str(c.value) for c in [*at.sidebar.caption, *at.sidebar.error])


def test_a_visitor_acts_with_their_own_key_never_the_operators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    operator = service.create_key(backend, "operator").secret
    visitor = service.create_key(backend, "visitor").secret
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", operator)  # what `up` had (it drops it too)
        key_file = tmp_path / "operator-key"
        key_file.write_text(operator)
        key_file.chmod(0o600)
        monkeypatch.setenv("PIPELINE_API_KEY_FILE", str(key_file))  # nor is a key file read
        monkeypatch.setenv(VISITOR_KEYS, "1")
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.secrets["PIPELINE_API_KEY"] = operator  # nor is a key in Streamlit secrets read
        at.run()
        assert not at.exception, at.exception
        assert "connected" not in _side(at)
        shown = " ".join(str(e.value) for e in [*at.error, *at.sidebar.error])
        assert "The API asks for an API key, and none is set." in shown
        assert "under *Your API key* in the sidebar" in shown
        assert "PIPELINE_API_KEY" not in shown

        field = at.sidebar.text_input(key="visitor_key")
        assert field.label == "Your API key"
        field.input(visitor).run()
        assert not at.exception, at.exception
        assert "connected" in _side(at)


def test_without_the_flag_the_configured_key_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On this machine (``up --ui``'s default) nothing changes: no field, the key set."""
    backend = make_backend(tmp_path, auth="keys")
    operator = service.create_key(backend, "operator").secret
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", operator)
        monkeypatch.delenv(VISITOR_KEYS, raising=False)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
    assert not at.exception, at.exception
    assert "connected" in _side(at)
    assert not [field for field in at.sidebar.text_input if field.label == "Your API key"]
