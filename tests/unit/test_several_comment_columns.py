"""Several comment columns (a survey's open questions) read as one comment per row and question:
the pure melt, validation and reading, the CLI, the API and the Lambda edge."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from apigw_events import answer, load_event, without_identity
from fastapi.testclient import TestClient
from hostile_cases import qualtrics_export, table, workbook
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import build_parser
from pipeline.column_guess import guess_more_text_columns
from pipeline.errors import EmptyInputError, InputError, LimitExceededError, MissingColumnError
from pipeline.input_melt import Melt, free_name, melt_for, respondent_column
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.worker import Worker

HELPED, CHANGE = "What helped you learn?", "What should change?"
ROWS = [
    ["CHEM110", "Smith", "The labs were good", "Exams were bad"],
    ["CHEM110", "Smith", "", "Too much homework, bad pacing"],
    ["BIO200", "Lee", "Clear lectures, good notes", "  "],
    ["BIO200", "Lee", "", ""],
]
EXPORT = table(["course", "instructor", HELPED, CHANGE], ROWS)


def write(tmp_path: Path, content: bytes, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def rows_of(path: Path, options: ReadOptions, text_column: str, **kwargs: int) -> list[list[str]]:
    frames = iter_chunks(path, "csv", text_column, 2, options=options, **kwargs)
    return [row for frame in frames for row in frame.to_numpy().tolist()]


def test_each_answer_is_a_row_with_its_respondent_and_question_and_blank_answers_are_none() -> None:
    melt = melt_for([HELPED, CHANGE], [HELPED, CHANGE])
    header = ["course", "instructor", HELPED, CHANGE]

    columns = melt.header(header)
    assert columns == ("course", "instructor", "respondent", "question", "comment")
    assert respondent_column(columns, "comment") == "respondent"
    assert list(melt.rows(header, [list(row) for row in ROWS])) == [
        ["CHEM110", "Smith", "1", HELPED, "The labs were good"],
        ["CHEM110", "Smith", "1", CHANGE, "Exams were bad"],
        ["CHEM110", "Smith", "2", CHANGE, "Too much homework, bad pacing"],
        ["BIO200", "Lee", "3", HELPED, "Clear lectures, good notes"],
    ]


def test_a_job_submitted_before_respondents_were_numbered_reads_as_it_did() -> None:
    old = ReadOptions.from_json({"comment_columns": [HELPED, CHANGE]})
    header = ["course", HELPED, CHANGE]

    assert old.melt is not None
    assert old.melt.header(header) == ("course", "question", "comment")
    assert list(old.melt.rows(header, [["CHEM110", "Good", ""]])) == [["CHEM110", HELPED, "Good"]]


def test_the_new_columns_never_take_a_kept_columns_name() -> None:
    melt = Melt(("a", "b"), ("a", "b"))

    assert melt.header(["Respondent", "Question", "Comment", "a", "b"]) == (
        "Respondent",
        "Question",
        "Comment",
        "respondent_2",
        "question_2",
        "comment_2",
    )
    assert free_name("comment", ["question", "comment", "COMMENT_2"]) == "comment_3"


def test_a_melt_needs_two_distinct_columns_and_questions_that_tell_them_apart() -> None:
    with pytest.raises(InputError, match="at least two"):
        melt_for(["a"], ["a"])
    with pytest.raises(InputError, match="'a' is asked for twice"):
        melt_for(["a", "a"], ["A", "B"])
    assert melt_for(["Q2", "Q3"], ["Comments", "Comments"]).questions == ("Q2", "Q3")


def test_validation_counts_answers_groups_by_question_and_the_worker_reads_the_same(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, EXPORT)

    summary = validate_input(path, [HELPED, " what should change? "], ["Course"])

    assert summary.columns == ("course", "instructor", "respondent", "question", "comment")
    assert (summary.text_column, summary.rows) == ("comment", 4)
    assert summary.group_by == ("course", "question")
    options = ReadOptions.from_json(summary.options.to_json())
    assert options == summary.options
    assert options.to_json()["comment_columns"] == [HELPED, CHANGE]
    assert "questions" not in options.to_json()  # the column names say it
    assert "one row per comment in 2 columns" in options.describe()
    every = rows_of(path, options, "comment")
    assert [row[2:] for row in every] == [
        ["1", HELPED, "The labs were good"],
        ["1", CHANGE, "Exams were bad"],
        ["2", CHANGE, "Too much homework, bad pacing"],
        ["3", HELPED, "Clear lectures, good notes"],
    ]
    assert rows_of(path, options, "comment", start_row=2) == every[2:]  # a resumed job


def test_one_name_in_a_list_is_the_one_comment_column(tmp_path: Path) -> None:
    summary = validate_input(write(tmp_path, EXPORT), [CHANGE, " ", CHANGE])

    assert (summary.text_column, summary.rows, summary.options.comment_columns) == (CHANGE, 4, ())


def test_a_workbook_reads_alike(tmp_path: Path) -> None:
    header = ["course", "instructor", HELPED, CHANGE]
    path = write(tmp_path, workbook([("Results", [header, *ROWS])]), "survey.xlsx")

    summary = validate_input(path, [HELPED, CHANGE])
    frames = iter_chunks(path, "xlsx", "comment", 10, options=summary.options)

    assert summary.rows == 4
    assert pd.concat(list(frames))["comment"].tolist() == [
        "The labs were good",
        "Exams were bad",
        "Too much homework, bad pacing",
        "Clear lectures, good notes",
    ]


def test_a_qualtrics_export_names_each_answer_by_its_question(tmp_path: Path) -> None:
    content = qualtrics_export([("CHEM110", "Great labs")], xlsx=False).decode()
    lines = content.splitlines()
    extra = ["Q4", "What should change?", '"{""ImportId"":""QID4_TEXT""}"', "More office hours"]
    path = tmp_path / "qualtrics.csv"
    merged = [f"{line},{more}" for line, more in zip(lines, extra, strict=True)]
    path.write_text("\n".join(merged) + "\n")

    summary = validate_input(path, ["Q3", "what should change?"], ["Q1"])

    assert summary.columns == (
        "StartDate", "ResponseId", "Q1", "respondent", "question", "comment"
    )  # fmt: skip
    rows = rows_of(path, summary.options, "comment")
    assert [row[2:] for row in rows] == [
        ["CHEM110", "1", "Comments", "Great labs"],
        ["CHEM110", "1", "What should change?", "More office hours"],
    ]


@pytest.mark.parametrize(
    ("asked", "error", "message"),
    [
        ([HELPED, "Feedback"], MissingColumnError, "comment column 'Feedback' is not in the file"),
        ([HELPED, "what helped you learn?"], InputError, "asked for twice"),
    ],
)
def test_a_wrong_column_list_is_refused_naming_it(
    tmp_path: Path, asked: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        validate_input(write(tmp_path, EXPORT), asked)


def test_a_request_for_more_columns_than_a_survey_has_questions_is_refused(tmp_path: Path) -> None:
    asked = [f"column {n}" for n in range(10_000)]

    with pytest.raises(LimitExceededError, match="10,000 comment columns were asked for"):
        validate_input(write(tmp_path, EXPORT), asked)


def test_columns_with_no_answer_at_all_are_refused_naming_them(tmp_path: Path) -> None:
    path = write(tmp_path, table(["course", "a", "b"], [["X", "", " "], ["Y", "", ""]]))

    with pytest.raises(EmptyInputError, match="no comments in columns 'a', 'b'"):
        validate_input(path, ["a", "b"])


def test_the_app_offers_the_other_open_questions_not_names_codes_or_groups() -> None:
    sample = pd.DataFrame(
        {
            "Instructor": ["Dr Jane Smith", "Prof Lee"],
            "Course title": ["Chemistry of the living cell, part one", "Physics for all of us"],
            "Student ID": ["S123", "S456"],
            "Teacher comments": ["Very clear, kind", "Explains things well"],
            "Other comments": ["Fine", "Good"],
            "Anything else?": ["The room was far too cold all term", "More worked examples please"],
            HELPED: ["The labs", "Lectures"],
            "What should change next term?": [
                "Post the slides before each lecture",
                "More labs, fewer quizzes please",
            ],
        }
    )

    assert guess_more_text_columns(list(sample.columns), HELPED, sample) == [
        "Anything else?",
        "What should change next term?",
    ]


def test_the_cli_takes_the_comment_column_repeated() -> None:
    parser = build_parser()

    submit = parser.parse_args(["submit", "f.csv", "--text-column", "a", "--text-column", "b"])
    analyze = parser.parse_args(["analyze", "f.csv", "--output", "o.csv", "--text-column", "a"])

    assert (submit.text_column, analyze.text_column) == (["a", "b"], ["a"])


def _labelled_csv(backend: Backend, request_id: str) -> list[dict[str, str]]:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.result_key is not None
    text = backend.store.get_bytes(job.result_key).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_api_labels_each_answer_and_summarises_by_question(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    client = TestClient(create_app(backend))

    sent = client.post(
        "/v1/jobs",
        files={"file": ("survey.csv", EXPORT)},
        data={"text_column": [HELPED, CHANGE], "group_by": "course"},
    )
    assert sent.status_code == 202, sent.text
    request_id = sent.json()["request_id"]
    status = client.get(f"/v1/jobs/{request_id}").json()
    assert status["group_by"] == ["course", "question"] and status["rows_total"] == 4
    assert status["input_options"]["comment_columns"] == [HELPED, CHANGE]

    rows = _labelled_csv(backend, request_id)

    assert [(r["question"], r["comment"], r["label"]) for r in rows] == [
        (HELPED, "The labs were good", "positive"),
        (CHANGE, "Exams were bad", "negative"),
        (CHANGE, "Too much homework, bad pacing", "negative"),
        (HELPED, "Clear lectures, good notes", "positive"),
    ]
    assert client.get(f"/v1/jobs/{request_id}").json()["rows_failed"] == 0
    summary = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": "question"}).json()
    assert {g["group"]: g["counts"] for g in summary["groups"]} == {
        CHANGE: {"negative": 2, "neutral": 0, "positive": 0},
        HELPED: {"negative": 0, "neutral": 0, "positive": 2},
    }
    again = client.post(
        "/v1/jobs", files={"file": ("survey.csv", EXPORT)}, data={"text_column": [HELPED]}
    )
    assert again.json()["reused"] is False  # one of the columns is another job


def test_the_lambda_edge_takes_the_repeated_field_too(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    event = without_identity(load_event("submit_multipart", ""))
    body = base64.b64decode(event["body"])
    body = body.replace(
        b'name="text_column"\r\n\r\ncomment\r\n',
        b'name="text_column"\r\n\r\nliked\r\n--2c8a3bc1ef6f38d4c128a99555ef58bf\r\n'
        b'Content-Disposition: form-data; name="text_column"\r\n\r\nchange\r\n',
    ).replace(
        b"course,comment\nStatistics,The lectures were good\n",
        b"course,liked,change\nStatistics,The lectures were good,bad exams\n",
    )
    event = {**event, "body": base64.b64encode(body).decode()}

    sent = answer(Gateway(backend).handle(event))

    assert sent.status == 202, sent.text
    rows = _labelled_csv(backend, sent.json()["request_id"])
    assert [(r["question"], r["comment"]) for r in rows][:2] == [
        ("liked", "The lectures were good"),
        ("change", "bad exams"),
    ]
