"""The app's report downloads (tab *Downloads*), with AppTest against a canned HTTP API: a
finished job offers the PDF and the HTML report by the chosen column, made by the server when
clicked; a job that did not finish offers them disabled, saying why."""

from __future__ import annotations

import base64
import io
import shlex
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from apptests import job_page, summary_part
from httpfakes import JsonHandler, nothing_flagged, send_bytes
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from pipeline.cli.main import build_parser
from pipeline.ui import exports
from pipeline.ui.exports import each_group_command, report_file_name

LABELS = ["negative", "neutral", "positive"]
DONE = {
    "request_id": "donejob",
    "status": "succeeded",
    "input_name": "evaluations.csv",
    "text_column": "comment",
    "group_by": ["course"],
    "rows_total": 2,
    "rows_done": 2,
    "rows_failed": 0,
    "labels": LABELS,
    "model_version": "test-model",
    "low_confidence": 0.7,
}
CANCELLED = {**DONE, "request_id": "stoppedjob", "status": "cancelled", "rows_total": 9}
RESULTS = (
    b"course,comment,label,score_negative,score_neutral,score_positive,error,model_version,language\n"
    b"CHEM110,Great labs,positive,0.05,0.05,0.9,,test-model,en\n"
    b"BIO9,Too much homework,negative,0.9,0.05,0.05,,test-model,en\n"
)
PDF = b"%PDF-1.7 the report"


