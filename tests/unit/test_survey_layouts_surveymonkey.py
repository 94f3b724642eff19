"""SurveyMonkey's expanded results, as CSV and as Excel: the question texts are the header,
a row of sub-headers under it (``Response``, a matrix's items, several text boxes' labels).
The header is the questions' row whatever the sub-headers say, the sub-headers are skipped
and kept as their columns' questions, so a course question's ``Response`` is never the
comment column and a sub-question can be asked for."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.errors import MissingColumnError
from pipeline.inputs import iter_chunks, validate_input

COURSE = "Which course are you evaluating?"
HEADER = ["Respondent ID", "Start Date", COURSE, "Please rate the course:", None,
          "Please tell us:", None, "Any other comments?"]  # fmt: skip
SUB = [None, None, "Response", "Lectures", "Labs", "What helped you learn?",
       "What should change?", "Open-Ended Response"]  # fmt: skip
ANSWERS = [
    ["1180", "11/02/2026", "CHEM 110", "Good", "Poor", "Worked examples", "", "Thanks"],
    ["1181", "11/02/2026", "BIOL 201", "Good", "Good", "The labs", "Shorter reports", ""],
    ["1182", "11/03/2026", "CHEM 110", "Poor", "Good", "Office hours", "Slower pace", "Fine"],
]
REFUSAL = (
    "choose the comment column (text_column, or --text-column on the command line): 'Any other "
    "comments?' looks like it; the file "
    f"has Respondent ID, Start Date, {COURSE}, Please rate the course: (Lectures), column_5 "
    "(Labs), Please tell us: (What helped you learn?), column_7 (What should change?), Any "
    "other comments?; to label several open questions in one job, give text_column "
    "(--text-column) once for "
    "each"
)


def _csv(path: Path) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows([[v or "" for v in HEADER], [v or "" for v in SUB], *ANSWERS])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def _xlsx(path: Path, merged: str) -> Path:
    """``merged``: ``none``; ``across``, each question over its sub-columns as SurveyMonkey's
    Excel export merges it; ``down`` too, each column without sub-headers over both rows."""
    book = Workbook()
    sheet = book.active
    for row in (HEADER, SUB, *ANSWERS):
        sheet.append(row)
    if merged != "none":
        sheet.merge_cells("D1:E1")
        sheet.merge_cells("F1:G1")
    if merged == "down":
        for column in "AB":
            sheet.merge_cells(f"{column}1:{column}2")
    book.save(path)
    return path


@pytest.fixture(params=["csv", "none", "across", "down"])
def export(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "csv":
        return _csv(tmp_path / "monkey.csv")
    return _xlsx(tmp_path / "monkey.xlsx", request.param)


def test_the_header_is_the_questions_row_and_no_sub_header_is_the_comment_column(
    export: Path,
) -> None:
    with pytest.raises(MissingColumnError) as refused:
        validate_input(export, None)

    assert str(refused.value) == REFUSAL


def test_the_sub_headers_are_skipped_and_kept_as_the_columns_questions(export: Path) -> None:
    summary = validate_input(export, "Any other comments?", [COURSE])

    assert (summary.rows, summary.options.description_rows) == (3, 1)
    assert summary.options.header_row in (None, 1)
    assert summary.options.column_questions == {
        "Please rate the course:": "Lectures",
        "column_5": "Labs",
        "Please tell us:": "What helped you learn?",
        "column_7": "What should change?",
    }, "no 'Response' question: a course is no comment"
    fmt = export.suffix.lstrip(".")
    [chunk] = iter_chunks(export, fmt, summary.text_column, 10, options=summary.options)
    assert chunk[COURSE].tolist() == ["CHEM 110", "BIOL 201", "CHEM 110"]


def test_a_sub_question_asked_for_keeps_the_questions_row_as_the_header(export: Path) -> None:
    asked = ["What helped you learn?", "What should change?"]

    summary = validate_input(export, asked, [COURSE])

    assert summary.options.comment_columns == ("Please tell us:", "column_7")
    assert summary.options.questions == tuple(asked)
    assert summary.group_by[0] == COURSE
    fmt = export.suffix.lstrip(".")
    [chunk] = iter_chunks(export, fmt, summary.text_column, 10, options=summary.options)
    assert chunk["question"].tolist() == [asked[0], asked[0], asked[1], asked[0], asked[1]]
    one = validate_input(export, "What helped you learn?")
    assert (one.text_column, one.rows) == ("Please tell us:", 3)
