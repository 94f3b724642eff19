"""A spreadsheet whose list separator is ``;`` starts a cell at every ``;`` of a comma CSV it
opens: what follows one is escaped as a cell's start is, and ordinary comments are not."""

from __future__ import annotations

import io

import pytest

from pipeline.csv_rows import RowWriter
from pipeline.formulas import escape_cell, escape_row


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        (";=1+1", ";'=1+1"),
        (
            'great course;=HYPERLINK("http://evil.example")',
            'great course;\'=HYPERLINK("http://evil.example")',
        ),
        ("x;@SUM(A1:A2);+cmd|' /C calc'!A0", "x;'@SUM(A1:A2);'+cmd|' /C calc'!A0"),
        (";\t=1+1", ";'\t=1+1"),
        (";\x01=1+1", ";'\x01=1+1"),
        ("=1;=2", "'=1;'=2"),
    ],
)
def test_a_cell_a_semicolon_would_start_is_escaped(value: str, escaped: str) -> None:
    assert escape_cell(value) == escaped


@pytest.mark.parametrize(
    "value",
    [
        "good lecture; bad exam",
        "great prof ;-)",
        "boring ;-(",
        "just kidding ;-P",
        "loved it ;-D",
        "meh ;-/",
        "scores 3;-2;+4.5",
        "a; =1",
        "labs;;more labs",
        "ratio 1:2; fine",
    ],
)
def test_ordinary_comments_with_semicolons_are_left_alone(value: str) -> None:
    assert escape_cell(value) == value


def test_no_line_of_an_escaped_csv_split_at_semicolons_has_a_cell_that_runs() -> None:
    """What Excel in a German locale sees on opening the file: cells split at ";" only."""
    rows = [["course", "comment"], ["CHEM110", "nice;=1+1"], ["BIO", ";-cmd|' /C calc'!A0"]]
    handle = io.StringIO()
    RowWriter(handle).writerows(escape_row(row) for row in rows)
    cells = [cell for line in handle.getvalue().splitlines() for cell in line.split(";")]
    assert not [cell for cell in cells if escape_cell(cell) != cell and cell[:1] in "=+-@"]
