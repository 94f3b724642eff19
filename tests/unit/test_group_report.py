"""One group's own report (a course's, an instructor's) at every edge: the FastAPI route, the
API Gateway handler, the client and ``sentiment-pipeline report --group / --each-group``.

What it must do: list every comment of the group and no comment of another, name no other
group (the rest is one total), keep the whole report's flags, find its themes among its own
comments, and refuse rather than widen: a value no row holds, a group without its column."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from insightfakes import fake_analyst
from jobfakes import FakePredictor
from sqlalchemy import select

from pipeline.api import gateway
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.client import GroupCounts, PipelineClient, Summary
from pipeline.db.models import ResultRow
from pipeline.errors import InputError
from pipeline.report import job as report_job
from pipeline.report.data import ReportData
from pipeline.report.render import render_html
from pipeline.worker import Worker

FRENCH = "Le cours était vraiment intéressant, mais les examens étaient beaucoup trop longs."
CSV = "\n".join(
    [
        "instructor,comment",
        "Dr Smith,good lectures and clear slides",
        "Dr Smith,bad exams: far too long",
        "Dr Smith,Nothing to change",
        "Dr Smith,nothing to change!",
        "Dr Smith,NOTHING TO CHANGE",
        "Dr Smith,N/A",
        f'Dr Smith,"{FRENCH}"',
        "Dr Jones,bad attitude from Dr Jones in every class",
        "Dr Jones,good field trip",
        ",good course overall",
        "",
    ]
).encode()
SMITHS = ("good lectures and clear slides", "bad exams: far too long", "Nothing to change")


def finished(
    backend: Backend, client: TestClient, body: bytes = CSV, insights: bool = False
) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", body)},
        data={"text_column": "comment", "group_by": "instructor"},
    )
    assert answer.status_code == 202, answer.text
    analyst = fake_analyst if insights else None
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=analyst).run(burst=True)
    return str(answer.json()["request_id"])


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def group_page(client: TestClient, request_id: str, group: str, **params: str) -> str:
    answer = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"group_by": "instructor", "group": group, **params},
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def test_a_groups_report_lists_every_one_of_its_comments_and_names_no_other_group(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)

    answer = client.get(
        f"/v1/jobs/{request_id}/report", params={"group_by": "instructor", "group": "Dr Smith"}
    )
    text = text_of(answer.text)

    assert answer.status_code == 200
    assert answer.headers["content-disposition"].endswith('-report-instructor-Dr_Smith.html"')
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert text.strip().startswith("Sentiment report: instructor Dr Smith (evaluations.csv)")
    for comment in SMITHS:
        assert comment in text
    assert "written 3 times" in text  # "Nothing to change" thrice, listed once
    assert "Written, without a label (1)" in text and FRENCH in text
    assert "language fr" in text
    assert "1 row was blank or a placeholder" in text  # N/A
    assert "Jones" not in text and "field trip" not in text and "good course overall" not in text
    assert "the rest n=3" in text


def test_a_score_alone_is_listed_as_written_without_a_label_and_says_why(
    backend: Backend, client: TestClient
) -> None:
    body = b"instructor,comment\nDr Smith,good lectures\nDr Smith,10/10\nDr Jones,good labs\n"
    text = text_of(group_page(client, finished(backend, client, body), "Dr Smith"))
    assert "Written, without a label (1)" in text and "10/10" in text
    assert "a number or score, not words" in text


def test_its_flags_and_shares_are_those_of_the_whole_report(
    backend: Backend, client: TestClient
) -> None:
    body = (
        "instructor,comment\n"
        + "".join(f"Dr Smith,bad exams number {i}\n" for i in range(25))
        + "".join(f"Dr Jones,good labs number {i}\n" for i in range(25))
        + "".join(f"Dr Lee,good notes number {i}\n" for i in range(25))
    ).encode()
    request_id = finished(backend, client, body)
    whole = report_job.job_report(backend, request_id, group_by="instructor")
    alone = report_job.job_report(backend, request_id, group_by="instructor", group="Dr Smith")

    smith = next(g for g in whole.groups if g.name == "Dr Smith")
    assert alone.groups == (alone.focus.group,) if alone.focus else False
    assert alone.focus is not None and alone.focus.group.comparisons == smith.comparisons
    assert alone.focus.group.flags and alone.tests == whole.tests
    text = text_of(group_page(client, request_id, "Dr Smith"))
    assert "more negative than the rest" in text
    assert "allowing for all 6 comparisons" in text
    assert "Dr Jones" not in text and "Dr Lee" not in text


def test_its_themes_are_found_among_its_own_comments(backend: Backend, client: TestClient) -> None:
    body = (
        "instructor,comment\n"
        + "".join(f"Dr Smith,the exam was bad and unfair number {i}\n" for i in range(12))
        + "".join(f"Dr Jones,the lecture and the exam were bad {i}\n" for i in range(12))
    ).encode()
    request_id = finished(backend, client, body, insights=True)

    text = text_of(group_page(client, request_id, "Dr Smith"))

    assert "Negative comments:" in text and "Keywords:" in text
    assert "the exam was bad and unfair number" in text
    assert "the lecture and the exam were bad" not in text  # Jones's, in the job's theme
    assert "against the same aspect in the other instructors' comments" in text
    assert "Themes with the most of its comments" not in text


def test_the_rows_without_a_value_are_the_group_blank(backend: Backend, client: TestClient) -> None:
    request_id = finished(backend, client)

    text = text_of(group_page(client, request_id, "(blank)"))

    assert "good course overall" in text
    assert "Smith" not in text and "Jones" not in text


def test_it_refuses_a_value_no_row_holds_and_a_group_without_its_column(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)
    path = f"/v1/jobs/{request_id}/report"

    unknown = client.get(path, params={"group_by": "instructor", "group": "dr smith"})
    empty = client.get(path, params={"group_by": "instructor", "group": ""})
    alone = client.get(path, params={"group": "Dr Smith"})

    assert unknown.status_code == 400 and unknown.json()["error"] == "input"
    detail = unknown.json()["detail"]
    assert "no row has instructor = 'dr smith' (did you mean 'Dr Smith'?)" in detail
    assert "its values: (blank), Dr Jones, Dr Smith" in detail
    assert empty.status_code == 400
    assert "group is empty: name a value of instructor, or (blank)" in empty.json()["detail"]
    assert alone.status_code == 400
    assert "group needs group_by" in alone.json()["detail"]


def test_the_gateway_and_the_client_pass_the_group_on(backend: Backend, client: TestClient) -> None:
    request_id = finished(backend, client)
    event = without_identity(load_event("summary", request_id))
    event = {**event, "path": f"/v1/jobs/{request_id}/report"}

    answer = Gateway(backend).handle(
        with_query(event, format="html", group_by="instructor", group="Dr Jones")
    )

    assert answer["statusCode"] == 200
    assert "bad attitude from Dr Jones" in answer["body"] and "Smith" not in answer["body"]

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"%PDF-1.7")

    api = PipelineClient("http://api.test/", "k", transport=httpx.MockTransport(handler))
    assert api.report("rid", "instructor", "pdf", "Dr Jones") == b"%PDF-1.7"
    assert dict(seen[0].url.params) == {
        "format": "pdf",
        "group_by": "instructor",
        "group": "Dr Jones",
    }


def test_the_command_writes_one_groups_report_or_one_per_group(
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
        asked.append(args)
        return f"report of {args[-1]}".encode()

    def summary(self: PipelineClient, request_id: str, group_by: str | None = None) -> Summary:
        groups = [
            GroupCounts(group=name, rows=1, errors=0, counts={}, shares={}, mean_scores={})
            for name in ("CHEM 110", "CHEM/110", None)
        ]
        return Summary(request_id, "succeeded", [], 3, 3, groups[0], group_by, groups)

    monkeypatch.setattr(PipelineClient, "report", report)
    monkeypatch.setattr(PipelineClient, "summary", summary)
    monkeypatch.chdir(tmp_path)
    api = ["--api-url", "http://api.test"]

    assert main(["report", "rid", "--group-by", "course", "--group", "CHEM 110", *api]) == 0
    assert main(["report", "rid", "--group-by", "course", "--each-group", *api]) == 0

    assert (tmp_path / "rid-report-CHEM_110.pdf").read_bytes() == b"report of CHEM 110"
    folder = tmp_path / "rid-reports"
    assert sorted(p.name for p in folder.iterdir()) == [
        "CHEM_110-2.pdf",
        "CHEM_110.pdf",
        "blank.pdf",
    ]
    assert (folder / "CHEM_110-2.pdf").read_bytes() == b"report of CHEM/110"
    assert (folder / "blank.pdf").read_bytes() == b"report of (blank)"
    assert asked[0] == ("rid", "course", "pdf", "CHEM 110")
    assert "3 reports written to rid-reports" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        main(["report", "rid", "--group", "A", "--each-group", *api])
    for wrong in (
        ["report", "rid", "--group", "CHEM 110", *api],
        ["report", "rid", "--group-by", "course", "--each-group", "-o", "x.pdf", *api],
    ):
        assert main(wrong) == 2
    assert "--group and --each-group need --group-by" in capsys.readouterr().err


def test_the_report_format_follows_the_output_files_ending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    formats: list[str] = []

    def report(self: PipelineClient, *args: Any, **_options: Any) -> bytes:
        formats.append(args[2])
        return b"report"

    monkeypatch.setattr(PipelineClient, "report", report)
    monkeypatch.chdir(tmp_path)
    api = ["--api-url", "http://api.test"]
    assert main(["report", "rid", "-o", "r.html", *api]) == 0
    assert main(["report", "rid", "-o", "r.HTM", *api]) == 0
    assert main(["report", "rid", "-o", "r.pdf", *api]) == 0
    assert main(["report", "rid", "--format", "pdf", "-o", "r.txt", *api]) == 0
    assert main(["report", "rid", "--format", "html", *api]) == 0
    assert formats == ["html", "html", "pdf", "pdf", "html"]
    assert (tmp_path / "rid-report.html").exists()
    assert main(["report", "rid", "--format", "pdf", "-o", "r2.html", *api]) == 2
    assert "-o r2.html ends in .html but --format is pdf" in capsys.readouterr().err
    assert main(["report", "rid", "-o", "r.md", *api]) == 2
    assert "-o r.md ends in .md, and a report is a PDF or an HTML page" in capsys.readouterr().err
    assert formats == ["html", "html", "pdf", "pdf", "html"]
    assert not (tmp_path / "r2.html").exists() and not (tmp_path / "r.md").exists()


def test_a_column_the_input_lacks_is_refused_before_any_row_is_read(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = finished(backend, client)
    monkeypatch.setattr(report_job, "input_column", lambda job, name: None)

    with pytest.raises(InputError, match="is not a column of the job's input"):
        report_job.job_report(backend, request_id, group_by="instructor", group="Dr Smith")


def test_rows_stored_without_the_column_are_a_group_whose_themes_are_its_own(
    backend: Backend, client: TestClient
) -> None:
    body = (
        "instructor,comment\n"
        + "".join(f"Dr Smith,the exam was bad and unfair number {i}\n" for i in range(12))
        + "".join(f",the lecture and the exam were bad {i}\n" for i in range(12))
    ).encode()
    request_id = finished(backend, client, body, insights=True)
    with backend.repository.results._db.write() as session:  # as an older job kept them
        for row in session.scalars(select(ResultRow).where(ResultRow.request_id == request_id)):
            if row.data.get("instructor") == "":
                row.data = {k: v for k, v in row.data.items() if k != "instructor"}

    text = text_of(group_page(client, request_id, "(blank)"))

    assert "the lecture and the exam were bad" in text
    assert "Smith" not in text and "unfair number" not in text


def test_a_capitalised_column_reads_as_a_word_in_its_sentences(
    backend: Backend, client: TestClient
) -> None:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("e.csv", b"Course,comment\nCHEM110,good labs\nBIO9,bad exams\n")},
        data={"text_column": "comment", "group_by": "Course"},
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    path = f"/v1/jobs/{answer.json()['request_id']}/report"

    own = text_of(client.get(path, params={"group_by": "Course", "group": "CHEM110"}).text)
    whole = text_of(client.get(path, params={"group_by": "Course"}).text)

    assert "Course: CHEM110" in own
    assert "It holds this course's comments and no other course's" in own
    assert "Each course is compared with all the others together" in whole


def test_behind_api_gateway_a_report_too_big_to_send_says_where_else_to_look(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = finished(backend, client)
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 1_000)
    event = without_identity(load_event("summary", request_id))
    event = {**event, "path": f"/v1/jobs/{request_id}/report"}

    one = Gateway(backend).handle(
        with_query(event, format="html", group_by="instructor", group="Dr Smith")
    )
    whole = Gateway(backend).handle(with_query(event, format="html", group_by="instructor"))

    assert one["statusCode"] == 413 and whole["statusCode"] == 413
    assert "its comments are in the job's results (GET /results" in one["body"]
    assert "report by a column with fewer values" in whole["body"]


def test_a_groups_pdf_lists_a_bounded_number_of_comments_and_says_where_the_rest_are(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One course's PDF listed every comment: 48,000 took over 10 minutes and 3 GB in the
    API's process. It lists ``PDF_LISTED_MOST`` now, each label in proportion, says how
    many are left out and where they are; its headings count them all. The HTML lists all."""
    rows = [f"Dr Smith,good point number {i}" for i in range(9)]
    rows += [f"Dr Smith,bad point number {i}" for i in range(3)] + ["Dr Smith,bad point number 0"]
    request_id = finished(backend, client, "\n".join(["instructor,comment", *rows]).encode())
    laid_out: list[str] = []
    monkeypatch.setattr(report_job, "PDF_LISTED_MOST", 4)

    def lay_out(data: ReportData) -> bytes:
        laid_out.append(render_html(data))
        return b"%PDF"

    monkeypatch.setattr(report_job, "render_pdf", lay_out)

    pdf = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"group_by": "instructor", "group": "Dr Smith", "format": "pdf"},
    )
    assert pdf.status_code == 200, pdf.text
    (text,) = map(text_of, laid_out)
    assert "This PDF lists the first comments of each label only" in text
    assert "Positive (9)" in text and "Negative (4)" in text, "the headings count every row"
    listed = [f"good point number {i} " for i in range(9) if f"good point number {i} " in text]
    assert len(listed) == 3 and "good point number 0 " in text, "the first, in proportion"
    assert "… and 6 more comments (6 rows) not listed in this PDF" in text
    assert "… and 2 more comments (2 rows) not listed in this PDF" in text  # bad 1 and 2
    assert "bad point number 0" in text and "written 2 times" in text

    whole = text_of(group_page(client, request_id, "Dr Smith"))
    assert all(f"good point number {i}" in whole for i in range(9))
    assert "not listed" not in whole and "first comments of each label" not in whole
