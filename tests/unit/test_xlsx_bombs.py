"""Hostile workbooks are refused with a message that names the problem, before they cost the
time or memory they are built to cost (benchmarks/xlsx_bombs.py measures both): inflation
bombs with honest and with lying ZIP headers, a huge shared-strings table, one long shared
string named by every cell, an endless tag, deep nesting, a document type, a huge directory."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from xlsxfakes import (
    SHEET_HEAD,
    SHEET_TAIL,
    Member,
    amplification_bomb,
    bomb_parts,
    deflated,
    lying_size_bomb,
    raw_zip,
    repeated,
    repeated_cells_bomb,
    shared_strings_bomb,
    sheet_xml,
    workbook_parts,
    write_parts,
)

from pipeline.errors import LimitExceededError, UnsupportedFormatError
from pipeline.inputs import validate_input
from pipeline.xlsx import XlsxLimits, open_workbook


def _refused(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises((LimitExceededError, UnsupportedFormatError)) as refused:
        validate_input(path, "comment", filename="bomb.xlsx")
    return str(refused.value)


def test_millions_of_cells_in_a_megabyte_are_refused_from_the_declared_sizes(
    tmp_path: Path,
) -> None:
    content = repeated_cells_bomb()
    assert len(content) < 1_200_000
    message = _refused(tmp_path, content)
    assert "xl/worksheets/sheet1.xml inflates from" in message
    assert "more than 100 times: refused as a decompression bomb" in message


def test_a_member_whose_header_understates_its_size_is_stopped_by_the_bytes_inflated(
    tmp_path: Path,
) -> None:
    message = _refused(tmp_path, lying_size_bomb())
    assert "more than 100 times: refused as a decompression bomb" in message


def test_a_member_that_inflates_past_its_declared_size_fails_its_check(tmp_path: Path) -> None:
    sheet = repeated(b"<row><c/></row>" * 1000, 50, SHEET_HEAD, SHEET_TAIL)
    tiny = Member(sheet.name, sheet.data, 4096, 0)  # declares 4 KB; inflates to 750 KB
    message = _refused(tmp_path, raw_zip(bomb_parts(tiny)))
    assert "damaged" in message and "CRC" in message


def test_a_huge_shared_strings_table_is_refused(tmp_path: Path) -> None:
    message = _refused(tmp_path, shared_strings_bomb())
    assert "xl/sharedStrings.xml inflates from" in message


@pytest.mark.parametrize("declared", [True, False])
def test_a_shared_strings_table_over_the_count_limit_is_refused(
    tmp_path: Path, declared: bool
) -> None:
    """Up front when the table declares its count (``uniqueCount``), else while it is read."""
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    shared = ["comment", *(f"answer {i}" for i in range(2000))]
    parts = workbook_parts([("S", sheet_xml([header]))], shared=shared)
    if not declared:
        table = parts["xl/sharedStrings.xml"]
        parts["xl/sharedStrings.xml"] = table.replace(' uniqueCount="2001"', "")
    path = write_parts(tmp_path / "a.xlsx", parts)
    with (
        open_workbook(path, XlsxLimits(max_shared_strings=1000)) as book,
        pytest.raises(LimitExceededError, match="holds over 1,000 strings"),
    ):
        book.layout(None, "comment")


def test_one_long_shared_string_named_by_every_cell_is_refused(tmp_path: Path) -> None:
    content = amplification_bomb()
    assert len(content) < 20_000, "a few kilobytes that stand for three billion characters"
    message = _refused(tmp_path, content)
    assert "hold over 16,000,000 characters" in message


@pytest.mark.parametrize(
    ("sheet", "words"),
    [
        (SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr" x="' + b"a" * 2_000_000, "tag or text"),
        (b"<a>" * 100 + b"</a>" * 100, "nests elements over 64 deep"),
        (
            b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + SHEET_HEAD + SHEET_TAIL,
            "declares a document type",
        ),
        (SHEET_HEAD + b'<row r="2000000"><c r="A1"/></row>' + SHEET_TAIL, "within Excel's"),
        (SHEET_HEAD + b'<row r="1"><c r="XFE1"/></row>' + SHEET_TAIL, "out of order"),
    ],
)
def test_a_hostile_sheet_is_refused_while_parsed(tmp_path: Path, sheet: bytes, words: str) -> None:
    assert words in _refused(tmp_path, raw_zip(bomb_parts(deflated(sheet))))


def test_more_cells_than_the_limit_are_refused(tmp_path: Path) -> None:
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>comment</t></is></c></row>'
    rows += b"<row><c><v>1</v></c></row>" * 500
    path = tmp_path / "upload"
    path.write_bytes(raw_zip(bomb_parts(deflated(SHEET_HEAD + rows + SHEET_TAIL))))
    with (
        open_workbook(path, XlsxLimits(max_cells=100)) as book,
        pytest.raises(LimitExceededError, match="over 100 cells"),
    ):
        list(book.records(book.layout(None, "comment")))


def test_a_zip_directory_of_too_many_members_is_refused_before_it_is_parsed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(10_001):
            archive.writestr(f"x/{i}", b"")
    message = _refused(tmp_path, path.read_bytes())
    assert "lists 10,001 members" in message


def test_a_zip_member_with_an_unusual_compression_is_not_read(tmp_path: Path) -> None:
    sheet = deflated(SHEET_HEAD + SHEET_TAIL)
    bzip = Member(sheet.name, sheet.data, sheet.size, sheet.crc, zipfile.ZIP_BZIP2)
    assert "compression method 12" in _refused(tmp_path, raw_zip(bomb_parts(bzip)))
