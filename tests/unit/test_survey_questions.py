"""A survey export's questions kept with the job: a Qualtrics export names its columns Q1,
Q2…, and a chair knows them by their questions ("Overall, I was satisfied with this course").

What it must do: keep each column's question with the job, take a question wherever a column
is asked for after the job (a rating column, a group-by column, the report's rating), show the
question beside the column, and refuse a question that is not one column's, as it refuses an
unknown column."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hostile_cases import table
from httpfakes import in_process_client
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import rating_commands
from pipeline.cli.main import main
from pipeline.column_guess import column_label
from pipeline.errors import AmbiguousColumnError
from pipeline.input_header import resolve_column
from pipeline.worker import Worker

SATISFIED = "Overall, I was satisfied with this course"
COURSE = "Which course are you evaluating?"
IMPROVE = "What could be improved?"
HEADER = ["ResponseId", "Q1", "Q2", "Q3", "Q4"]
QUESTIONS = ["Response ID", COURSE, SATISFIED, IMPROVE, "Any other comments? (optional)"]
IMPORT_IDS = [
    '{"ImportId":"_recordId"}',
    '{"ImportId":"QID1"}',
    '{"ImportId":"QID2"}',
    '{"ImportId":"QID3_TEXT"}',
    '{"ImportId":"QID4_TEXT"}',
]


def export() -> bytes:
    """A Qualtrics CSV export: Q1 the course, Q2 a Likert question, Q3 the comments."""
    answers = []
    for i in range(10):
        answers.append([f"R_a{i}", "CHEM110", "Strongly agree", f"good lectures, week {i}", ""])
        answers.append([f"R_b{i}", "PHYS201", "Disagree", f"bad exams, week {i}", ""])
    return table(HEADER, [QUESTIONS, IMPORT_IDS, *answers])


@pytest.fixture
def request_id(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("qualtrics.csv", export())},
        data={"text_column": "Q3", "group_by": "Q1"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_job_keeps_each_columns_question(client: TestClient, request_id: str) -> None:
    job = get(client, f"/v1/jobs/{request_id}")
    options = job["input_options"]
    assert options["description_rows"] == 2
    asked = dict(zip(options["survey_columns"], options["survey_questions"], strict=True))
    assert asked["Q1"] == COURSE and asked["Q2"] == SATISFIED and asked["Q3"] == IMPROVE


def test_a_rating_is_asked_for_by_its_question_and_shown_with_it(
    client: TestClient, request_id: str
) -> None:
    by_question = get(
        client,
        f"/v1/jobs/{request_id}/ratings",
        column="  overall, I was SATISFIED   with this course ",
        group_by=COURSE,
    )
    by_name = get(client, f"/v1/jobs/{request_id}/ratings", column="Q2", group_by="Q1")
    assert by_question["column"] == by_name["column"] == "Q2"
    assert by_question["question"] == SATISFIED
    assert by_question["overall"] == by_name["overall"]
    assert by_question["overall"]["rated"] == 20
    assert [g["group"] for g in by_question["groups"]] == ["CHEM110", "PHYS201"]


def test_every_read_takes_a_question_for_its_group_by(client: TestClient, request_id: str) -> None:
    summary = get(client, f"/v1/jobs/{request_id}/summary", group_by=COURSE.upper())
    assert {g["group"]: g["rows"] for g in summary["groups"]} == {"CHEM110": 10, "PHYS201": 10}
    page = get(client, f"/v1/jobs/{request_id}/flagged", group_by=COURSE, group="CHEM110")
    assert page["flagged"] == 0


@pytest.mark.parametrize(
    ("column", "named"),
    [("Overall, I was satisfied", "'Overall, I was satisfied'"), ("", None)],
    ids=["part-of-a-question", "blank"],
)
def test_a_question_that_is_no_columns_is_refused_as_an_unknown_column(
    client: TestClient, request_id: str, column: str, named: str | None
) -> None:
    answer = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": column or " "})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "is not in the job's input; its columns are: ResponseId, Q1, Q2" in detail
    if named:
        assert named in detail


def test_two_columns_asking_the_same_question_are_asked_for_by_name(
    backend: Backend, client: TestClient
) -> None:
    """A question that two columns share names neither: the chair gives the column's id."""
    twice = [*QUESTIONS[:4], SATISFIED]
    content = table(HEADER, [twice, IMPORT_IDS, ["R_1", "CHEM110", "Agree", "good", "Agree"]])
    answer = client.post(
        "/v1/jobs", files={"file": ("twice.csv", content)}, data={"text_column": "Q3"}
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    path = f"/v1/jobs/{answer.json()['request_id']}/ratings"
    shared = client.get(path, params={"column": SATISFIED})
    assert shared.status_code == 400
    assert (
        "matches 2 columns of the job's input: 'Q2', 'Q4'; give the exact name"
        in (shared.json()["detail"])
    )
    assert client.get(path, params={"column": "Q4"}).json()["question"] == SATISFIED
    with pytest.raises(AmbiguousColumnError, match="matches 2 columns: 'Q2', 'Q4'; give the"):
        resolve_column(SATISFIED, HEADER, "rating column", dict(zip(HEADER, twice, strict=True)))


def test_a_plain_file_has_no_question(client: TestClient, backend: Backend) -> None:
    content = table(["course", "rating", "comment"], [["A", "5", "good"], ["A", "1", "bad"]])
    answer = client.post("/v1/jobs", files={"file": ("plain.csv", content)}, data={})
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    body = get(client, f"/v1/jobs/{answer.json()['request_id']}/ratings", column="rating")
    assert body["question"] is None
    assert (
        "survey_columns"
        not in get(client, f"/v1/jobs/{answer.json()['request_id']}")["input_options"]
    )


def test_the_command_and_the_report_show_the_question(
    client: TestClient,
    request_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(rating_commands, "api_client", lambda _args: in_process_client(client))
    assert main(["ratings", request_id, "--column", SATISFIED, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["column"] == "Q2"
    assert main(["ratings", request_id, "--column", "Q2", "--group-by", COURSE]) == 0
    printed = capsys.readouterr().out
    assert f"Rating 'Q2' ({SATISFIED}) on a scale of" in printed
    assert re.search(r"^CHEM110\s+10\s", printed, re.MULTILINE), printed
    answer = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"format": "html", "group_by": COURSE, "rating": SATISFIED},
    )
    assert answer.status_code == 200, answer.text
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))
    assert f"Each comment's rating in Q2 (“{SATISFIED}”) (a scale of" in text


