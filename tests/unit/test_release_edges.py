"""Screening before release at every edge: the report (a course's own, the whole one), the
chair's list (``GET /flagged`` on FastAPI and the API Gateway handler, the client, the
``flagged`` command) and ``screen=false``.

What it must do: leave no abusive, distressed or threatening comment in a report and no
personal detail unmasked, yet count every comment in the shares and give the person who
releases the report every flagged comment, whole, to read and act on."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import load_event, with_query, without_identity
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor, job_of_one_key
from openpyxl import load_workbook

from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import flagged_commands
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.insights.storage import load_themes, save_themes
from pipeline.release import flagged_table
from pipeline.report import job as report_job
from pipeline.ui.release import flagged_frame
from pipeline.worker import Worker

EMAIL = "Great labs, good notes: write to jo.smith@uni.edu for a copy"
ABUSIVE = "bad course, the fucking worst"
DISTRESS = "bad term, I want to kill myself after every lab"
THREAT = "bad attitude, I'll kill him if he fails me"
NAME = "My name is Jo Lee and the lectures were good"
CLEAN = ("good lectures and clear slides", "bad exams: far too long", "good field trip")
CSV = "\n".join(
    [
        "course,comment",
        f'CHEM110,"{EMAIL}"',
        f'CHEM110,"{ABUSIVE}"',
        f'CHEM110,"{ABUSIVE}"',
        f'CHEM110,"{DISTRESS}"',
        f'CHEM110,"{CLEAN[0]}"',
        f'CHEM110,"{CLEAN[1]}"',
        f'BIO101,"{CLEAN[2]}"',
        f'BIO101,"{THREAT}"',
        f'BIO101,"{NAME}"',
        "",
    ]
).encode()


@pytest.fixture
def request_id(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", CSV)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def report_text(client: TestClient, request_id: str, **params: str) -> str:
    answer = client.get(f"/v1/jobs/{request_id}/report", params=params)
    assert answer.status_code == 200, answer.text
    return text_of(answer.text)


def test_a_courses_report_leaves_out_what_is_withheld_and_masks_personal_details(
    client: TestClient, request_id: str
) -> None:
    text = report_text(client, request_id, group_by="course", group="CHEM110")

    assert "fucking" not in text and "kill myself" not in text
    assert "jo.smith@uni.edu" not in text
    assert "Great labs, good notes: write to [email] for a copy" in text
    assert CLEAN[0] in text and CLEAN[1] in text
    assert "Left out before release: 3 comments" in text
    assert "(words of self-harm or suicide: 1; abusive language: 2)" in text
    assert f"sentiment-pipeline flagged {request_id} --group-by course" in text
    assert "In 1 comment a personal detail" in text
    assert "Screened before release" in text
    # every comment still counts in the shares: 6 of CHEM110's rows have a label
    assert "Sentiment report of its 6 comments with a label" in text


def test_screen_false_shows_every_comment_as_written(client: TestClient, request_id: str) -> None:
    text = report_text(client, request_id, group_by="course", group="CHEM110", screen="false")

    assert ABUSIVE in text and DISTRESS in text and EMAIL in text
    assert "Left out before release" not in text
    assert "Not screened : this report shows every comment as written" in text


def test_the_whole_reports_quotes_are_chosen_among_unflagged_comments(
    backend: Backend, request_id: str
) -> None:
    screened = report_job.job_report(backend, request_id, group_by="course")
    raw = report_job.job_report(backend, request_id, group_by="course", screen=False)

    def quotes(data: Any) -> dict[str | None, list[str]]:
        return {g.name: [q.text for q in g.quotes] for g in data.groups}

    assert quotes(screened) == {
        "CHEM110": [CLEAN[1], CLEAN[0]],
        "BIO101": [CLEAN[2]],
    }
    raw_quotes = [text for texts in quotes(raw).values() for text in texts]
    assert THREAT in raw_quotes  # the most confident negative of BIO101 unscreened
    assert screened.release is not None and raw.release is None
    assert [g.n for g in screened.groups] == [g.n for g in raw.groups]


def test_the_list_gives_every_flagged_comment_whole_what_to_act_on_first(
    client: TestClient, request_id: str
) -> None:
    answer = client.get(f"/v1/jobs/{request_id}/flagged", params={"group_by": "course"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["complete"] is True and body["rows_screened"] == 9
    assert body["flagged"] == 6 and body["withheld"] == 4
    assert [(k["kind"], k["comments"]) for k in body["kinds"]] == [
        ("threat", 1),
        ("distress", 1),
        ("abusive", 2),
        ("email", 1),
        ("name", 1),
    ]
    listed = [(c["row_index"], c["action"], c["kinds"], c["group"]) for c in body["comments"]]
    assert listed == [
        (7, "withheld", ["threat"], "BIO101"),
        (3, "withheld", ["distress"], "CHEM110"),
        (1, "withheld", ["abusive"], "CHEM110"),
        (2, "withheld", ["abusive"], "CHEM110"),
        (0, "masked", ["email"], "CHEM110"),
        (8, "masked", ["name"], "BIO101"),
    ]
    email = body["comments"][4]
    assert email["text"] == EMAIL and email["masked"].endswith("write to [email] for a copy")
    found = email["found"][0]
    assert EMAIL[found["start"] : found["end"]] == "jo.smith@uni.edu"


def test_in_a_survey_of_several_questions_each_names_its_question_and_file_row(
    backend: Backend, client: TestClient
) -> None:
    survey = (
        b"course,What went well?,What could be improved?\n"
        b"PHYS200,,fine\n"
        b"CHEM110,good labs,I'll kill him if he fails me\n"
        b"BIO101,my name is Jo Lee and good trips,bad exams\n"
    )
    answer = client.post(
        "/v1/jobs",
        files={"file": ("survey.csv", survey)},
        data={"text_column": ["What went well?", "What could be improved?"]},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    body = client.get(f"/v1/jobs/{answer.json()['request_id']}/flagged").json()

    assert [(c["kinds"], c["question"]) for c in body["comments"]] == [
        (["threat"], "What could be improved?"),
        (["name"], "What went well?"),
    ]
    assert [(c["row_index"], c["respondent"]) for c in body["comments"]] == [(2, "2"), (3, "3")]
    written = flagged_table.to_csv(body["comments"]).splitlines()
    assert written[0].startswith("row_index,respondent,") and "question" in written[0]
    assert written[1].startswith("2,2,withheld,threat")
    printed = flagged_table.text(body, body["comments"], 100)
    assert "What could be improved?" in printed
    assert "comment #3 (row 2 of the file's data) · withheld" in printed
    shown = flagged_frame(body, "comment")
    assert shown["file row"].tolist() == ["2", "3"]
    assert list(shown.columns) == [
        "comment #",
        "file row",
        "in a report",
        "found",
        "question",
        "label",
        "comment",
    ]


def test_the_list_pages_and_filters_one_group(client: TestClient, request_id: str) -> None:
    path = f"/v1/jobs/{request_id}/flagged"
    page = client.get(path, params={"offset": 1, "limit": 2}).json()
    bio = client.get(path, params={"group_by": "course", "group": "BIO101"}).json()

    assert page["flagged"] == 6 and [c["row_index"] for c in page["comments"]] == [3, 1]
    assert "group" not in page["comments"][0]
    assert bio["rows_screened"] == 3 and [c["row_index"] for c in bio["comments"]] == [7, 8]


def test_only_the_kinds_asked_for_are_looked_for(client: TestClient, request_id: str) -> None:
    path = f"/v1/jobs/{request_id}/flagged"
    urgent = client.get(path, params={"kinds": "threat, distress"}).json()
    personal = client.get(path, params={"kinds": "email,name"}).json()

    assert urgent["screened_for"] == ["threat", "distress"]
    assert [(k["kind"], k["comments"]) for k in urgent["kinds"]] == [("threat", 1), ("distress", 1)]
    assert urgent["flagged"] == urgent["withheld"] == 2
    assert [c["row_index"] for c in urgent["comments"]] == [7, 3]
    assert [c["row_index"] for c in personal["comments"]] == [0, 8]
    assert personal["withheld"] == 0 and personal["rows_screened"] == 9


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"group": "BIO101"}, 400, "group needs group_by"),
        ({"group_by": "course", "group": ""}, 400, "group is empty"),
        ({"group_by": "course", "group": "bio101"}, 400, "no row has course = 'bio101'"),
        ({"group_by": "teacher"}, 400, "column 'teacher' is not in the job's input"),
        ({"limit": "0"}, 422, "limit"),
        ({"kinds": "threat,rude"}, 400, "'rude' is not a kind; the kinds are threat, distress"),
    ],
)
def test_the_list_refuses_rather_than_widens(
    client: TestClient, request_id: str, params: dict[str, str], status: int, words: str
) -> None:
    answer = client.get(f"/v1/jobs/{request_id}/flagged", params=params)

    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_another_keys_job_is_not_found(tmp_path: Path) -> None:
    job = job_of_one_key(tmp_path, "evaluations.csv", CSV, text_column="comment")

    assert job.api.get(f"/v1/jobs/{job.request_id}/flagged").status_code == 401
    foreign = job.api.get(f"/v1/jobs/{job.request_id}/flagged", headers={"X-API-Key": job.other})
    assert foreign.status_code == 404
    mine = job.api.get(f"/v1/jobs/{job.request_id}/flagged", headers={"X-API-Key": job.owner})
    assert mine.status_code == 200 and mine.json()["flagged"] == 6


def test_the_gateway_answers_as_fastapi_does(
    backend: Backend, client: TestClient, request_id: str
) -> None:
    event = without_identity(load_event("summary", request_id))
    gateway = Gateway(backend)

    def get(path: str, **params: str) -> dict[str, Any]:
        return gateway.handle(with_query({**event, "path": path}, **params))

    listed = get(f"/v1/jobs/{request_id}/flagged", group_by="course", limit="3", kinds="email")
    fastapi = client.get(
        f"/v1/jobs/{request_id}/flagged",
        params={"group_by": "course", "limit": 3, "kinds": "email"},
    )
    assert listed["statusCode"] == 200
    assert json.loads(listed["body"]) == fastapi.json()
    assert fastapi.json()["screened_for"] == ["email"] and fastapi.json()["flagged"] == 1
    bad = get(f"/v1/jobs/{request_id}/flagged", limit="0")
    assert bad["statusCode"] == 422
    # a bad id and a bad page together: both named, as FastAPI names them
    both = get("/v1/jobs/not%20an%20id/flagged", offset="-1")
    fastapi_both = client.get("/v1/jobs/not%20an%20id/flagged", params={"offset": -1})
    assert both["statusCode"] == fastapi_both.status_code == 422
    assert json.loads(both["body"]) == fastapi_both.json()
    assert "query field 'offset'" in fastapi_both.json()["detail"]
    report = get(f"/v1/jobs/{request_id}/report", format="html", group_by="course")
    raw = get(f"/v1/jobs/{request_id}/report", format="html", group_by="course", screen="false")
    assert report["statusCode"] == raw["statusCode"] == 200
    assert "Screened before release" in report["body"]
    assert "Not screened" in raw["body"]


def test_the_command_prints_writes_and_passes_the_group_on(
    client: TestClient,
    request_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(flagged_commands, "api_client", lambda _args: in_process_client(client))

    assert main(["flagged", request_id, "--group-by", "course"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        "6 of 9 comments flagged, 4 withheld from reports: threat 1, distress 1, abusive 2, "
        "email 1, name 1"
    )
    assert "comment #8 · withheld · BIO101 · negative" in printed
    assert "found: threat: I'll kill him" in printed
    assert THREAT in printed

    target = tmp_path / "flagged.csv"
    assert main(["flagged", request_id, "-o", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row["row_index"] for row in rows] == ["7", "3", "1", "2", "0", "8"]
    assert rows[4]["found"] == "email: jo.smith@uni.edu" and rows[4]["text"] == EMAIL
    captured = capsys.readouterr()  # the heading on stderr beside "wrote": stdout is the data's
    assert captured.out == "" and "6 of 9 comments flagged" in captured.err
    workbook = tmp_path / "flagged.xlsx"
    assert main(["flagged", request_id, "-o", str(workbook)]) == 0
    sheet = load_workbook(workbook)["flagged"]
    header, *cells = sheet.iter_rows(values_only=True)
    assert list(header) == list(rows[0])
    assert [row[header.index("text")] for row in cells] == [row["text"] for row in rows]
    assert [row[header.index("row_index")] for row in cells] == [7, 3, 1, 2, 0, 8]  # numbers
    capsys.readouterr()

    assert main(["flagged", request_id, "--group-by", "course", "--group", "BIO101", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [c["row_index"] for c in body["comments"]] == [7, 8]
    assert main(["flagged", request_id, "--kinds", "threat", "--json"]) == 0
    assert [c["row_index"] for c in json.loads(capsys.readouterr().out)["comments"]] == [7]
    assert main(["flagged", request_id, "--group", "BIO101"]) == 2
    assert "group needs group_by" in capsys.readouterr().err


def test_the_client_reads_every_page_or_the_first_few(client: TestClient, request_id: str) -> None:
    api = in_process_client(client)

    every = api.every_flagged(request_id, page_size=4)
    first = api.every_flagged(request_id, most=3, page_size=2)

    assert [c["row_index"] for c in every["comments"]] == [7, 3, 1, 2, 0, 8]
    assert every["limit"] == 6 and every["flagged"] == 6
    assert [c["row_index"] for c in first["comments"]] == [7, 3, 1]


def test_the_report_command_passes_no_screen_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"<html></html>")

    api = PipelineClient("http://api.test/", "k", transport=httpx.MockTransport(handler))
    api.report("rid", "course", "html", "CHEM110", screen=False)
    api.report("rid", "course", "html")
    assert seen[0].url.params["screen"] == "false"
    assert "screen" not in seen[1].url.params


def test_a_stored_themes_keywords_never_name_a_personal_detail_in_a_screened_report(
    backend: Backend, client: TestClient
) -> None:
    """Themes found before keywords left personal details out could name "smith" (from
    jo.smith@uni.edu) beside the comment that masks it: the screened report drops it."""
    answer = client.post(
        "/v1/jobs", files={"file": ("evaluations.csv", CSV)}, data={"group_by": "course"}
    )
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    request_id = answer.json()["request_id"]
    job = backend.repository.jobs.get(request_id)
    assert job.insights_key is not None
    stored = load_themes(backend.store, job.insights_key)
    theme = stored["themes"][0]
    theme["keywords"] = ["smith", "good lectures", *theme["keywords"][2:]]
    save_themes(backend.store, job.insights_key, stored)

    screened = report_text(client, request_id)
    as_written = report_text(client, request_id, screen="false")

    assert "smith" in as_written
    assert "smith" not in screened and "good lectures" in screened
