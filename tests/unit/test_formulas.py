"""The one formula-escaping rule every CSV and XLSX the product writes goes through."""

from __future__ import annotations

import pytest

from pipeline.formulas import escape_cell, escape_row

DANGEROUS = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\tcmd|' /C calc'!A0",  # a tab or CR alone is a prefix, whatever follows
    "\rHello",
    "-",
    "+44 20 7946 0000",
    '\x01=HYPERLINK("http://evil","x")',  # an XLSX writer drops the \x01, bares the "="
    "\x0b\x02=1+1",
    "\x1f-3",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_like_cells_get_a_leading_apostrophe(value: str) -> None:
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "Great course",
        "",
        "a=b",
        " =1",
        "-3",
        "+4.5",
        "-1e3",
        ".5",
        "\x01",
        "a\x01=1",
        0.25,
        -3,
        None,
    ],
)
def test_ordinary_text_numbers_and_non_strings_are_left_alone(value: object) -> None:
    assert escape_cell(value) == value


def test_a_row_is_escaped_cell_by_cell() -> None:
    assert escape_row(["=1+1", "fine", -2, None, "-2"]) == ["'=1+1", "fine", -2, None, "-2"]
