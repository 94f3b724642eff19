"""A download that cannot be made says why, and an erased job's comments are never handed out
(AppTest against a canned API that can erase the job, fail its report, or stop answering).

Streamlit makes a file that is built when clicked apart from the page, and only logged its
failure: a click on *Report (PDF)* with the API gone, the job erased or the server failing
did nothing at all. And *Results (CSV)* and *Summary (CSV)* on a page left open handed out an
erased job's comments and labels from the app's cache."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from apptests import downloads_handed, job_page, page_text, summary_part
from httpfakes import JsonHandler, free_port, nothing_flagged, send_bytes
from streamlit.testing.v1 import AppTest

from pipeline.errors import ApiError, ApiUnreachable, JobErased
from pipeline.ui.markdown import unescaped

LABELS = ["negative", "neutral", "positive"]
DONE = {
    "request_id": "donejob",
    "status": "succeeded",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": [],
    "rows_total": 2,
    "rows_done": 2,
    "rows_failed": 0,
    "labels": LABELS,
    "model_version": "test-model",
    "low_confidence": 0.7,
}
ERASED_AT = "2026-12-06T12:45:00+00:00"
RESULTS = (
    b"course,comment,label,score_negative,score_neutral,score_positive,error,model_version,language\n"
    b"CHEM110,Great labs,positive,0.05,0.05,0.9,,test-model,en\n"
    b"BIO9,Too much homework,negative,0.9,0.05,0.05,,test-model,en\n"
)
CSV_NAME = "evaluations-donejob-results.csv"
SUMMARY_NAME = "evaluations-donejob-summary.csv"
PDF_NAME = "evaluations-donejob-report-by-course.pdf"


class ErasableApi(JsonHandler):
    """One finished job; ``erased`` erases it (its status says when, its data is gone) and
    ``report_fails`` makes its report a server error."""

    erased: ClassVar[bool] = False
    report_fails: ClassVar[bool] = False

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if self.answers_sidebar(path):
            return
        if path == "/v1/jobs/donejob":
            self.send_json(200, {**DONE, "erased_at": ERASED_AT if self.erased else None})
        elif self.erased:
            detail = "job donejob's comments and results were erased on 2026-12-06 12:45 UTC"
            self.send_json(410, {"error": "erased", "detail": detail})
        elif path.endswith("/results"):
            send_bytes(self, RESULTS, "text/csv")
        elif path.endswith("/summary"):
            groups = [summary_part("BIO9", 1, 0), summary_part("CHEM110", 0, 1)]
            query = urlsplit(self.path).query
            self.send_json(
                200,
                {
                    "request_id": "donejob",
                    "status": "succeeded",
                    "labels": LABELS,
                    "rows_done": 2,
                    "rows_total": 2,
                    "overall": summary_part(None, 1, 1),
                    "group_by": "course" if "group_by" in query else None,
                    "groups": groups if "group_by" in query else [],
                },
            )
        elif path.endswith("/flagged"):
            self.send_json(200, nothing_flagged("donejob", 2))
        elif path.endswith("/report") and self.report_fails:
            self.send_json(500, {"error": "internal", "detail": "see the server log"})
        elif path.endswith("/report"):
            send_bytes(self, b"%PDF-1.7 the report", "application/pdf")
        else:
            self.send_json(404, {"error": "not_found", "detail": "?"})


class Api:
    """The canned API on a port of its own, that can be stopped."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = int(self.url.rsplit(":", 1)[1])
        self._server: ThreadingHTTPServer | None = ThreadingHTTPServer(
            ("127.0.0.1", port), ErasableApi
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def api() -> Iterator[Api]:
    ErasableApi.erased = ErasableApi.report_fails = False
    served = Api()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def makers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """What each download button hands out when clicked, by file name; a file handed over as
    it is (made before any click) is recorded as such, to fail the test."""
    return downloads_handed(monkeypatch, clicked_only=True)


def opened(api: Api, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = job_page(api.url, "donejob", monkeypatch)
    at.session_state["view"] = "Downloads"
    at.selectbox(key="d-group").set_value("course").run()
    assert not at.exception and not at.error, page_text(at)
    return at


def click(at: AppTest, label: str) -> None:
    (button,) = [button for button in at.download_button if button.label == label]
    button.click().run()
    assert not at.exception, at.exception


def test_a_job_erased_elsewhere_hands_out_none_of_its_comments(
    api: Api, monkeypatch: pytest.MonkeyPatch, makers: dict[str, Callable[[], Any]]
) -> None:
    at = opened(api, monkeypatch)
    assert b"Too much homework" in makers[CSV_NAME](), "the results, while the job is there"

    ErasableApi.erased = True  # `sentiment-pipeline erase donejob --yes`, from elsewhere
    for name in (CSV_NAME, SUMMARY_NAME, PDF_NAME):
        with pytest.raises(JobErased, match="erased on 2026-12-06 12:45 UTC"):
            makers[name]()  # what the stale page's buttons do when clicked

    click(at, "Results (CSV)")
    text = page_text(at)
    assert "**This job was erased** on 2026-12-06 12:45 UTC" in text, text
    assert not at.tabs and not at.download_button, "nothing of the job is left to take"


def test_a_report_with_the_api_gone_says_why_under_its_button(
    api: Api, monkeypatch: pytest.MonkeyPatch, makers: dict[str, Callable[[], Any]]
) -> None:
    at = opened(api, monkeypatch)
    ignoring = [button.label for button in at.download_button if button.proto.ignore_rerun]
    assert ignoring == [], "a click reruns the page, which says why a file was not made"

    api.stop()
    with pytest.raises(ApiUnreachable):
        makers[PDF_NAME]()
    click(at, "Report (PDF)")

    errors = [str(error.value) for error in at.error]
    assert len(errors) == 1 and "cannot be reached" in errors[0], errors
    assert "Not loaded: the API did not answer (see above)" in page_text(at)
    assert "as last loaded" in page_text(at)


def test_a_report_the_server_fails_to_make_says_so(
    api: Api, monkeypatch: pytest.MonkeyPatch, makers: dict[str, Callable[[], Any]]
) -> None:
    at = opened(api, monkeypatch)

    ErasableApi.report_fails = True
    with pytest.raises(ApiError):
        makers[PDF_NAME]()
    click(at, "Report (PDF)")

    errors = [unescaped(str(error.value)) for error in at.error]
    assert errors == ["**Not downloaded:** The API failed with HTTP 500: see the server log"]
    assert at.tabs, "the job's page stays"
