"""A second header row (Blue's ``,,(1-5),(1-5),Open-ended,Open-ended``) is no student's
answer: it is skipped and said, never labelled, while a first answer that merely holds such a
word is read; and a Qualtrics question's HTML is read as its plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import QUALTRICS_HEADER, table, workbook

from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.survey_export import GENERIC_TOOL, find_descriptions

BLUE_HEADER = ["Course", "Instructor", "Q1 Overall rating", "Q2", "What did you like?", "Tips"]
SUB_HEADER = ["", "", "(1-5)", "(1-5)", "Open-ended", "Open-ended"]
ANSWERS = [
    ["CHEM 110", "Smith", "5", "4", "Great labs", "More examples"],
    ["BIO 200", "Lee", "2", "3", "Clear slides", "Exams too long"],
]
LIKED = "What did you like?"


@pytest.mark.parametrize(
    "row",
    [
        SUB_HEADER,
        ["", "", "1 - 5", "Scale 0-10", "Text", "Comments"],
        ["", "", "Rating", "Rating", "Open-Ended Response", "Free text"],
        ["", "", "", "", "open_ended", "Open ended"],
    ],
    ids=["blue", "scales-and-kinds", "kinds-only", "spellings"],
)
def test_a_row_saying_what_each_column_holds_describes_the_columns(row: list[str]) -> None:
    found = find_descriptions(BLUE_HEADER, [row, ANSWERS[0]])

    assert found is not None and found.tool == GENERIC_TOOL and found.rows == 1


@pytest.mark.parametrize(
    "row",
    [
        ANSWERS[0],
        ["", "", "4", "5", "Open-ended", "Open-ended"],  # ratings given: a student's row
        ["CHEM 110", "", "", "", "Text", "Comments"],  # a course: a student's row
        ["", "", "", "", "Response", ""],  # one word alone may be an answer
        ["", "", "(1-5)", "(1-5)", "", ""],  # ranges alone: no kind of column said
        ["", "", "", "", "Open-ended question? I liked it", "Text"],
    ],
    ids=["answer", "ratings", "course", "one-word", "scales-only", "sentence"],
)
def test_a_first_answer_is_never_taken_for_a_second_header(row: list[str]) -> None:
    assert find_descriptions(BLUE_HEADER, [row, ANSWERS[1]]) is None


def _blue(tmp_path: Path, xlsx: bool, first: list[str] = SUB_HEADER) -> Path:
    if xlsx:
        title = [["Blue report"], ["Fall 2026"], []]
        path = tmp_path / "blue.xlsx"
        path.write_bytes(workbook([("Comments", [*title, BLUE_HEADER, first, *ANSWERS])]))
    else:
        path = tmp_path / "blue.csv"
        path.write_bytes(table(BLUE_HEADER, [first, *ANSWERS]))
    return path


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_second_header_row_is_skipped_and_said(tmp_path: Path, xlsx: bool) -> None:
    path = _blue(tmp_path, xlsx)

    summary = validate_input(path, [LIKED, "Tips"], group_by=["Course"])

    assert summary.options.description_rows == 1
    assert "1 row describing the columns skipped" in summary.options.describe()
    stored = ReadOptions.from_json(summary.options.to_json())
    [chunk] = iter_chunks(path, summary.format, summary.text_column, 10, options=stored)
    assert "Open-ended" not in chunk["comment"].tolist()
    assert chunk["comment"].tolist() == [
        "Great labs",
        "More examples",
        "Clear slides",
        "Exams too long",
    ]
    assert chunk["respondent"].tolist() == ["1", "1", "2", "2"]
    assert chunk["Course"].tolist() == ["CHEM 110", "CHEM 110", "BIO 200", "BIO 200"]
    assert summary.rows == 4


def test_a_first_answer_that_holds_a_column_word_is_read(tmp_path: Path) -> None:
    first = ["MATH 221", "Ng", "3", "3", "Open-ended", "Response"]
    path = _blue(tmp_path, xlsx=False, first=first)

    summary = validate_input(path, LIKED)

    assert summary.options.description_rows is None and summary.rows == 3
    [chunk] = iter_chunks(path, summary.format, LIKED, 10, options=summary.options)
    assert chunk[LIKED].tolist() == ["Open-ended", "Great labs", "Clear slides"]


HTML_QUESTION = "Please comment on the <b>instructor</b>:<br>\n(optional)"
PLAIN_QUESTION = "Please comment on the instructor: (optional)"


def _qualtrics(tmp_path: Path, xlsx: bool) -> Path:
    head = [[HTML_QUESTION if cell is None else cell for cell in row] for row in QUALTRICS_HEADER]
    rows = [*head, ["2026-11-02", "R_1", "CHEM110", "Great teacher"]]
    path = tmp_path / ("export.xlsx" if xlsx else "export.csv")
    path.write_bytes(workbook([("Sheet0", rows)]) if xlsx else table(rows[0], rows[1:]))
    return path


def test_a_question_is_read_without_its_html() -> None:
    columns = ("ResponseId", "Q2_TEXT")
    records = [
        ["Response ID", "What <span style='color:red'>should</span> change?&nbsp;<br>"],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID2_TEXT"}'],
    ]

    found = find_descriptions(columns, records)

    assert found is not None
    assert dict(found.questions) == {"ResponseId": "Response ID", "Q2_TEXT": "What should change?"}


def test_a_column_is_asked_for_and_shown_by_its_plain_question(tmp_path: Path) -> None:
    path = _qualtrics(tmp_path, xlsx=False)

    summary = validate_input(path, PLAIN_QUESTION.upper(), group_by=["Course"])

    assert summary.text_column == "Q3" and summary.rows == 1
    assert summary.options.column_questions["Q3"] == PLAIN_QUESTION
    [chunk] = iter_chunks(path, summary.format, "Q3", 10, options=summary.options)
    assert chunk["Q3"].tolist() == ["Great teacher"]


def test_several_questions_are_told_apart_by_their_plain_text(tmp_path: Path) -> None:
    path = _qualtrics(tmp_path, xlsx=False)

    summary = validate_input(path, ["Q1", "Q3"])

    assert summary.options.questions == ("Course", PLAIN_QUESTION)
    [chunk] = iter_chunks(path, "csv", summary.text_column, 10, options=summary.options)
    assert chunk["question"].tolist() == ["Course", PLAIN_QUESTION]
