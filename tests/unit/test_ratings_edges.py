"""A rating column against the comments at every edge: ``GET /ratings`` on FastAPI and the
API Gateway handler, the client and the ``ratings`` command, over an Excel export whose closed
questions are a Likert column (words) and a 1-5 column (numbers), as course evaluations are
exported.

What it must do: read each scale from the values, correlate it with the comments, name the
course whose scale reads the other way round, list the comments that contradict their own
rating, and refuse rather than guess (no column, the comment column, a column of course
codes, another key's job)."""

from __future__ import annotations

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
from httpfakes import clients_answered_by, in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor, job_of_one_key
from openpyxl import Workbook

from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli import rating_commands
from pipeline.cli.main import main
from pipeline.db.models import Job
from pipeline.ratings import table as rating_table
from pipeline.ui.ratings import contradicting_frame
from pipeline.worker import Worker

SATISFIED = "Overall, I was satisfied with this course"
INSTRUCTOR = "Rate the instructor (1-5)"


def evaluation_workbook() -> bytes:
    """CHEM110 rates as it writes; PHYS201's 1-5 column was exported the other way round
    (1 = best); two answers give no rating."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["course", SATISFIED, INSTRUCTOR, "comment"])
    for i in range(12):
        sheet.append(["CHEM110", "Strongly agree", 5, f"good lectures, week {i}"])
        sheet.append(["CHEM110", "Disagree", 1 + i % 2, f"bad exams, week {i}"])
        sheet.append(["PHYS201", "Agree", 1, f"good labs, week {i}"])
        sheet.append(["PHYS201", "Strongly disagree", 5, f"bad notes, week {i}"])
    sheet.append(["CHEM110", "N/A", None, "the room was fine"])
    sheet.append(["PHYS201", "Strongly agree", 4, "bad bad bad, the worst course"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def request_id(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.xlsx", evaluation_workbook())},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return str(answer.json()["request_id"])


def ratings(client: TestClient, request_id: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/v1/jobs/{request_id}/ratings", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_likert_column_per_course_with_its_contradictions(
    client: TestClient, request_id: str
) -> None:
    body = ratings(client, request_id, column=SATISFIED, group_by="course", limit=5)
    assert body["complete"] and body["column"] == SATISFIED
    assert body["scale"]["name"] == "agreement"
    assert body["scale"]["described"] == "Strongly disagree (1) to Strongly agree (5)"
    overall = body["overall"]
    assert (overall["rated"], overall["unrated"]) == (49, 1)
    assert overall["correlation"] > 0.8 and not overall["reads_reversed"]
    by_course = {group["group"]: group for group in body["groups"]}
    assert by_course["CHEM110"]["mean"] == pytest.approx(3.5)  # half 5, half 2
    assert by_course["CHEM110"]["labels"] == {"positive": 12, "negative": 12}
    # the one contradiction: "Strongly agree" beside "the worst course"
    found = body["contradicting"]
    assert found["comments"] == 1 and by_course["PHYS201"]["high_but_negative"] == 1
    (comment,) = found["page"]
    assert comment["rating"] == "Strongly agree" and comment["rated"] == "high"
    assert comment["label"] == "negative" and comment["group"] == "PHYS201"
    assert comment["text"] == "bad bad bad, the worst course"
    assert comment["row_index"] == 49


def test_what_the_ratings_follow_the_complaints_about_the_exams(
    client: TestClient, request_id: str
) -> None:
    """CHEM110's "bad exams" comments are rated 1 or 2 for the instructor; the fake tagger
    finds the exams in them (and the lectures in "good lectures")."""
    body = ratings(client, request_id, column=INSTRUCTOR)
    exams, *rest = body["aspects"]
    assert exams["aspect"] == "exams" and exams["negative"] == 12 and exams["flagged"]
    assert exams["mean_negative"] == pytest.approx(1.5)
    assert exams["difference"] == pytest.approx(1.5 - exams["mean_others"])
    assert exams["difference"] < -2
    teaching = next(a for a in rest if a["aspect"] == "teaching")
    assert teaching["p_value"] is None and not teaching["flagged"], "nobody negative about it"
    assert teaching["mean_positive"] == pytest.approx(5.0)
    # on a reversed scale (1 best) the same complaints are rated better than the rest
    flipped = ratings(client, request_id, column=INSTRUCTOR, scale="5-1")
    exams_flipped = next(a for a in flipped["aspects"] if a["aspect"] == "exams")
    assert exams_flipped["difference"] == pytest.approx(-exams["difference"])
    # on the Likert column the exams' "Disagree" sits amid PHYS201's answers: not beyond the noise
    likert = ratings(client, request_id, column=SATISFIED)
    assert likert["aspects"][0]["aspect"] == "exams" and not likert["aspects"][0]["flagged"]


def test_a_course_whose_numbers_read_the_other_way_round_is_named(
    client: TestClient, request_id: str
) -> None:
    body = ratings(client, request_id, column=INSTRUCTOR, group_by="course", limit=100)
    assert (body["scale"]["worst"], body["scale"]["best"]) == (1.0, 5.0)
    by_course = {group["group"]: group for group in body["groups"]}
    assert by_course["PHYS201"]["reads_reversed"]
    assert by_course["PHYS201"]["correlation"] < -0.9
    assert not by_course["CHEM110"]["reads_reversed"]
    assert by_course["PHYS201"]["high_but_negative"] == 13
    assert by_course["PHYS201"]["low_but_positive"] == 12
    assert body["contradicting"]["comments"] == 25
    page = body["contradicting"]["page"]
    gaps = [abs(c["rating_position"] - (c["sentiment"] + 1) / 2) for c in page]
    assert len(page) == 25 and gaps == sorted(gaps, reverse=True), "the clearest first"
    # read on its real scale (1 best), PHYS201 follows its comments; CHEM110 now reads reversed
    fixed = ratings(client, request_id, column=INSTRUCTOR, group_by="course", scale="5-1")
    by_course = {group["group"]: group for group in fixed["groups"]}
    assert by_course["PHYS201"]["correlation"] > 0.9
    assert by_course["CHEM110"]["reads_reversed"]


def test_pages_and_no_groups(client: TestClient, request_id: str) -> None:
    first = ratings(client, request_id, column=INSTRUCTOR, limit=10)
    rest = ratings(client, request_id, column=INSTRUCTOR, offset=10, limit=100)
    assert first["groups"] == [] and first["group_by"] is None
    assert "group" not in first["contradicting"]["page"][0]
    rows = [c["row_index"] for c in first["contradicting"]["page"] + rest["contradicting"]["page"]]
    assert len(rows) == len(set(rows)) == first["contradicting"]["comments"]


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({}, 400, f"name the rating column (column): '{SATISFIED}', '{INSTRUCTOR}' read as"),
        ({"column": "comment"}, 400, "'comment' is a comment column"),
        ({"column": "course"}, 400, "'course' does not read as a rating"),
        ({"column": "Q9"}, 400, "column 'Q9' is not in the job's input"),
        ({"column": INSTRUCTOR, "scale": "best"}, 400, "scale 'best' is not worst-best"),
        ({"column": INSTRUCTOR, "group_by": "Q9"}, 400, "column 'Q9' is not in the job's"),
    ],
)
def test_refuses_rather_than_guesses(
    client: TestClient, request_id: str, params: dict[str, str], status: int, detail: str
) -> None:
    answer = client.get(f"/v1/jobs/{request_id}/ratings", params=params)
    assert answer.status_code == status, answer.text
    assert detail in answer.json()["detail"]


def test_another_keys_job_is_not_found(tmp_path: Path) -> None:
    job = job_of_one_key(tmp_path, "evaluations.xlsx", evaluation_workbook(), text_column="comment")
    path = f"/v1/jobs/{job.request_id}/ratings"
    params = {"column": INSTRUCTOR}
    assert job.api.get(path, params=params, headers={"X-API-Key": job.owner}).status_code == 200
    foreign = job.api.get(path, params=params, headers={"X-API-Key": job.other})
    assert foreign.status_code == 404
    assert job.api.get(path, params=params).status_code == 401


def test_the_gateway_answers_as_fastapi_does(
    backend: Backend, client: TestClient, request_id: str
) -> None:
    event = without_identity(load_event("summary", request_id))
    gateway = Gateway(backend)

    def get(path: str, **params: str) -> dict[str, Any]:
        return gateway.handle(with_query({**event, "path": path}, **params))

    path = f"/v1/jobs/{request_id}/ratings"
    through = get(path, column=INSTRUCTOR, group_by="course", limit="3")
    fastapi = client.get(path, params={"column": INSTRUCTOR, "group_by": "course", "limit": 3})
    assert through["statusCode"] == 200
    assert json.loads(through["body"]) == fastapi.json()
    refused = get(path, column="course")
    assert refused["statusCode"] == 400
    assert json.loads(refused["body"]) == client.get(path, params={"column": "course"}).json()
    # the page's numbers read as pydantic reads them for FastAPI (found by the contract fuzz)
    for value in ("1.0", "0.0", "-0.0", " 2 ", "1_0", "\u0665", "1.5", "1e0"):
        for name in ("limit", "offset"):
            params = {"column": INSTRUCTOR, "group_by": "course", name: value}
            through = get(path, **params)
            fastapi = client.get(path, params=params)
            assert through["statusCode"] == fastapi.status_code, (name, value)
            assert json.loads(through["body"]) == fastapi.json(), (name, value)
    both = get("/v1/jobs/not%20an%20id/ratings", limit="0")
    fastapi_both = client.get("/v1/jobs/not%20an%20id/ratings", params={"limit": 0})
    assert both["statusCode"] == fastapi_both.status_code == 422
    assert json.loads(both["body"]) == fastapi_both.json()


def test_the_command_prints_the_table_the_warning_and_the_comments(
    client: TestClient,
    request_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(rating_commands, "api_client", lambda _args: in_process_client(client))
    code = main(
        ["ratings", request_id, "--column", INSTRUCTOR, "--group-by", "course", "--show", "2"]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert f"Rating '{INSTRUCTOR}' on a scale of 1 (worst) to 5 (best)" in printed
    assert "! PHYS201: ratings fall as its comments get warmer" in printed
    chem = next(line for line in printed.splitlines() if line.startswith("CHEM110"))
    assert chem.split()[1:3] == ["24", "3.2"], chem  # 24 rated, mean (5 + 1.5) / 2 = 3.25
    assert printed.count("comment #") == 2, "--show 2"
    assert "  exams: 12 negative, rated 1.5 against 3.7 (-2.2), beyond the noise" in printed
    assert "Comments that contradict their rating: 25, clearest first" in printed
    assert main(["ratings", request_id, "--column", INSTRUCTOR, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["overall"]["rated"] == 49
    assert main(["ratings", request_id, "--column", "course"]) == 2
    assert "'course' does not read as a rating" in capsys.readouterr().err


def report_text(client: TestClient, request_id: str, **params: str) -> str:
    answer = client.get(f"/v1/jobs/{request_id}/report", params=params)
    assert answer.status_code == 200, answer.text
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))


def test_the_report_adds_the_figures_per_course_and_a_course_report_names_no_other(
    client: TestClient, request_id: str
) -> None:
    whole = report_text(client, request_id, format="html", group_by="course", rating=INSTRUCTOR)
    assert "Ratings and comments" in whole
    assert f"Each comment's rating in {INSTRUCTOR} (a scale of 1 (worst) to 5 (best))" in whole
    assert "PHYS201 : the ratings fall as the comments get warmer" in whole
    assert re.search(r"all comments 49 3\.\d [-\d.]+ 13 12", whole), whole[-3000:]
    assert re.search(r"CHEM110 24 3\.2 0\.\d\d 0 0", whole)
    assert re.search(r"PHYS201 reads reversed 25 \d\.\d -0\.9\d 13 12", whole)
    assert re.search(r"What the ratings follow .* exams 12 1\.5 3\.7 -2\.2", whole)
    assert "Ratings and comments" not in report_text(client, request_id, format="html")
    chem = report_text(
        client, request_id, format="html", group_by="course", group="CHEM110", rating=INSTRUCTOR
    )
    assert re.search(r"CHEM110 24 3\.2 0\.\d\d 0 0", chem)
    ratings_part = chem[chem.index("Ratings and comments") :]
    assert "PHYS201" not in ratings_part and "all comments 49" not in ratings_part
    assert "What the ratings follow" not in ratings_part, "the aspects are every course's"
    refused = client.get(
        f"/v1/jobs/{request_id}/report", params={"format": "html", "rating": "course"}
    )
    assert refused.status_code == 400
    assert "'course' does not read as a rating" in refused.json()["detail"]


def test_the_gateway_report_and_the_command_pass_the_rating_on(
    backend: Backend, request_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = without_identity(load_event("summary", request_id))
    path = f"/v1/jobs/{request_id}/report"
    answer = Gateway(backend).handle(
        with_query({**event, "path": path}, format="html", group_by="course", rating=SATISFIED)
    )
    assert answer["statusCode"] == 200 and "Ratings and comments" in answer["body"]
    seen = clients_answered_by(monkeypatch, lambda: httpx.Response(200, content=b"<html/>"))
    monkeypatch.chdir(tmp_path)
    api = ["--format", "html", "--api-url", "http://api.test"]
    assert main(["report", "rid", "--rating", INSTRUCTOR, *api]) == 0
    assert main(["report", "rid", *api]) == 0
    assert seen[0].url.params["rating"] == INSTRUCTOR
    assert "rating" not in seen[1].url.params


def submit_two_questions(client: TestClient, backend: Backend) -> str:
    """10 students rated 5 and answered both questions, 10 rated 1 and answered one."""
    rows = ["student,Overall rating,What helped?,What should change?"]
    rows += [f"s{n},5,good labs {n},good pace {n}" for n in range(10)]
    rows += [f"t{n},1,bad exams {n}," for n in range(10)]
    answer = client.post(
        "/v1/jobs",
        files={"file": ("multi.csv", "\n".join(rows).encode())},
        data={"text_column": ["What helped?", "What should change?"]},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def test_a_job_of_several_open_questions_counts_each_student_once(
    backend: Backend, client: TestClient
) -> None:
    """Counted per answer, the first ten students would weigh twice (mean 3.7 over 30); each
    is counted once overall (mean 3.0 over 20) and once in each question's row."""
    request_id = submit_two_questions(client, backend)

    body = ratings(client, request_id, column="Overall rating")

    assert body["group_by"] == "question" and "take each student once" in body["note"]
    assert "'respondent'" in body["note"]
    overall = body["overall"]
    assert (overall["rated"], overall["respondents"], overall["mean"]) == (30, 20, 3.0)
    assert (overall["rated_high"], overall["rated_low"]) == (10, 10)
    assert overall["labels"] == {"positive": 20, "negative": 10}  # the comments'
    assert overall["correlation"] == pytest.approx(1.0)
    printed = rating_table.text(body, 100)
    assert "30 rated comments by 20 respondents" in printed
    assert "note: this job reads 2 open questions" in printed
    by_question = {g["group"]: (g["rated"], g["respondents"], g["mean"]) for g in body["groups"]}
    assert by_question == {"What helped?": (20, 20, 3.0), "What should change?": (10, 10, 5.0)}
    by_student = ratings(client, request_id, column="Overall rating", group_by="student")
    first = next(g for g in by_student["groups"] if g["group"] == "s0")
    assert (first["rated"], first["respondents"], first["mean"]) == (2, 1, 5.0)