class ReportApi(JsonHandler):
    """Two jobs, their results and summaries, and the finished one's report (recorded)."""

    jobs: ClassVar[dict[str, dict[str, Any]]] = {"donejob": DONE, "stoppedjob": CANCELLED}
    reports: ClassVar[list[tuple[dict[str, str], str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if self.answers_sidebar(url.path):
            return
        if len(parts) == 3 and parts[2] in self.jobs:
            self.send_json(200, self.jobs[parts[2]])
        elif parts[-1] == "results":
            send_bytes(self, RESULTS, "text/csv")
        elif parts[-1] == "summary":
            job = self.jobs[parts[2]]
            groups = [summary_part("BIO9", 1, 0), summary_part("CHEM110", 0, 1)]
            self.send_json(
                200,
                {
                    "request_id": job["request_id"],
                    "status": job["status"],
                    "labels": LABELS,
                    "rows_done": 2,
                    "rows_total": 2,
                    "overall": summary_part(None, 1, 1),
                    "group_by": query.get("group_by"),
                    "groups": groups if query.get("group_by") else [],
                },
            )
        elif parts[-1] == "flagged":
            self.send_json(200, nothing_flagged(parts[2], self.jobs[parts[2]]["rows_done"]))
        elif parts[-1] == "report" and parts[2] == "donejob":
            self.reports.append((query, self.headers.get("Accept", "")))
            send_bytes(self, PDF, "application/pdf")
        else:
            self.send_json(404, {"error": "not_found", "detail": "?"})


@pytest.fixture(scope="module")
def report_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReportApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The data callables the page registers for its download buttons, by file name: what
    Streamlit runs when the button is clicked."""
    registered: dict[str, Callable[[], Any]] = {}
    register = MediaFileManager.add_deferred

    def remember(self: MediaFileManager, data: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        registered[str(kwargs.get("file_name"))] = data
        return register(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", remember)
    return registered


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes the page hands its download buttons as they are, by file name."""
    kept: dict[str, bytes] = {}
    add = MediaFileManager.add

    def remember(self: MediaFileManager, data: bytes | str, *args: Any, **kwargs: Any) -> str:
        if isinstance(data, bytes):
            kept[str(kwargs.get("file_name"))] = data
        return add(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", remember)
    return kept


def opened(report_api: str, monkeypatch: pytest.MonkeyPatch, request_id: str) -> AppTest:
    return job_page(report_api, request_id, monkeypatch)


def buttons(at: AppTest) -> dict[str, Any]:
    found: list[Any] = list(at.get("download_button"))
    return {button.label: button for button in found}


def test_a_finished_job_offers_its_report_by_the_chosen_column(
    report_api: str, monkeypatch: pytest.MonkeyPatch, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = opened(report_api, monkeypatch, "donejob")

    found = buttons(at)
    assert not found["Report (PDF)"].proto.disabled and not found["Report (HTML)"].proto.disabled
    assert any("by **course** with 95 % intervals" in str(c.value) for c in at.caption)
    pdf_name = "evaluations-donejob-report-by-course.pdf"
    assert set(deferred) >= {pdf_name, "evaluations-donejob-report-by-course.html"}

    ReportApi.reports.clear()
    assert deferred[pdf_name]() == PDF  # what a click downloads
    assert ReportApi.reports == [({"format": "pdf", "group_by": "course"}, "application/pdf")]


def test_one_groups_own_report_is_offered_for_the_group_chosen(
    report_api: str, monkeypatch: pytest.MonkeyPatch, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = opened(report_api, monkeypatch, "donejob")

    which = at.selectbox(key="d-one-group")
    assert which.label == "Which course" and which.options == ["BIO9", "CHEM110"]
    which.set_value("CHEM110").run()
    assert not at.exception, at.exception

    found = buttons(at)
    assert not found["CHEM110: report (PDF)"].proto.disabled
    assert any("No other course is named or quoted" in str(c.value) for c in at.caption)
    name = "evaluations-donejob-report-course-CHEM110.pdf"
    assert name in deferred
    ReportApi.reports.clear()
    assert deferred[name]() == PDF
    assert ReportApi.reports == [
        ({"format": "pdf", "group_by": "course", "group": "CHEM110"}, "application/pdf")
    ]


def test_every_groups_own_report_comes_in_one_zip_when_asked(
    report_api: str, monkeypatch: pytest.MonkeyPatch, deferred: dict[str, Callable[[], Any]]
) -> None:
    at = opened(report_api, monkeypatch, "donejob")
    assert "Every course's report (ZIP)" not in buttons(at)  # nothing made until asked
    st.cache_data.clear()  # reports another test of this process already made
    ReportApi.reports.clear()

    at.button(key="d-every-group").click().run()
    assert not at.exception, at.exception

    assert "Every course's report (ZIP)" in buttons(at)
    asked = [query.get("group") for query, _accept in ReportApi.reports]
    assert asked == ["BIO9", "CHEM110"]
    # Handed out when clicked, once the API says the job is still there (not erased since).
    made = deferred["evaluations-donejob-report-by-course.zip"]()
    archive = zipfile.ZipFile(io.BytesIO(made))
    assert archive.namelist() == ["BIO9.pdf", "CHEM110.pdf"]
    assert archive.read("CHEM110.pdf") == PDF


def test_more_groups_than_one_zip_holds_are_sent_to_the_command_line(
    report_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ZIP is made in the page's run and kept in the session's memory: a job of thousands
    of courses would have made every PDF there, one after another, before anything came."""
    monkeypatch.setattr(exports, "ZIP_MAX_REPORTS", 1)  # the fake job has two courses
    ReportApi.reports.clear()
    at = opened(report_api, monkeypatch, "donejob")

    button = at.button(key="d-every-group")
    assert button.proto.disabled
    assert button.proto.help == "2 values of course: one ZIP here holds 1 reports at most"
    said = "the command line writes every one into a folder: "
    command = "sentiment-pipeline report donejob --group-by course --each-group"
    assert any(f"{said}`{command}`" in str(caption.value) for caption in at.caption)
    assert not any(query.get("group") for query, _accept in ReportApi.reports)


def test_the_folder_command_reads_back_as_the_command_line_parses_it() -> None:
    for request_id, group_by in (("-dashed", "Instructor (Last, First)"), ("abc", "it's")):
        words = shlex.split(each_group_command(request_id, group_by))
        args = build_parser().parse_args(words[1:])
        assert (args.request_id, args.group_by, args.each_group) == (request_id, group_by, True)


def test_a_job_that_did_not_finish_offers_the_report_disabled_saying_why(
    report_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(report_api, monkeypatch, "stoppedjob")

    found = buttons(at)
    for label in ("Report (PDF)", "Report (HTML)", "BIO9: report (PDF)", "BIO9: report (HTML)"):
        assert found[label].proto.disabled
        assert "labelled every row" in found[label].proto.help


def test_the_report_file_is_named_safely_whatever_the_column_is_called() -> None:
    assert report_file_name("ev-abc", "course", "pdf") == "ev-abc-report-by-course.pdf"
    assert (
        report_file_name("ev-abc", '../"Kurs" / Name', "html") == "ev-abc-report-by-Kurs_Name.html"
    )
    assert report_file_name("ev-abc", None, "pdf") == "ev-abc-report.pdf"
    assert (
        report_file_name("ev-abc", "course", "pdf", "CHEM 110/../x")
        == "ev-abc-report-course-CHEM_110_x.pdf"
    )
    assert report_file_name("ev-abc", "course", "pdf", "/") == "ev-abc-report-course-group.pdf"


def test_the_report_can_be_previewed_in_a_frame_of_its_own(
    report_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(report_api, monkeypatch, "donejob")
    assert not at.get("iframe"), "no report is made until asked"
    ReportApi.reports.clear()
    at.toggle(key="d-preview").set_value(True).run()
    assert not at.exception, at.exception

    (frame,) = at.get("iframe")
    source = str(frame.proto.src)
    assert source.startswith("data:text/html;base64,")
    assert base64.b64decode(source.split(",", 1)[1]) == PDF  # what the API served
    assert ReportApi.reports == [({"format": "html", "group_by": "course"}, "text/html")]


def test_one_courses_report_can_be_previewed_alone(
    report_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(report_api, monkeypatch, "donejob")
    at.selectbox(key="d-one-group").set_value("CHEM110").run()
    st.cache_data.clear()
    ReportApi.reports.clear()

    at.toggle(key="d-one-preview").set_value(True).run()
    assert not at.exception, at.exception

    (frame,) = at.get("iframe")
    assert base64.b64decode(str(frame.proto.src).split(",", 1)[1]) == PDF
    assert ReportApi.reports == [
        ({"format": "html", "group_by": "course", "group": "CHEM110"}, "text/html")
    ]


def test_a_job_that_did_not_finish_offers_no_preview(
    report_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(report_api, monkeypatch, "stoppedjob")
    assert not [toggle for toggle in at.toggle if toggle.key in ("d-preview", "d-one-preview")]
