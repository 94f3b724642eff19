"""The report at every edge: the FastAPI route (HTML, and its refusals), the API Gateway
handler (a PDF as base64), the client and ``sentiment-pipeline report``. The PDF itself is
checked page by page in tests/integration/test_report_pdf.py."""

from __future__ import annotations

import base64
import re
import sys
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from insightfakes import FakeTagger, fake_analyst
from jobfakes import FakePredictor
from sqlalchemy import text

from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.errors import Conflict, DatabaseLockedError
from pipeline.report import job as report_job
from pipeline.service import insights as service_insights
from pipeline.worker import Worker

CSV = (
    b"course,comment\n"
    b"CHEM110 General Chemistry,good labs and a good lecturer\n"
    b"CHEM110 General Chemistry,bad exams\n"
    b"BIO9,good field trip\n"
    b"BIO9,\n"
)


def submitted(client: TestClient, group_by: str = "course") -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", CSV)},
        data={"text_column": "comment", "group_by": group_by},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def finished(backend: Backend, client: TestClient) -> str:
    request_id = submitted(client)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return request_id


def test_the_api_serves_a_finished_jobs_report_as_a_self_contained_page(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)

    answer = client.get(f"/v1/jobs/{request_id}/report")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="evaluations-')
    assert disposition.endswith('-report-by-course.html"')
    assert "course: CHEM110 General Chemistry" in answer.text and "course: BIO9" in answer.text
    assert (
        "1 row got no label" in answer.text and "1 comment with a label, 1 without" in answer.text
    )


def test_an_older_job_grouped_by_its_comment_column_reports_by_its_next_group(
    backend: Backend, client: TestClient
) -> None:
    """Submit refuses the comment column as a group now; a job queued before it did not has
    its default report by its next group-by column instead of failing."""
    request_id = finished(backend, client)
    with backend.repository.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE jobs SET group_by = :groups WHERE request_id = :id"),
            {"groups": '["comment", "course"]', "id": request_id},
        )

    answer = client.get(f"/v1/jobs/{request_id}/report")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"].endswith('-report-by-course.html"')


def test_a_survey_of_several_questions_reports_each_question_s_shares_beside_the_groups(
    backend: Backend, client: TestClient
) -> None:
    survey = (
        b"course,What helped?,What should change?\n"
        b"CHEM110,good labs,bad exams\n"
        b"CHEM110,good notes,\n"
        b"BIO9,,bad room and bad slides\n"
    )
    answer = client.post(
        "/v1/jobs",
        files={"file": ("survey.csv", survey)},
        data={"text_column": ["What helped?", "What should change?"], "group_by": "course"},
    )
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    by_course = report_text(client, request_id)
    by_question = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "question"})

    assert "Label shares per course" in by_course
    shares = by_course.split("Label shares per question", 1)[1].split("Label shares per course")[0]
    assert re.search(r"What helped\? 2 .*What should change\? 2 ", shares), shares
    assert "Label shares per question" in by_question.text
    assert by_question.text.count("Label shares per question") == 1  # the groups' own table


INSIGHT_CSV = (
    b"course,comment\n"
    + b"".join(f"CHEM110,the exam was bad and unfair number {i}\n".encode() for i in range(12))
    + b"".join(f"BIO9,the lecture and the exam were good {i}\n".encode() for i in range(12))
)


def with_insights(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", INSIGHT_CSV)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return str(answer.json()["request_id"])


def report_text(client: TestClient, request_id: str) -> str:
    answer = client.get(f"/v1/jobs/{request_id}/report")
    assert answer.status_code == 200, answer.text
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))


def test_a_job_with_insights_reports_its_aspects_themes_and_aspect_model(
    backend: Backend, client: TestClient
) -> None:
    request_id = with_insights(backend, client)

    text = report_text(client, request_id)

    assert "About what" in text and "not computed" not in text
    assert "24 of the 24 labelled comments speak about at least one aspect" in text
    assert (
        "CHEM110 on exams (n=12): more negative and less positive than in the other courses" in text
    )
    assert "Negative comments:" in text and "Keywords:" in text
    assert "the exam was bad and unfair number" in text  # a theme's quote
    assert "Themes with the most of its comments:" in text
    assert FakeTagger.version in text  # the aspect model that tagged the job, named
    assert "This aspect model's measured accuracy is not recorded here" in text  # not its card


