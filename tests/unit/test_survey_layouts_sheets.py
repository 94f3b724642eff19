"""Workbooks of one sheet per course read as one table (``sheet='*'``) when each sheet is a
survey export (Blue's row of column kinds, Qualtrics' question texts and import ids under
every header), and when a sheet of another table (a summary, a cover) stands in front."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from xlsxfakes import openpyxl_workbook

from pipeline.errors import AmbiguousColumnError
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.xlsx import ALL_SHEETS

Rows = Sequence[Sequence[object]]
COURSES = {"CHEM 110": 3, "BIOL 201": 2}


def _blue_sheet(course: str, answers: int) -> Rows:
    """A Blue course sheet: a title, the header, the row of column kinds, the answers."""
    return [
        [f"{course} - Fall 2026"],
        [],
        ["Respondent", "Course", "Overall rating", "What could be improved?"],
        ["", "", "(1-5)", "Open-ended"],
        *([n, course, 4, f"More worked examples in {course} {n}"] for n in range(answers)),
    ]


def _qualtrics_sheet(course: str, answers: int) -> Rows:
    return [
        ["ResponseId", "Q1", "Q5"],
        ["Response ID", "Instructor", "Comments"],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID5_TEXT"}'],
        *([f"R_{n}", "Smith", f"Quizzes in {course} helped {n}"] for n in range(answers)),
    ]


def _rows(path: Path, column: str, options: ReadOptions) -> list[dict[str, str]]:
    chunks = iter_chunks(path, "xlsx", column, 100, options=options)
    return [row for chunk in chunks for row in chunk.to_dict("records")]


def test_each_sheet_s_row_of_column_kinds_is_skipped_under_its_own_header(
    tmp_path: Path,
) -> None:
    sheets = {"Report Info": [["Project:", "Fall 2026"]]}
    sheets |= {course: _blue_sheet(course, n) for course, n in COURSES.items()}
    path = openpyxl_workbook(tmp_path / "blue.xlsx", sheets)

    summary = validate_input(path, "What could be improved?", ["Course"], sheet=ALL_SHEETS)

    assert summary.rows == sum(COURSES.values())
    assert summary.options.sheets == tuple(COURSES)
    assert summary.options.sheet_description_rows == (1, 1)
    assert ReadOptions.from_json(summary.options.to_json()) == summary.options
    assert "2 rows describing the columns skipped" in summary.options.describe()
    rows = _rows(path, summary.text_column, summary.options)
    assert [row["Course"] for row in rows] == ["CHEM 110"] * 3 + ["BIOL 201"] * 2
    assert "Open-ended" not in {row["What could be improved?"] for row in rows}


def test_several_comment_columns_on_every_sheet_skip_each_sheet_s_kinds(tmp_path: Path) -> None:
    def sheet(course: str) -> Rows:
        return [
            ["Course", "What did you like?", "What could be improved?"],
            ["", "Open-ended", "Open-ended"],
            [course, "The labs", "The exams"],
        ]

    path = openpyxl_workbook(
        tmp_path / "blue.xlsx", {"A": sheet("CHEM 110"), "B": sheet("BIOL 201")}
    )

    summary = validate_input(
        path, ["What did you like?", "What could be improved?"], sheet=ALL_SHEETS
    )

    assert summary.rows == 4, "two answers on each sheet, no 'Open-ended' among them"


def test_each_qualtrics_sheet_s_question_texts_and_import_ids_are_skipped(tmp_path: Path) -> None:
    path = openpyxl_workbook(
        tmp_path / "q.xlsx", {c: _qualtrics_sheet(c, n) for c, n in COURSES.items()}
    )

    summary = validate_input(path, "Q5", ["Q1"], sheet=ALL_SHEETS)

    assert summary.rows == sum(COURSES.values())
    assert summary.options.sheet_description_rows == (2, 2)
    assert summary.options.column_questions == {
        "ResponseId": "Response ID",
        "Q1": "Instructor",
        "Q5": "Comments",
    }
    rows = _rows(path, "Q5", summary.options)
    assert {row["Q1"] for row in rows} == {"Smith"}, "no 'Instructor' nor import-id group"
    named = validate_input(path, None, sheet=ALL_SHEETS)
    assert (named.text_column, named.rows) == ("Q5", 5), "taken by its question, 'Comments'"


def test_alike_qualtrics_sheets_are_not_cut_to_the_first_when_no_column_is_named(
    tmp_path: Path,
) -> None:
    """The comment column is named like comments by its question only (``Q5``: Comments);
    reading the first sheet would drop the others without a word."""
    path = openpyxl_workbook(
        tmp_path / "q.xlsx", {c: _qualtrics_sheet(c, n) for c, n in COURSES.items()}
    )

    with pytest.raises(AmbiguousColumnError, match="2 sheets that hold the same table"):
        validate_input(path, None)


def _summary_in_front(path: Path) -> Path:
    summary = [
        ["Fall 2026 - Summary"],
        [],
        ["Course", "Instructor", "Invited", "Responses", "Mean rating", "Comments"],
        *([course, "Smith", 40, n, 3.8, n] for course, n in COURSES.items()),
    ]
    course_sheets: dict[str, Rows] = {
        course: [["Respondent", "Rating", "Comments"]]
        + [[n, 4, f"Good pace in {course} {n}"] for n in range(answers)]
        for course, answers in COURSES.items()
    }
    return openpyxl_workbook(
        path, {"Summary": summary, **course_sheets, "CHEM 330": course_sheets["CHEM 110"]}
    )


@pytest.mark.parametrize("text_column", [None, "Comments"])
def test_alike_sheets_behind_a_summary_are_found_and_refused_not_the_summary_read(
    tmp_path: Path, text_column: str | None
) -> None:
    path = _summary_in_front(tmp_path / "summary.xlsx")

    with pytest.raises(AmbiguousColumnError) as refused:
        validate_input(path, text_column)

    assert str(refused.value) == (
        "column 'Comments' is in 3 sheets that hold the same table ('CHEM 110', 'BIOL 201', "
        "'CHEM 330'): give the sheet '*' to read them all as one table (a column 'sheet' "
        "tells their rows apart), or the name of the one sheet to read (sheet 'Summary' has "
        "the column too, in another table: '*' leaves it out)"
    )


def test_every_sheet_reads_the_alike_sheets_and_leaves_the_summary_out(tmp_path: Path) -> None:
    path = _summary_in_front(tmp_path / "summary.xlsx")

    summary = validate_input(path, None, ["sheet"], sheet=ALL_SHEETS)

    assert summary.options.sheets == ("CHEM 110", "BIOL 201", "CHEM 330")
    assert summary.rows == 3 + 2 + 3
    assert summary.columns == ("sheet", "Respondent", "Rating", "Comments")


def test_two_tables_on_as_many_sheets_each_are_refused_as_one_table(tmp_path: Path) -> None:
    answers = [["Course", "Comment"], ["CHEM", "Great"]]
    notes = [["Author", "Note", "Comment"], ["me", "export again", "ok"]]
    path = openpyxl_workbook(
        tmp_path / "two.xlsx", {"A": answers, "B": answers, "N1": notes, "N2": notes}
    )

    with pytest.raises(AmbiguousColumnError) as refused:
        validate_input(path, "Comment", sheet=ALL_SHEETS)

    assert "2 different tables, each on 2 sheets ('A', 'B'; 'N1', 'N2')" in str(refused.value)
