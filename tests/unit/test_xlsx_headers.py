"""Workbook tables as exports lay them out, in Excel and OpenDocument files alike: text with
Excel's ``_xHHHH_`` character codes, a header with a typed year under a title, an index column
with no name (pandas), a band of group names over the header, a header of two rows merged
down, and a cover sheet in front of a table with no column named like comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from odsfakes import number_cell, row, spreadsheet, table, text_cell
from openpyxl import Workbook
from xlsxfakes import sheet_xml, workbook_parts, write_parts

from pipeline.errors import MissingColumnError
from pipeline.inputs import iter_chunks, validate_input
from pipeline.xlsx import open_workbook
from pipeline.xlsx.strings import unescape

ROWS_SPANNED = ' table:number-rows-spanned="2"'
COLUMNS_SPANNED = ' table:number-columns-spanned="2"'
COVERED = "<table:covered-table-cell/>"


def _chunk_rows(path: Path, text_column: str | list[str], group_by: tuple[str, ...] = ()) -> list:
    """What the worker reads, with the options validation recorded."""
    summary = validate_input(path, text_column, list(group_by))
    (chunk,) = iter_chunks(path, summary.format, summary.text_column, 100, options=summary.options)
    return [list(summary.columns), *chunk.values.tolist()]


def _xlsx(path: Path, sheets: dict[str, list[list[object]]], merged: tuple[str, ...] = ()) -> Path:
    """A workbook openpyxl writes (numbers typed), each sheet's rows in order; ``merged`` on
    the last sheet."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for values in rows:
            sheet.append(values)
    for cells in merged:
        sheet.merge_cells(cells)
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("line one_x000D_\nline two", "line one\nline two"),
        ("smile _xD83D__xDE00_!", "smile \N{GRINNING FACE}!"),
        ("_x005F_x0041_ is how Excel writes _x0041_", "_x0041_ is how Excel writes A"),
        (
            "t_x00E9_l_x00e9_phone",
            "t\N{LATIN SMALL LETTER E WITH ACUTE}l\N{LATIN SMALL LETTER E WITH ACUTE}phone",
        ),
        ("a lone half _xD83D_ of a pair", "a lone half \N{REPLACEMENT CHARACTER} of a pair"),
        ("no NUL_x0000_here", "no NUL_x0000_here"),
        ("_x000D_ alone, and _x0041 unclosed", "\n alone, and _x0041 unclosed"),
    ],
)
def test_excel_character_codes_are_the_characters_they_stand_for(written: str, read: str) -> None:
    assert unescape(written) == read


def test_a_workbook_s_character_codes_read_as_excel_shows_them_in_every_kind_of_text_cell(
    tmp_path: Path,
) -> None:
    """Excel stores a comment pasted with Windows line breaks as ``_x000D_`` and a break: in
    shared strings, inline strings and a formula's text alike, read as one line break, and a
    header holding one matches the name the user sees."""
    shared = ["Course", "What did you_x000D_\nlike?", "Great labs_x000D_\nand slides"]
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        '<row r="2"><c r="A2" t="inlineStr"><is><t>CHEM_x005F_x0031_</t></is></c>'
        '<c r="B2" t="s"><v>2</v></c></row>',
        '<row r="3"><c r="A3" t="inlineStr"><is><t>BIO</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>Loved it _xD83D__xDE00_</t></is></c></row>',
        '<row r="4"><c r="A4" t="str"><f>"MATH"</f><v>MATH</v></c>'
        '<c r="B4" t="str"><f>"x"</f><v>Too fast_x000D_\nreally</v></c></row>',
    ]
    parts = workbook_parts([("Answers", sheet_xml(rows))], shared=shared)
    path = write_parts(tmp_path / "crlf.xlsx", parts)

    assert _chunk_rows(path, "What did you like?", ("Course",)) == [
        ["Course", "What did you\nlike?"],
        ["CHEM_x0031_", "Great labs\nand slides"],
        ["BIO", "Loved it \N{GRINNING FACE}"],
        ["MATH", "Too fast\nreally"],
    ]