def test_a_job_labelled_without_insights_or_whose_themes_failed_says_why(
    backend: Backend, client: TestClient
) -> None:
    plain = finished(backend, client)
    failed = with_insights(backend, client)
    backend.repository.jobs.note_themes(failed, "finding the themes failed: ValueError: boom")

    without = report_text(client, plain)
    no_themes = report_text(client, failed)

    assert "This job has no aspects: its comments were labelled without insights" in without
    assert "This job has no themes" in without and "The aspect model" not in without
    assert "Themes are unavailable for this job: finding the themes failed" in no_themes
    assert "CHEM110 on exams (n=12): more negative" in no_themes  # aspects still there


def test_a_fault_of_the_moment_fails_the_report_rather_than_hiding_a_section(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = with_insights(backend, client)

    def locked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise DatabaseLockedError("the database is busy")

    monkeypatch.setattr(service_insights, "theme_summary", locked)

    with pytest.raises(DatabaseLockedError):
        report_job.job_report(backend, request_id)
    assert client.get(f"/v1/jobs/{request_id}/report").status_code == 503


def test_the_api_refuses_what_it_cannot_report_with_a_clear_message(
    backend: Backend, client: TestClient
) -> None:
    queued = submitted(client, group_by="")
    early = client.get(f"/v1/jobs/{queued}/report")
    assert early.status_code == 409 and early.json()["error"] == "conflict"
    assert "the job is queued (0 of 4 rows labelled)" in early.json()["detail"]

    request_id = finished(backend, client)
    unknown = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "teacher"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "missing_column"
    assert "'teacher' is not in the job's input" in unknown.json()["detail"]
    comment = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "comment"})
    assert comment.status_code == 400 and "comment column" in comment.json()["detail"]
    docx = client.get(f"/v1/jobs/{request_id}/report", params={"format": "docx"})
    assert docx.status_code == 422 and docx.json()["error"] == "invalid_request"
    assert client.get("/v1/jobs/nosuchjob/report").status_code == 404