def test_a_comment_that_contradicts_its_rating_names_its_file_row_and_question(
    backend: Backend, client: TestClient
) -> None:
    rows = ["student,Overall rating,What helped?,What should change?"]
    rows += [f"s{n},5,good labs {n},good pace {n}" for n in range(10)]
    rows += ['z1,5,nothing,"bad exams, far too long"']
    answer = client.post(
        "/v1/jobs",
        files={"file": ("multi.csv", "\n".join(rows).encode())},
        data={"text_column": ["What helped?", "What should change?"]},
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    body = ratings(client, answer.json()["request_id"], column="Overall rating", group_by="student")

    (found,) = body["contradicting"]["page"]
    assert (found["respondent"], found["question"], found["group"]) == (
        "11", "What should change?", "z1"
    )  # fmt: skip
    printed = rating_table.text(body, 100)
    assert "(row 11 of the file's data) · z1 · What should change? · rated 5 (high)" in printed
    shown = contradicting_frame(body)
    assert list(shown.columns[:4]) == ["comment #", "file row", "student", "question"]
    by_question = ratings(client, answer.json()["request_id"], column="Overall rating")
    assert "question" not in contradicting_frame(by_question).columns[2:3].tolist()[1:]
    assert list(contradicting_frame(by_question).columns[:3]) == [
        "comment #",
        "file row",
        "question",
    ]


def test_the_respondent_column_is_no_rating(backend: Backend, client: TestClient) -> None:
    request_id = submit_two_questions(client, backend)

    answer = client.get(f"/v1/jobs/{request_id}/ratings", params={"column": "respondent"})
    assert answer.status_code == 400
    assert "numbers each answer's respondent" in answer.json()["detail"]
    refused = client.get(f"/v1/jobs/{request_id}/ratings")
    assert "'Overall rating' read as ratings" in refused.json()["detail"]
    assert "respondent" not in refused.json()["detail"]


def test_the_respondent_column_is_no_group_at_submit_or_on_any_read(
    backend: Backend, client: TestClient
) -> None:
    request_id = submit_two_questions(client, backend)
    reads = [
        ("summary", {}),
        ("aspects", {}),
        ("flagged", {}),
        ("report", {"format": "html"}),
        ("ratings", {"column": "Overall rating"}),
    ]
    for path, params in reads:
        answer = client.get(
            f"/v1/jobs/{request_id}/{path}", params={**params, "group_by": "Respondent"}
        )
        assert answer.status_code == 400, (path, answer.text)
        assert "numbers each answer's respondent: a group per student" in answer.json()["detail"]
    refused = client.post(
        "/v1/jobs",
        files={"file": ("multi.csv", b"student,a,b\ns1,good,fine\n")},
        data={"text_column": ["a", "b"], "group_by": "respondent"},
    )
    assert refused.status_code == 400
    assert (
        "group-by column 'respondent' numbers each answer's respondent"
        in (refused.json()["detail"])
    )


def test_a_job_from_before_respondents_were_numbered_says_it_weighs_them_by_answers(
    backend: Backend, client: TestClient
) -> None:
    request_id = submit_two_questions(client, backend)
    job = backend.repository.jobs.get(request_id)
    assert job is not None
    old = {k: v for k, v in (job.input_options or {}).items() if k != "respondents"}
    columns = [c for c in job.input_columns if c != "respondent"]
    with backend.repository.database.engine.begin() as connection:
        connection.execute(
            Job.__table__.update()
            .where(Job.request_id == request_id)
            .values(input_options=old, input_columns=columns)
        )

    body = ratings(client, request_id, column="Overall rating")

    assert "counts once per question" in body["note"]
    assert (body["overall"]["rated"], body["overall"]["respondents"]) == (30, 30)
    by_student = ratings(client, request_id, column="Overall rating", group_by="student")
    assert "(group_by=question) each student counts once" in by_student["note"]