TITLED = [
    ["Spring 2026 course evaluation"],
    ["Course", "Comments", 2026, "Rating"],
    ["CHEM", "Great", 1, 5],
    ["BIO", "Boring", 2, 2],
]


def _titled_ods(path: Path, cover: bool) -> Path:
    sheet = table(
        "Eval",
        [
            row("Spring 2026 course evaluation"),
            row("Course", "Comments", number_cell("2026"), "Rating"),
            row("CHEM", "Great", number_cell("1"), number_cell("5")),
            row("BIO", "Boring", number_cell("2"), number_cell("2")),
        ],
    )
    tables = [table("Notes", [row("Read me")]), sheet] if cover else [sheet]
    path.write_bytes(spreadsheet(*tables))
    return path


@pytest.mark.parametrize("cover", [False, True])
@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_header_with_a_typed_year_under_a_title_is_the_header_with_no_column_named(
    tmp_path: Path, kind: str, cover: bool
) -> None:
    """A year typed in a header cell is a number to Excel; the header is still the header,
    not the title above it, and a cover sheet in front is still passed over."""
    path = tmp_path / f"eval.{kind}"
    if kind == "xlsx":
        sheets = {"Notes": [["Read me"]]} if cover else {}
        _xlsx(path, {**sheets, "Eval": TITLED})
    else:
        _titled_ods(path, cover)

    summary = validate_input(path, None)

    assert (summary.options.sheet, summary.options.header_row) == ("Eval", 2)
    assert summary.text_column == "Comments" and summary.rows == 2
    assert summary.columns == ("Course", "Comments", "2026", "Rating")


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_an_index_column_with_no_name_is_a_column_as_in_the_csv_of_the_same_table(
    tmp_path: Path, kind: str
) -> None:
    """pandas' ``to_excel`` writes the index left of the names with a blank header cell; the
    CSV it writes of the same frame reads with that column named ``column_1``."""
    path = tmp_path / f"frame.{kind}"
    if kind == "xlsx":
        _xlsx(
            path,
            {"Sheet1": [[None, "Course", "Comments"], [0, "CHEM", "Great"], [1, "BIO", "Awful"]]},
        )
    else:
        rows = [
            row(None, "Course", "Comments"),
            row(number_cell("0"), "CHEM", "Great"),
            row(number_cell("1"), "BIO", "Awful"),
        ]
        path.write_bytes(spreadsheet(table("Sheet1", rows)))
    csv = tmp_path / "frame.csv"
    csv.write_text(",Course,Comments\n0,CHEM,Great\n1,BIO,Awful\n")
    expected = [["column_1", "Course", "Comments"], ["0", "CHEM", "Great"], ["1", "BIO", "Awful"]]

    assert _chunk_rows(path, "Comments") == expected
    assert _chunk_rows(csv, "Comments") == expected
    assert validate_input(path, None).text_column == "Comments"


def test_a_band_of_group_names_over_the_header_and_an_index_is_not_the_header(
    tmp_path: Path,
) -> None:
    """pandas' two-row header (a MultiIndex): a band of group names merged across their
    columns, the names under it, the index's blank name row, then the rows."""
    rows = [
        [None, "Info", "Ratings", None, "Open-ended", None],
        [None, "Course", "Q1", "Q2", "Comments", "Suggestions"],
        [],
        [0, "CHEM", 5, 4, "Great", "More labs"],
        [1, "BIO", 2, 1, "Awful", "Everything"],
    ]
    path = _xlsx(tmp_path / "multi.xlsx", {"Sheet1": rows}, merged=("C1:D1", "E1:F1"))

    summary = validate_input(path, None)

    assert (summary.text_column, summary.options.header_row, summary.rows) == ("Comments", 2, 2)
    assert summary.columns == ("column_1", "Course", "Q1", "Q2", "Comments", "Suggestions")


def test_a_two_cell_title_at_the_right_of_the_sheet_stays_a_title(tmp_path: Path) -> None:
    rows = [
        [None, None, "Printed:", "December 1"],
        ["Course", "Instructor", "What did you like?", "Score"],
        ["CHEM", "Smith", "Labs", 5],
        ["BIO", "Lee", "Slides", 4],
    ]
    path = _xlsx(tmp_path / "report.xlsx", {"Report": rows})
    with open_workbook(path) as book:
        layout = book.layout(None, None)
    assert (layout.header_row, layout.columns[0]) == (2, "Course")