def test_a_server_without_weasyprint_answers_501_and_still_serves_html(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = finished(backend, client)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as if not installed

    pdf = client.get(f"/v1/jobs/{request_id}/report", params={"format": "pdf"})
    html = client.get(f"/v1/jobs/{request_id}/report", params={"format": "html"})

    assert pdf.status_code == 501 and pdf.json()["error"] == "unsupported"
    assert "WeasyPrint" in pdf.json()["detail"] and "format=html" in pdf.json()["detail"]
    assert html.status_code == 200


def test_the_gateway_sends_a_pdf_as_base64_and_html_as_text(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = finished(backend, client)
    monkeypatch.setattr(
        report_job, "render_pdf", lambda data: b"%PDF-1.7 " + data.request_id.encode()
    )
    event = without_identity(load_event("summary", request_id))
    event = {**event, "path": f"/v1/jobs/{request_id}/report"}

    pdf = Gateway(backend).handle(with_query(event, format="pdf"))
    html = Gateway(backend).handle(with_query(event, format="html", group_by=""))
    bad = Gateway(backend).handle(with_query(event, format="docx"))

    assert pdf["statusCode"] == 200 and pdf["isBase64Encoded"] is True
    assert base64.b64decode(pdf["body"]) == b"%PDF-1.7 " + request_id.encode()
    assert pdf["headers"]["Content-Type"] == "application/pdf"
    assert pdf["headers"]["Content-Disposition"].endswith('-report-by-course.pdf"')
    assert html["statusCode"] == 200 and html["isBase64Encoded"] is False
    assert "course: BIO9" in html["body"]
    assert html["headers"]["Content-Security-Policy"].startswith("default-src 'none'")
    assert bad["statusCode"] == 422


def test_the_client_asks_for_the_format_it_wants_and_returns_the_bytes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/jobs/running/report":
            return httpx.Response(409, json={"error": "conflict", "detail": "the job is running"})
        return httpx.Response(200, content=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})

    api = PipelineClient("http://api.test/", "k", transport=httpx.MockTransport(handler))

    assert api.report("done1", "course") == b"%PDF-1.7"
    assert api.report("done1", report_format="html") == b"%PDF-1.7"
    with pytest.raises(Conflict, match="the job is running"):
        api.report("running")

    first, second = seen[0], seen[1]
    assert first.url.path == "/v1/jobs/done1/report"
    assert dict(first.url.params) == {"format": "pdf", "group_by": "course"}
    assert first.headers["Accept"] == "application/pdf" and first.headers["X-API-Key"] == "k"
    assert dict(second.url.params) == {"format": "html"}
    assert second.headers["Accept"] == "text/html"


def test_the_command_writes_the_report_where_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[tuple[Any, ...]] = []

    def report(
        self: PipelineClient,
        *args: Any,
        since: str | None = None,
        trend: Any = (),
        screen: bool = True,
        rating: str | None = None,
    ) -> bytes:
        asked.append((self.base_url, *args))
        return b"%PDF-1.7 report"

    monkeypatch.setattr(PipelineClient, "report", report)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "out" / "chem.html"

    assert (
        main(
            [
                "report",
                "rid1",
                "--group-by",
                "course",
                "--format",
                "html",
                "-o",
                str(target),
                "--api-url",
                "http://api.test",
            ]
        )
        == 0
    )
    assert main(["report", "rid2", "--api-url", "http://api.test"]) == 0

    assert target.read_bytes() == b"%PDF-1.7 report"
    assert (tmp_path / "rid2-report.pdf").read_bytes() == b"%PDF-1.7 report"
    assert asked == [
        ("http://api.test", "rid1", "course", "html", None),
        ("http://api.test", "rid2", None, "pdf", None),
    ]
    assert "report written to" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.part"))


def test_the_report_is_grouped_by_the_first_column_that_holds_two_values(
    backend: Backend, client: TestClient
) -> None:
    """An export's ``Term`` is ``Fall 2026`` on every row: grouped by it, the report would
    repeat its overview as one group, so it is grouped by the course that comes next; asked
    for by name, the term is still reported."""
    termed = b"term,course,comment\n" + b"".join(
        b"Fall 2026," + line + b"\n" for line in CSV.splitlines()[1:]
    )
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", termed)},
        data={"text_column": "comment", "group_by": ["term", "course"]},
    )
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    default = client.get(f"/v1/jobs/{request_id}/report")
    asked = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "term"})

    assert default.headers["content-disposition"].endswith('-report-by-course.html"')
    assert "course: BIO9" in default.text and "term: Fall 2026" not in default.text
    assert asked.headers["content-disposition"].endswith('-report-by-term.html"')
    assert "term: Fall 2026" in asked.text


def test_a_job_grouped_only_by_a_column_of_one_value_reports_the_overview(
    backend: Backend, client: TestClient
) -> None:
    termed = b"term,comment\nFall 2026,good labs\nFall 2026,bad exams\n"
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", termed)},
        data={"text_column": "comment", "group_by": "term"},
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    report = client.get(f"/v1/jobs/{answer.json()['request_id']}/report")

    assert report.headers["content-disposition"].endswith('-report.html"')
    assert "term: Fall 2026" not in report.text


def test_group_values_written_two_ways_are_said_to_be_maybe_one(
    backend: Backend, client: TestClient
) -> None:
    """``CHEM 101`` and ``CHEM 101 ``, ``Café`` composed and decomposed: two groups each,
    counted apart, and the report says they may be one."""
    rows = ["course,comment", "CHEM 101,good", '"CHEM 101 ",bad', "Café 101,good"]
    rows.append("Cafe\u0301 101,bad")
    answer = client.post(
        "/v1/jobs",
        files={"file": ("alike.csv", "\n".join(rows).encode())},
        data={"text_column": "comment", "group_by": "course"},
    )
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    text = unescape(re.sub(r"\s+", " ", client.get(f"/v1/jobs/{request_id}/report").text))

    assert "“CHEM 101” and “CHEM 101 ” may be one course written two ways" in text
    assert "“Cafe\u0301 101” and “Café 101” may be one course written two ways" in text