def test_a_column_is_offered_with_its_question() -> None:
    questions = {"Q2": SATISFIED, "Q9": "x" * 200}
    assert column_label("Q2", questions) == f"Q2: {SATISFIED}"
    assert column_label("course", questions, width=10) == "course"
    assert column_label("Q9", questions) == f"Q9: {'x' * 200}", "cut only when asked"
    cut = column_label("Q9", questions, width=40)
    assert len(cut) == 40 and cut.endswith("…") and cut.startswith("Q9: xxx")


def test_every_read_matches_a_column_as_submit_does(backend: Backend, client: TestClient) -> None:
    """Submit took ``course`` for ``Course``; so does every read after it, and a name that is
    no column's is refused with the closest ones."""
    content = table(["Course", "Q2 rating", "Comment"], [["A", "5", "good"], ["B", "1", "bad"]])
    answer = client.post(
        "/v1/jobs", files={"file": ("t.csv", content)}, data={"group_by": ["course", "q2  Rating"]}
    )
    assert answer.status_code == 202, answer.text
    assert get(client, f"/v1/jobs/{answer.json()['request_id']}")["group_by"] == [
        "Course",
        "Q2 rating",
    ], "case and spacing aside"
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    path = f"/v1/jobs/{answer.json()['request_id']}"

    summary = get(client, f"{path}/summary", group_by=" course ")
    assert [g["group"] for g in summary["groups"]] == ["A", "B"]
    assert get(client, f"{path}/ratings", column="q2 RATING")["column"] == "Q2 rating"
    refused = client.get(f"{path}/summary", params={"group_by": "cours"})
    assert refused.status_code == 400
    assert "'cours' is not in the job's input (did you mean 'Course'?)" in refused.json()["detail"]
