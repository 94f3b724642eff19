"""An Excel error value (``#REF!``, ``#DIV/0!``…) in the comment column — a formula whose
source sheet was deleted — is no comment: it gets no label and a row error naming the
error, as blank rows and placeholders do, whether it comes from a workbook's error cell or a
CSV Excel saved it to; it never adds a neutral or negative row to the shares."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from jobfakes import FakePredictor

from pipeline.inputs import iter_chunks, validate_input
from pipeline.labelling import label_frame

ERRORS = ["#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"]


def workbook_with_errors(tmp_path: Path) -> Path:
    """A sheet whose comment cells are formulas saved with an error value (``t="e"``), as
    Excel saves them, and one real comment."""
    base = tmp_path / "base.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["course", "comment"])
    book.save(base)
    cells = "".join(
        f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>A</t></is></c>'
        f'<c r="B{row}" t="e"><f>X()</f><v>{error}</v></c></row>'
        for row, error in enumerate(ERRORS, start=2)
    )
    last = len(ERRORS) + 2
    cells += (
        f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>A</t></is></c>'
        f'<c r="B{last}" t="inlineStr"><is><t>good course</t></is></c></row>'
    )
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>course</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>comment</t></is></c></row>'
    )
    path = tmp_path / "errors.xlsx"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(r"<dimension [^>]*/>", "", data.decode())
                xml = re.sub(
                    r"<sheetData>.*</sheetData>|<sheetData/>",
                    f"<sheetData>{header}{cells}</sheetData>",
                    xml,
                    flags=re.S,
                )
                data = xml.encode()
            target.writestr(info.filename, data)
    return path


def labelled(path: Path) -> pd.DataFrame:
    summary = validate_input(path, "comment")
    chunks = iter_chunks(path, summary.format, summary.text_column, 100, options=summary.options)
    frame = pd.concat(list(chunks))
    return pd.concat([frame, label_frame(FakePredictor(), frame, "comment")], axis=1)


def test_error_cells_of_a_workbook_get_no_label_and_an_error_naming_them(
    tmp_path: Path,
) -> None:
    out = labelled(workbook_with_errors(tmp_path))
    assert out["comment"].tolist() == [*ERRORS, "good course"]  # shown as Excel shows them
    assert out["label"].isna().tolist() == [True] * len(ERRORS) + [False]
    assert out["error"].tolist()[:-1] == [
        f"the cell holds Excel's error {error} (a formula that failed), not a comment"
        for error in ERRORS
    ]


def test_error_values_a_csv_holds_are_no_comments_either(tmp_path: Path) -> None:
    path = tmp_path / "saved.csv"
    path.write_text("course,comment\nA,#REF!\nB, #div/0! \nC,great course\n", encoding="utf-8")
    out = labelled(path)
    assert out["label"].isna().tolist() == [True, True, False]
    assert out["error"].tolist()[1].startswith("the cell holds Excel's error #DIV/0!")