def _two_row_header(path: Path, kind: str) -> Path:
    """``Course`` and ``Instructor`` merged down over both header rows, ``Comments`` merged
    across the two columns whose names are under it."""
    if kind == "xlsx":
        rows = [
            ["Course", "Instructor", "Comments", None],
            [None, None, "Liked", "Change"],
            ["CHEM", "Smith", "labs", "exams"],
            ["BIO", "Lee", "slides", "pace"],
        ]
        return _xlsx(path, {"Blue": rows}, merged=("A1:A2", "B1:B2", "C1:D1"))
    rows = [
        row(
            text_cell("Course", ROWS_SPANNED),
            text_cell("Instructor", ROWS_SPANNED),
            text_cell("Comments", COLUMNS_SPANNED),
            COVERED,
        ),
        row(COVERED, COVERED, "Liked", "Change"),
        row("CHEM", "Smith", "labs", "exams"),
        row("BIO", "Lee", "slides", "pace"),
    ]
    path.write_bytes(spreadsheet(table("Blue", rows)))
    return path


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_header_of_two_rows_merged_down_is_its_bottom_row_named_from_above(
    tmp_path: Path, kind: str
) -> None:
    path = _two_row_header(tmp_path / f"blue.{kind}", kind)

    assert _chunk_rows(path, ["Liked", "Change"], ("Course",)) == [
        ["Course", "Instructor", "respondent", "question", "comment"],
        ["CHEM", "Smith", "1", "Liked", "labs"],
        ["CHEM", "Smith", "1", "Change", "exams"],
        ["BIO", "Lee", "2", "Liked", "slides"],
        ["BIO", "Lee", "2", "Change", "pace"],
    ]
    assert validate_input(path, "Liked").options.header_row == 2
    with pytest.raises(MissingColumnError) as unnamed:
        validate_input(path, None)
    assert "the file has Course, Instructor, Liked, Change;" in str(unnamed.value), (
        "a data row is never taken as the header"
    )
    with pytest.raises(MissingColumnError) as band:
        validate_input(path, "Comments")
    assert "sheet 'Blue': Course, Instructor, Liked, Change ('Comments' is on row 1, the top" in (
        str(band.value)
    )
    assert "named on row 2; give one of those" in str(band.value)


def test_with_no_column_named_a_table_is_read_rather_than_the_cover_in_front(
    tmp_path: Path,
) -> None:
    """A cover sheet of one title cell in front of the table: with no column named like
    comments, the refusal lists the table's columns, not the cover's title."""
    table_rows = [
        ["Course Evaluation Report - Fall 2026"],
        [],
        ["Course", "Instructor", "What did you like?", "What could be improved?"],
        ["CHEM", "Smith", "Labs", "Exams"],
    ]
    sheets = {"Cover": [["Blue report"], ["Fall 2026"]], "Comments": table_rows}
    path = _xlsx(tmp_path / "blue.xlsx", sheets)

    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, None)

    assert str(refused.value).startswith(
        "choose the comment column (text_column, or --text-column on the command line): the "
        "file has Course, Instructor, "
        "What did you like?, What could be improved?"
    ), "the table's columns, not the cover's title"
    assert str(refused.value).endswith(
        "; those are the columns of sheet 'Comments'; the workbook's sheets: sheet 'Cover': "
        "Blue report; sheet 'Comments': Course, Instructor, What did you like?, What could be "
        "improved?; give sheet (--sheet) to read another"
    ), "every sheet listed, and how to read another"
    summary = validate_input(path, "What did you like?")
    assert (summary.options.sheet, summary.options.header_row) == ("Comments", 3)
    with open_workbook(path) as book:
        assert book.sheets_listing() == (
            "sheet 'Cover': Blue report; sheet 'Comments': Course, Instructor, "
            "What did you like?, What could be improved?"
        )
