"""The app's pages for the states a healthy embedded API rarely produces (a failed job, a
server error, no API at all, bad configuration), with AppTest against a canned HTTP server.
The real flows against the real API are in tests/e2e/test_streamlit_app.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from httpfakes import JsonHandler
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
FAILED_JOB = {
    "request_id": "failedjob",
    "status": "failed",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": [],
    "rows_total": 40,
    "rows_done": 0,
    "rows_failed": 0,
    "eta_s": None,
    "labels": ["negative", "neutral", "positive"],
    "error": "the job stopped 3 workers in a row and was moved to the dead-letter table",
}


class CannedApi(JsonHandler):
    """Answers GETs from ``routes`` (path → (status, JSON body)); anything else is a 404."""

    routes: ClassVar[dict[str, tuple[int, Any]]] = {
        "/health": (200, {"status": "ok"}),
        "/v1/jobs/failedjob": (200, FAILED_JOB),
        "/v1/jobs/broken": (500, {"error": "internal", "detail": "see the server log"}),
    }

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, {"error": "not_found", "detail": "?"}))
        self.send_json(status, body)


@pytest.fixture(scope="module")
def canned_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CannedApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app(canned_api: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PIPELINE_API_URL", canned_api)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    return AppTest.from_file(str(APP), default_timeout=30)


def _errors(at: AppTest) -> str:
    return "\n".join(str(error.value) for error in at.error)


def test_a_failed_job_shows_its_reason_and_no_results(app: AppTest) -> None:
    app.query_params["job"] = "failedjob"
    app.run()

    assert not app.exception, app.exception
    assert "The job failed:" in _errors(app)
    assert "dead-letter table" in _errors(app)
    assert not app.tabs


def test_a_server_error_is_a_message_not_a_traceback(app: AppTest) -> None:
    app.query_params["job"] = "broken"
    app.run()

    assert not app.exception, app.exception
    assert "HTTP 500: see the server log" in _errors(app)


def test_no_api_at_all_is_explained_in_the_sidebar_and_at_submit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    at.file_uploader[0].set_value(("c.csv", b"course,comment\nCS1,Great\n", "text/csv"))
    at.run()
    next(button for button in at.button if button.label == "Analyse").click()
    at.run()

    assert not at.exception, at.exception
    assert "cannot be reached" in "\n".join(str(error.value) for error in at.sidebar.error)
    assert _errors(at).count("The API cannot be reached") == 2
    assert not at.session_state.job_id


def test_a_bad_setting_is_named_instead_of_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_BACKEND", "mainframe")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()

    assert not at.exception, at.exception
    assert "PIPELINE_BACKEND='mainframe'" in _errors(at)


def test_streamlit_secrets_win_over_the_environment(
    canned_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets["PIPELINE_API_URL"] = canned_api
    at.run()

    assert not at.exception, at.exception
    assert not at.error
    assert at.session_state.api_url == canned_api
