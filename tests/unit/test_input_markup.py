"""Comments exported with their editor's HTML (Moodle, Canvas, D2L) are read as their text:
the pure cleaning, then reading, validating and labelling such a file through the API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hostile_cases import table, workbook
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.errors import EmptyInputError
from pipeline.input_markup import has_markup, plain_text
from pipeline.inputs import iter_chunks, validate_input
from pipeline.worker import Worker

MOODLE = [
    ["BIO101", "<p>The labs were good!</p><p>But the exams were <strong>bad</strong>.</p>"],
    ["BIO101", '<p dir="ltr" style="text-align: left;">Clear&nbsp;lectures,<br>good notes</p>'],
    ["BIO101", "<p><br></p>"],
    ["R&amp;D 200", "Too much reading &amp; I didn&#39;t get the &quot;why&quot;"],
]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("<p>Great labs</p>", "Great labs"),
        ("<p>Great labs</p><p>Bad exams</p>", "Great labs\nBad exams"),
        ("line one<br/>line two<BR>three", "line one\nline two\nthree"),
        ("<ul><li>slides late</li><li>no feedback</li></ul>", "slides late\nno feedback"),
        ('<span style="font-size: 0.9rem;">good</span>&nbsp;&nbsp;pace', "good pace"),
        ("<p><br></p>", ""),
        ("<div>&lt;p&gt; is a tag</div>", "<p> is a tag"),
        ("Fish &amp; chips &#8211; &#x2014; done", "Fish & chips \u2013 \u2014 done"),
        ('<a href="https://x.org">link</a> here', "link here"),
    ],
)
def test_markup_is_read_as_its_text(raw: str, text: str) -> None:
    assert has_markup(raw)
    assert plain_text(raw) == text


@pytest.mark.parametrize(
    "written",
    [
        "I <3 this class",
        "x<y and y>z in the proofs",
        "AT&T sponsored the lab & it was fine",
        "grade <= 50 means a resit",
        "<<not a tag>>",
        "  spaces   kept  \n as written ",
        "&c. and so on",
        "<insert joke here>",
    ],
)
def test_text_without_markup_is_kept_exactly(written: str) -> None:
    assert not has_markup(written)
    assert plain_text(written) is written


def _frames(path: Path, column: str) -> list[list[str]]:
    summary = validate_input(path, column)
    chunks = iter_chunks(path, summary.format, summary.text_column, 10, options=summary.options)
    return [row for frame in chunks for row in frame.to_numpy().tolist()]


def test_a_csv_s_comments_are_read_as_text_and_other_columns_as_written(tmp_path: Path) -> None:
    path = tmp_path / "moodle.csv"
    path.write_bytes(table(["course", "response"], MOODLE))

    assert _frames(path, "response") == [
        ["BIO101", "The labs were good!\nBut the exams were bad."],
        ["BIO101", "Clear lectures,\ngood notes"],
        ["BIO101", ""],
        ["R&amp;D 200", 'Too much reading & I didn\'t get the "why"'],
    ]


def test_a_workbook_s_comments_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "d2l.xlsx"
    path.write_bytes(workbook([("Answers", [["course", "comment"], *MOODLE])]))

    assert [row[1] for row in _frames(path, "comment")][:3] == [
        "The labs were good!\nBut the exams were bad.",
        "Clear lectures,\ngood notes",
        "",
    ]


def test_a_file_of_empty_editor_answers_has_no_comments(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(table(["course", "comment"], [["A", "<p><br></p>"], ["B", "<p>&nbsp;</p>"]]))

    with pytest.raises(EmptyInputError, match="no comments in column 'comment'"):
        validate_input(path, "comment")


def test_an_empty_editor_answer_to_one_of_several_questions_is_no_row(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_bytes(
        table(
            ["course", "helped", "change"],
            [["A", "<p>The labs</p>", "<p><br></p>"], ["B", "<p><br></p>", "<p>Exams</p>"]],
        )
    )
    summary = validate_input(path, ["helped", "change"])
    chunks = iter_chunks(path, "csv", summary.text_column, 10, options=summary.options)

    assert [row for frame in chunks for row in frame.to_numpy().tolist()] == [
        ["A", "1", "helped", "The labs"],
        ["B", "2", "change", "Exams"],
    ]


def test_the_api_labels_the_text_and_an_empty_answer_is_no_comment(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    client = TestClient(create_app(backend))

    sent = client.post(
        "/v1/jobs",
        files={"file": ("moodle.csv", table(["course", "response"], MOODLE))},
        data={"text_column": "response"},
    )
    assert sent.status_code == 202, sent.text
    request_id = sent.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.result_key is not None
    rows = list(csv.DictReader(io.StringIO(backend.store.get_bytes(job.result_key).decode())))

    assert [(row["response"], row["label"]) for row in rows] == [
        ("The labs were good!\nBut the exams were bad.", "negative"),
        ("Clear lectures,\ngood notes", "positive"),
        ("", ""),
        ('Too much reading & I didn\'t get the "why"', "neutral"),
    ]
    assert "<" not in "".join(row["response"] for row in rows)
    assert rows[2]["error"].startswith("empty comment")
