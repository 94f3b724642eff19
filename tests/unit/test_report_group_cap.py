"""A whole job's report by a column of more values than a report lays out (a page each in a PDF:
minutes and gigabytes of the API's process for 1,000 courses) is refused before any work, 413
``limit_exceeded``, naming the column, its groups and the ways on: the HTML report, one group's
own report, a coarser column. One group's own report of such a column is still made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, comments_csv

from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.report import job as report_job
from pipeline.worker import Worker

COURSES = [f"C{i:02d}" for i in range(6)]


@pytest.fixture
def request_id(backend: Backend, client: TestClient, tmp_path: Path) -> str:
    """A finished job of 12 comments over 6 courses (grouped by course at submit)."""
    path = comments_csv(tmp_path / "in.csv", ["good labs", "bad exams"] * 6, COURSES * 2)
    with path.open("rb") as handle:
        answer = client.post(
            "/v1/jobs",
            files={"file": ("in.csv", handle.read())},
            data={"text_column": "comment", "group_by": "course"},
        )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


@pytest.fixture
def no_layout(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PDFs made (a stand-in for WeasyPrint) and passes over the rows for quotes: each
    records itself."""
    made: list[str] = []
    real_quotes = report_job.group_quotes

    def pdf(data: Any) -> bytes:
        made.append("pdf")
        return b"%PDF-1.7 stand-in"

    def quotes(*args: Any, **kwargs: Any) -> Any:
        made.append("quotes")
        return real_quotes(*args, **kwargs)

    monkeypatch.setattr(report_job, "render_pdf", pdf)
    monkeypatch.setattr(report_job, "group_quotes", quotes)
    return made


def test_a_pdf_by_more_groups_than_it_lays_out_is_refused_before_any_work(
    client: TestClient, request_id: str, no_layout: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_job, "PDF_GROUPS_MOST", 5)
    url = f"/v1/jobs/{request_id}/report"
    for params in ({"format": "pdf", "group_by": "course"}, {"format": "pdf"}):  # asked, default
        refused = client.get(url, params=params)
        assert refused.status_code == 413, refused.text
        body = refused.json()
        assert body["error"] == "limit_exceeded"
        assert body["detail"] == (
            "a PDF report by 'course' would have 6 groups, more than the 5 a PDF report is "
            "made by (each has a section: its time and memory grow with them); ask for the "
            "HTML report (format=html), which shows every group, for one group's own report "
            "(group=VALUE), or for a report by a column with fewer values"
        )
    assert no_layout == [], "refused before the rows were read or anything laid out"

    page = client.get(url, params={"format": "html", "group_by": "course"})
    assert page.status_code == 200 and all(f"course: {c}" in page.text for c in COURSES)
    own = client.get(url, params={"format": "pdf", "group_by": "course", "group": "C03"})
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    monkeypatch.setattr(report_job, "PDF_GROUPS_MOST", 6)
    assert client.get(url, params={"format": "pdf", "group_by": "course"}).status_code == 200


def test_an_html_report_past_its_own_cap_is_refused_naming_the_ways_on(
    client: TestClient, request_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_job, "HTML_GROUPS_MOST", 5)
    refused = client.get(
        f"/v1/jobs/{request_id}/report", params={"format": "html", "group_by": "course"}
    )
    assert refused.status_code == 413
    detail = refused.json()["detail"]
    assert detail.startswith("an HTML report by 'course' would have 6 groups")
    assert "group=VALUE" in detail and "format=html" not in detail


def test_the_lambda_edge_refuses_alike(
    backend: Backend, request_id: str, no_layout: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_job, "PDF_GROUPS_MOST", 5)
    event = without_identity(load_event("summary", request_id))  # the job has no key's owner
    event = {**event, "path": f"/v1/jobs/{request_id}/report"}
    event = with_query(event, format="pdf", group_by="course")
    refused = Gateway(backend).handle(event)
    assert refused["statusCode"] == 413 and "format=html" in refused["body"]
    assert no_layout == []
