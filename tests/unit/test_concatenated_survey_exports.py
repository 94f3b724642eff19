"""Survey exports concatenated with ``cat *.csv``: each later header comes with the rows that
describe its columns (Qualtrics' question texts and import ids, SurveyMonkey's sub-headers, a
second header row); they are skipped with it and counted, never labelled, and an answer under
a repeated header is still read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import QUALTRICS_HEADER, surveymonkey_export, table, workbook

from pipeline.input_repeats import HeaderRepeats, SkippedRows
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.survey_export import without_repeated_headers

QUALTRICS = [["Comments" if cell is None else cell for cell in row] for row in QUALTRICS_HEADER]
COLUMNS = QUALTRICS[0]


def _answer(number: int, course: str, comment: str) -> list[str]:
    return ["2026-11-02", f"R_{number}", course, comment]


def test_the_rows_describing_the_columns_go_with_each_repeated_header() -> None:
    rows = [_answer(1, "CHEM", "Labs good"), *QUALTRICS, _answer(2, "BIO", "Exams bad")]
    skipped = SkippedRows()

    kept = without_repeated_headers(rows, HeaderRepeats.of(COLUMNS, ["Q3"]), skipped, COLUMNS, 2)

    assert list(kept) == [_answer(1, "CHEM", "Labs good"), _answer(2, "BIO", "Exams bad")]
    assert skipped.repeated_headers == 3


def test_an_answer_under_a_repeated_header_is_read() -> None:
    """A part without description rows, or a file whose first header has none: nothing but
    the header is left out."""
    rows = [_answer(1, "CHEM", "Labs good"), COLUMNS, _answer(2, "BIO", "Open-ended")]
    for described in (2, None):
        skipped = SkippedRows()
        repeats = HeaderRepeats.of(COLUMNS, ["Q3"])

        kept = list(without_repeated_headers(rows, repeats, skipped, COLUMNS, described))

        assert kept == [rows[0], rows[2]] and skipped.repeated_headers == 1


def test_a_header_repeated_at_the_end_leaves_nothing_out() -> None:
    rows = [_answer(1, "CHEM", "Labs good"), COLUMNS, QUALTRICS[1]]
    skipped = SkippedRows()
    repeats = HeaderRepeats.of(COLUMNS, ["Q3"])

    kept = list(without_repeated_headers(rows, repeats, skipped, COLUMNS, 2))

    assert kept == [rows[0], rows[2]] and skipped.repeated_headers == 1


def _comments(path: Path, column: str) -> tuple[list[str], ReadOptions]:
    summary = validate_input(path, column)
    stored = ReadOptions.from_json(summary.options.to_json())
    chunks = iter_chunks(path, summary.format, summary.text_column, 10, options=stored)
    rows = [comment for chunk in chunks for comment in chunk[summary.text_column]]
    assert summary.rows == len(rows)
    return rows, stored


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_concatenated_qualtrics_exports_are_read_as_their_answers(
    tmp_path: Path, xlsx: bool
) -> None:
    rows = [*QUALTRICS, _answer(1, "CHEM", "Labs good"), *QUALTRICS, _answer(2, "BIO", "Bad")]
    path = tmp_path / ("all.xlsx" if xlsx else "all.csv")
    path.write_bytes(workbook([("Sheet0", rows)]) if xlsx else table(rows[0], rows[1:]))

    comments, options = _comments(path, "Q3")

    assert comments == ["Labs good", "Bad"]
    assert options.description_rows == 2 and options.repeated_headers == 3
    assert "3 rows repeating the header skipped" in options.describe()


def test_concatenated_surveymonkey_exports_are_read_as_their_answers(tmp_path: Path) -> None:
    first = surveymonkey_export([("CHEM", "Labs good")])
    path = tmp_path / "all.csv"
    path.write_bytes(first + surveymonkey_export([("BIO", "Exams bad")]))

    comments, options = _comments(path, "Any other comments?")

    assert comments == ["Labs good", "Exams bad"] and options.repeated_headers == 2


def test_concatenated_reports_with_a_second_header_row_are_read(tmp_path: Path) -> None:
    header, sub = ["Course", "Rating", "Comments"], ["", "(1-5)", "Open-ended"]
    path = tmp_path / "all.csv"
    path.write_bytes(table(header, [sub, ["CHEM", "4", "Good"], header, sub, ["BIO", "2", "Bad"]]))

    comments, options = _comments(path, "Comments")

    assert comments == ["Good", "Bad"]
    assert options.description_rows == 1 and options.repeated_headers == 2


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_job_validated_before_they_were_skipped_reads_its_rows_as_numbered(
    tmp_path: Path, xlsx: bool
) -> None:
    """A job queued by an earlier version counted the description rows under a repeated
    header as rows: its worker must read them still (else its last rows never commit, and a
    job resumed part-way skips or shifts rows)."""
    rows = [*QUALTRICS, _answer(1, "CHEM", "Labs good"), *QUALTRICS, _answer(2, "BIO", "Bad")]
    path = tmp_path / ("all.xlsx" if xlsx else "all.csv")
    path.write_bytes(workbook([("Sheet0", rows)]) if xlsx else table(rows[0], rows[1:]))
    now = validate_input(path, "Q3").options
    assert now.repeated_descriptions == 2
    before = ReadOptions.from_json(
        {k: v for k, v in now.to_json().items() if k != "repeated_descriptions"}
        | {"repeated_headers": 1}
    )

    chunks = iter_chunks(path, "xlsx" if xlsx else "csv", "Q3", 10, options=before)

    read = [comment for chunk in chunks for comment in chunk["Q3"]]
    assert read == ["Labs good", QUALTRICS[1][3], QUALTRICS[2][3], "Bad"]
