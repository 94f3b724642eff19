"""Every file name ending the app's uploader takes is read, or named with how to save it: a
user who picks such a file sees the reading code's answer, never a dead end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.errors import UnsupportedFormatError
from pipeline.inputs import UPLOAD_SUFFIXES, detect_format, validate_input

ZIP_HEAD = b"PK\x03\x04" + b"\x00" * 64
"""The start of a ZIP archive, as another program's workbook is one (its members do not matter
here)."""
TAB_TABLE = b"course\tcomment\nCHEM110\tGreat labs, clear lectures\nBIO101\tToo much homework\n"


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["course", "comment"])
    sheet.append(["CHEM110", "Great labs, clear lectures"])
    sheet.append(["BIO101", "Too much homework"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


READ = {
    "csv": b"course,comment\nCHEM110,Great labs\nBIO101,Too much homework\n",
    "tsv": TAB_TABLE,
    "tab": TAB_TABLE,
    "txt": TAB_TABLE,
    "xls": TAB_TABLE,
}
NAMED = {
    "xlsb": ("an Excel binary workbook", "Save As > Excel Workbook (.xlsx)"),
    "numbers": ("an Apple Numbers spreadsheet", "Export To > Excel or CSV"),
    "fods": ("a flat OpenDocument spreadsheet", "Save As > ODF Spreadsheet (.ods)"),
}


def test_the_uploader_takes_what_is_read_and_what_is_explained() -> None:
    assert set(UPLOAD_SUFFIXES) == {*READ, "xlsx", "xlsm", "ods", *NAMED}


@pytest.mark.parametrize("suffix", sorted(READ))
def test_a_text_table_is_read_whatever_its_ending(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(READ[suffix])
    summary = validate_input(path, "comment")
    assert summary.rows == 2 and summary.columns == ("course", "comment")


@pytest.mark.parametrize("suffix", ["xlsx", "xlsm"])
def test_an_excel_workbook_is_read_as_one(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(_workbook())
    assert detect_format(path) == "xlsx"
    assert validate_input(path, "comment").rows == 2


@pytest.mark.parametrize("suffix", sorted(NAMED))
def test_another_program_s_spreadsheet_is_named_with_how_to_save_it(
    tmp_path: Path, suffix: str
) -> None:
    """An .xlsb is a ZIP archive like an .xlsx, but renaming it does not make it one: the
    message says to save it as .xlsx, not to rename it."""
    path = tmp_path / f"export.{suffix}"
    path.write_bytes(ZIP_HEAD)
    kind, how = NAMED[suffix]
    with pytest.raises(UnsupportedFormatError) as refused:
        detect_format(path)
    assert kind in str(refused.value) and how in str(refused.value)
    assert "name it .xlsx" not in str(refused.value)
