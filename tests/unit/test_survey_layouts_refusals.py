"""What a refusal and the app's first guesses say of survey exports and workbooks: a
Qualtrics export without its import-id row, every open question named in the hint, a
cover sheet of labels and values passed over, a comment column on a hidden sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from xlsxfakes import openpyxl_workbook

from pipeline.column_guess import default_sheet, preview_upload
from pipeline.errors import MissingColumnError
from pipeline.input_header import text_column_refusal
from pipeline.inputs import iter_chunks, validate_input
from pipeline.xlsx import ALL_SHEETS, SheetOverview

QUALTRICS_IDS = ["StartDate", "EndDate", "Status", "ResponseId", "Q1", "Q12_TEXT", "Q13_TEXT"]
QUALTRICS_TEXTS = ["Start Date", "End Date", "Response Type", "Response ID",
                   "Which course are you evaluating?", "What helped your learning?",
                   "What could be improved?"]  # fmt: skip
QUALTRICS_ANSWERS = [
    ["2026-11-01 10:00", "2026-11-01 10:05", "IP Address", "R_1", "CHEM 110", "Labs", "Pace"],
    ["2026-11-02 10:00", "2026-11-02 10:05", "IP Address", "R_2", "BIOL 201", "Quizzes", ""],
]


def _csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def test_a_qualtrics_export_without_its_import_id_row_skips_its_question_texts(
    tmp_path: Path,
) -> None:
    path = _csv(tmp_path / "q.csv", [QUALTRICS_IDS, QUALTRICS_TEXTS, *QUALTRICS_ANSWERS])

    summary = validate_input(path, ["Q12_TEXT", "Q13_TEXT"], ["Q1"])

    assert summary.rows == 3, "two answers and one, no question text among them"
    assert summary.options.description_rows == 1
    assert summary.options.column_questions["Q1"] == "Which course are you evaluating?"
    [chunk] = iter_chunks(path, "csv", summary.text_column, 10, options=summary.options)
    assert set(chunk["Q1"]) == {"CHEM 110", "BIOL 201"}
    by_question = validate_input(
        path, "What could be improved?", ["Which course are you evaluating?"]
    )
    assert by_question.rows == 2, "the question texts' row is the header: no row"


def test_a_table_of_qualtrics_like_names_over_answers_keeps_its_first_row(tmp_path: Path) -> None:
    """Only a row saying Qualtrics' own labels over its own columns is its question texts."""
    rows = [["StartDate", "ResponseId", "comment"], ["Start Date", "R_1", "Good"]]
    path = _csv(tmp_path / "t.csv", rows)

    assert validate_input(path, "comment").rows == 1


@pytest.mark.parametrize(
    ("columns", "hint"),
    [
        (("Course", "Q12_TEXT", "Q13_TEXT"), "'Q12_TEXT', 'Q13_TEXT' look like comment columns"),
        (
            ("Course", "Comments (column 2)", "Comments (column 3)"),
            "'Comments (column 2)', 'Comments (column 3)' look like comment columns",
        ),
        (
            ("Any other feedback?", "Comments on exams"),
            "'Comments on exams', 'Any other feedback?' look like comment columns",
        ),
    ],
)
def test_the_hint_names_every_open_question_not_one_of_them(
    columns: tuple[str, ...], hint: str
) -> None:
    refusal = text_column_refusal(columns)

    assert f"(text_column, or --text-column on the command line): {hint}; the file has" in refusal
    assert refusal.endswith(
        "to label several open questions in one job, give text_column (--text-column) once for each"
    )


COVER = [["Explorance Blue - Course Evaluation Report"], [], ["Project:", "Fall 2026"],
         ["Generated:", "2026-12-01"]]  # fmt: skip


def _course(course: str) -> list[list[str]]:
    return [
        ["Course", "Instructor", "What did you like?", "What could be improved?"],
        [course, "Smith", "The labs were hands-on", "Exams came too early"],
    ]


def test_the_app_passes_over_a_cover_of_labels_and_values_to_the_alike_course_sheets(
    tmp_path: Path,
) -> None:
    sheets = {
        "Report Info": COVER,
        "CHEM 110": _course("CHEM 110"),
        "BIOL 201": _course("BIOL 201"),
    }
    path = openpyxl_workbook(tmp_path / "blue.xlsx", sheets)

    preview = preview_upload(path.read_bytes(), "blue.xlsx")

    assert preview.options.sheet == ALL_SHEETS
    assert preview.options.sheets == ("CHEM 110", "BIOL 201"), "the cover is left out"
    assert preview.rows["Course"].tolist() == ["CHEM 110", "BIOL 201"]


def test_a_cover_of_labels_and_values_is_no_table_for_the_first_guess() -> None:
    cover = SheetOverview("Report Info", 3, ("Project:", "Fall 2026"))
    table = SheetOverview("Answers", 1, ("Course", "Instructor", "What did you like?"))

    assert default_sheet([cover, table]) == "Answers"


def test_the_refusal_with_no_column_shows_a_table_s_columns_not_the_cover_s(
    tmp_path: Path,
) -> None:
    path = openpyxl_workbook(
        tmp_path / "blue.xlsx", {"Report Info": COVER, "CHEM 110": _course("C")}
    )

    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, None)

    assert str(refused.value).startswith(
        "choose the comment column (text_column, or --text-column on the command line): the "
        "file has Course, Instructor, "
        "What did you like?, What could be improved?"
    )


def test_a_comment_column_on_a_hidden_sheet_is_said_to_be_there(tmp_path: Path) -> None:
    sheets = {"Cover": [["Course evaluation report"]], "Comments": [["course", "comment"],
              ["CHEM 110", "Great"]]}  # fmt: skip
    path = openpyxl_workbook(tmp_path / "hidden.xlsx", sheets, hidden="Comments")

    with pytest.raises(MissingColumnError) as asked:
        validate_input(path, "comment")
    with pytest.raises(MissingColumnError) as unasked:
        validate_input(path, None)

    assert str(asked.value).startswith(
        "column 'comment' is on hidden sheet 'Comments' only, and a hidden sheet is read only "
        "when named: give the sheet 'Comments' (--sheet) to read it"
    )
    assert "hidden sheet 'Comments': course, comment" in str(unasked.value)
    assert validate_input(path, "comment", sheet="Comments").rows == 1
