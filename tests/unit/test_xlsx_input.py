"""Reading XLSX workbooks: any file name, the sheet (chosen or the first with the column), the
header row under title rows, cell values as openpyxl gave them, and clear refusals (a value
outside the header, an unknown sheet, a column in no sheet, .xls and encrypted files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from xlsxfakes import evaluation_export, inline_row, sheet_xml, workbook_parts, write_parts

from pipeline.errors import (
    AmbiguousColumnError,
    InputError,
    MalformedInputError,
    MissingColumnError,
    SheetNotFoundError,
    UnsupportedFormatError,
)
from pipeline.inputs import ReadOptions, detect_format, inspect_input, iter_chunks, validate_input
from pipeline.xlsx import open_workbook
from pipeline.xlsx import reader as xlsx_reader


def test_a_workbook_saved_without_its_extension_reads_by_content(tmp_path: Path) -> None:
    upload = tmp_path / "upload"  # how the API spools every upload
    upload.write_bytes(evaluation_export(tmp_path / "export.xlsx").read_bytes())

    assert detect_format(upload, "evaluations.xlsx") == "xlsx"
    assert detect_format(upload, None) == "xlsx"
    assert detect_format(upload, "evaluations.xlsm") == "xlsx"
    assert detect_format(upload, "evaluations.xls") == "xlsx", "a workbook misnamed .xls"
    summary = validate_input(upload, "comment", ["course"], filename="evaluations.xlsx")

    assert summary.columns == ("Course", "Comment", "Score", "Submitted", "Complete")
    assert (summary.text_column, summary.group_by) == ("Comment", ("Course",))
    assert summary.rows == 3, "the blank row between the data is not a row"
    assert summary.options == ReadOptions(sheet="Answers", header_row=3)


def test_the_worker_reads_the_recorded_sheet_and_rows_with_values_as_openpyxl_gave(
    tmp_path: Path,
) -> None:
    path = evaluation_export(tmp_path / "upload")
    options = validate_input(path, "Comment").options

    (chunk,) = iter_chunks(path, "xlsx", "Comment", 10, options=options)

    assert chunk.to_dict("records") == [
        {
            "Course": "CS101",
            "Comment": "Great lectures",
            "Score": "5",
            "Submitted": "2026-03-01 09:30:00",
            "Complete": "True",
        },
        {
            "Course": "CS101",
            "Comment": "Too fast",
            "Score": "2.5",
            "Submitted": "2026-03-02 00:00:00",
            "Complete": "False",
        },
        {"Course": "MATH201", "Comment": "", "Score": "3", "Submitted": "", "Complete": ""},
    ]
    resumed = list(iter_chunks(path, "xlsx", "Comment", 10, start_row=2, options=options))
    assert [frame.index.tolist() for frame in resumed] == [[2]]


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [("Notes", "Notes"), ("notes ", "Notes"), ("3", "Notes"), ("Secret", "Secret")],
)
def test_a_sheet_is_chosen_by_name_or_by_its_number_among_the_visible_tabs(
    tmp_path: Path, sheet: str, expected: str
) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")
    summary = validate_input(path, "comment", sheet=sheet)
    assert (summary.options.sheet, summary.options.header_row) == (expected, 1)
    assert summary.rows == 1


def test_an_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")
    with pytest.raises(SheetNotFoundError) as refused:
        validate_input(path, "comment", sheet="Answer")
    message = str(refused.value)
    assert "no sheet 'Answer'" in message
    assert "'Cover', 'Answers', 'Notes'" in message and "Secret" not in message
    assert "1 to 3" in message


def test_a_column_in_no_sheet_lists_each_sheet_and_its_columns(tmp_path: Path) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")
    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, "feedback")
    message = str(refused.value)
    assert "column 'feedback' is not in any sheet" in message
    assert "sheet 'Answers': Course, Comment, Score, Submitted, Complete" in message
    assert "sheet 'Cover': About this export" in message


def test_a_column_not_in_the_chosen_sheet_names_that_sheet(tmp_path: Path) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")
    with pytest.raises(MissingColumnError, match=r"not in sheet 'Cover' .*sheet 'Cover':"):
        validate_input(path, "comment", sheet="Cover")


def test_without_a_column_the_header_is_the_first_row_as_wide_as_the_rows_below(
    tmp_path: Path,
) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")
    with open_workbook(path) as book:
        overview = {sheet.name: (sheet.header_row, sheet.columns) for sheet in book.overview()}
        layout = book.layout("Answers", None)
    assert overview == {
        "Cover": (1, ("About this export",)),
        "Answers": (3, ("Course", "Comment", "Score", "Submitted", "Complete")),
        "Notes": (1, ("Comment", "Author")),
    }
    assert layout.header_row == 3


def test_a_value_outside_the_header_is_refused_not_dropped(tmp_path: Path) -> None:
    rows = [
        inline_row(1, ["comment", "course"]),
        inline_row(2, ["Great", "CS1"]),
        inline_row(3, ["Fine", "CS2", None, "stray note"]),
    ]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml(rows))]))
    with pytest.raises(MalformedInputError, match=r"row 3 of sheet 'Data' has a value in column D"):
        validate_input(path, "comment")


def test_a_blank_header_cell_is_named_and_two_columns_of_one_name_named_by_their_place(
    tmp_path: Path,
) -> None:
    blank = [inline_row(1, ["comment", None, "course"]), inline_row(2, ["Great", "x", "CS1"])]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml(blank))]))
    assert validate_input(path, "comment").columns == ("comment", "column_2", "course")

    twice = [inline_row(1, ["comment", "comment"]), inline_row(2, ["Great", "Fine"])]
    path = write_parts(tmp_path / "b.xlsx", workbook_parts([("Data", sheet_xml(twice))]))
    with pytest.raises(AmbiguousColumnError, match="2 columns of that name"):
        validate_input(path, "comment")
    placed = validate_input(path, "comment (column 2)")
    assert placed.columns == ("comment (column 1)", "comment (column 2)")


def test_shared_inline_and_rich_text_cells_read_without_phonetic_runs(tmp_path: Path) -> None:
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        '<row r="2"><c t="s"><v>2</v></c><c t="inlineStr"><is><r><t>Rich </t></r>'
        "<r><t>text</t></r><rPh><t>ルビ</t></rPh></is></c></row>",
        '<row r="4"><c r="B4" t="str"><f>A1</f><v>formula result</v></c></row>',
    ]
    parts = workbook_parts([("S", sheet_xml(rows))], shared=["comment", "note", "Good"])
    path = write_parts(tmp_path / "a.xlsx", parts)
    (chunk,) = iter_chunks(path, "xlsx", "comment", 10)
    assert chunk.to_dict("records") == [
        {"comment": "Good", "note": "Rich text"},
        {"comment": "", "note": "formula result"},
    ]


def test_rows_out_of_order_are_refused_as_a_damaged_workbook(tmp_path: Path) -> None:
    rows = [inline_row(2, ["comment"]), inline_row(1, ["Great"])]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("S", sheet_xml(rows))]))
    with pytest.raises(UnsupportedFormatError, match="row 1 after row 2"):
        validate_input(path, "comment")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "grades.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "protected.xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "upload"),
    ],
)
def test_old_excel_and_password_protected_files_are_told_to_be_saved_as_xlsx(
    tmp_path: Path, content: bytes, name: str
) -> None:
    message = _refusal(tmp_path, content, name)
    assert "Excel 97-2003" in message and "save it as Excel Workbook (.xlsx)" in message
    assert "binary" not in message


def _refusal(tmp_path: Path, content: bytes, name: str) -> str:
    """The message that refuses ``content`` uploaded as ``name``."""
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(UnsupportedFormatError) as refused:
        validate_input(path, "comment", filename=name)
    return str(refused.value)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"<table><tr><td>comment</td></tr></table>", "a web page (HTML)"),
        (b"\r\n  <!DOCTYPE html><html><body><table>", "a web page (HTML)"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "an XML document",
        ),
    ],
)
def test_an_export_for_excel_that_is_a_web_page_or_xml_is_told_how_to_save_it(
    tmp_path: Path, content: bytes, kind: str
) -> None:
    message = _refusal(tmp_path, content, "export.xls")
    assert message.startswith(f"export.xls is {kind}")
    assert "save it as Excel Workbook (.xlsx) or CSV UTF-8" in message


def test_a_zip_that_is_not_a_workbook_says_so(tmp_path: Path) -> None:
    path = write_parts(tmp_path / "a.xlsx", {"word/document.xml": "<document/>"})
    with pytest.raises(UnsupportedFormatError, match="ZIP archive but not an Excel workbook"):
        validate_input(path, "comment")


def test_a_sheet_is_refused_for_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("comment\nGreat\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"workbooks \(.xlsx, .ods\) only"):
        validate_input(path, "comment", sheet="1")


@pytest.mark.parametrize("value", ["", "<v />", "<v></v>"], ids=["none", "openpyxl", "empty"])
def test_a_formula_with_no_saved_value_in_the_table_is_refused_not_read_as_blank(
    tmp_path: Path, value: str
) -> None:
    """openpyxl and many export scripts write formulas without computing them: the comment
    is unknown, and reading it as an empty comment would drop it without a word."""
    rows = [
        inline_row(1, ["comment", "course"]),
        inline_row(2, ["Great", "CS1"]),
        f'<row r="3"><c r="A3"><f>CONCATENATE("Too ","fast")</f>{value}</c>'
        '<c r="B3" t="inlineStr"><is><t>CS2</t></is></c></row>',
    ]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml(rows))]))
    with pytest.raises(
        MalformedInputError,
        match=r"cell A3 of sheet 'Data' \(column 'comment'\) holds a formula with no saved value"
        r".*save it as CSV UTF-8",
    ):
        validate_input(path, "comment")


def test_a_workbook_openpyxl_wrote_with_a_formula_comment_is_refused(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Answers"
    sheet.append(["Course", "Comment"])
    sheet.append(["CS1", '="Too "&"fast"'])
    book.save(tmp_path / "export.xlsx")
    with pytest.raises(MalformedInputError, match=r"cell B2 of sheet 'Answers'"):
        validate_input(tmp_path / "export.xlsx", "Comment")


def test_formulas_with_saved_values_and_uncomputed_ones_outside_the_table_still_read(
    tmp_path: Path,
) -> None:
    rows = [
        inline_row(1, ["comment", "course"]),
        '<row r="2"><c r="A2" t="str"><f>"Gre"&amp;"at"</f><v>Great</v></c>'
        '<c r="B2" t="str"><f>"CS1"</f><v></v></c><c r="D2"><f>NOW()</f></c></row>',
        '<row r="3"><c r="D3"><f>NOW()</f></c></row>',
        inline_row(4, ["Fine", "CS2"]),
    ]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml(rows))]))
    assert validate_input(path, "comment").rows == 2
    (chunk,) = iter_chunks(path, "xlsx", "comment", 10)
    assert chunk.to_dict("records") == [
        {"comment": "Great", "course": ""},
        {"comment": "Fine", "course": "CS2"},
    ]


def test_a_sheet_that_opens_with_a_row_of_uncomputed_formulas_finds_its_header_below(
    tmp_path: Path,
) -> None:
    rows = [
        '<row r="1"><c r="A1"><f>TODAY()</f></c></row>',
        inline_row(2, ["comment", "course"]),
        inline_row(3, ["Great", "CS1"]),
    ]
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml(rows))]))
    summary = validate_input(path, None)
    assert (summary.text_column, summary.options.header_row, summary.rows) == ("comment", 2, 1)


def test_a_group_merged_down_its_rows_belongs_to_each_row_but_a_merged_comment_only_once(
    tmp_path: Path,
) -> None:
    """What Excel shows is what is grouped: a course cell merged beside its comments is every
    one of those comments' course; a comment merged over two rows is still one comment."""
    rows = [
        inline_row(1, ["Course", "Comment", "Term"]),
        inline_row(2, ["CHEM110", "Great labs", "2026-S"]),
        inline_row(3, [None, "Too fast"]),
        inline_row(4, [None, "Loved it", "2025-F"]),
        inline_row(5, ["CS101", "A long comment", "2026-S"]),
        inline_row(6, ["CS102", None, "2026-S"]),
        inline_row(7, [None, "After the merge"]),
    ]
    sheet = sheet_xml(rows, merged=["A2:A4", "C2:C3", "B5:B6", "D2:E2"])
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet)]))
    summary = validate_input(path, "comment", ["course"])
    (chunk,) = iter_chunks(path, "xlsx", summary.text_column, 10, options=summary.options)
    assert chunk.values.tolist() == [
        ["CHEM110", "Great labs", "2026-S"],
        ["CHEM110", "Too fast", "2026-S"],
        ["CHEM110", "Loved it", "2025-F"],
        ["CS101", "A long comment", "2026-S"],
        ["CS102", "", "2026-S"],
        ["", "After the merge", ""],
    ]
    resumed = list(iter_chunks(path, "xlsx", "Comment", 10, start_row=1, options=summary.options))
    assert resumed[0].values.tolist()[0] == ["CHEM110", "Too fast", "2026-S"]


def test_an_answer_merged_over_two_rows_is_one_answer_in_every_comment_column(
    tmp_path: Path,
) -> None:
    rows = [
        inline_row(1, ["Course", "Liked", "Change"]),
        inline_row(2, ["CHEM110", "Great labs", "Shorter exams"]),
        inline_row(3, [None, None, "More examples"]),
        inline_row(4, [None, "Clear slides", None]),
    ]
    sheet = sheet_xml(rows, merged=["A2:A4", "B2:B3", "C3:C4"])
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet)]))

    summary = validate_input(path, ["Liked", "Change"])
    (chunk,) = iter_chunks(path, "xlsx", summary.text_column, 10, options=summary.options)

    assert chunk.values.tolist() == [
        ["CHEM110", "1", "Liked", "Great labs"],
        ["CHEM110", "1", "Change", "Shorter exams"],
        ["CHEM110", "2", "Change", "More examples"],
        ["CHEM110", "3", "Liked", "Clear slides"],
    ]


def test_merges_listed_across_the_sheet_s_inflation_blocks_all_fill(tmp_path: Path) -> None:
    rows = [inline_row(1, ["course", "comment"])]
    merged = []
    for group in range(2000):
        top = 2 + 3 * group
        rows += [inline_row(top, [f"C{group}", "a"]), inline_row(top + 1, [None, "b"])]
        rows.append(inline_row(top + 2, [None, "c"]))
        merged.append(f"A{top}:A{top + 2}")
    sheet = sheet_xml(rows, merged=merged)
    assert len(sheet) > 4 * 64 * 1024
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet)]))
    frames = list(iter_chunks(path, "xlsx", "comment", 10_000))
    courses = [course for frame in frames for course in frame["course"]]
    assert courses == [f"C{group}" for group in range(2000) for _ in range(3)]


def test_a_workbook_openpyxl_wrote_with_merged_course_cells_reads_each_row_s_course(
    tmp_path: Path,
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Report"
    sheet.append(["Evaluation comments, spring term"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Course", "Instructor", "Comment"])
    for course, comments in (("CHEM110", ["Labs were great", "Too fast"]), ("CS101", ["Fine"])):
        first = sheet.max_row + 1
        for comment in comments:
            sheet.append([course if sheet.max_row + 1 == first else None, "Dr Lee", comment])
        sheet.merge_cells(f"A{first}:A{sheet.max_row}")
    book.save(tmp_path / "report.xlsx")
    summary = validate_input(tmp_path / "report.xlsx", "Comment", ["Course"])
    (chunk,) = iter_chunks(tmp_path / "report.xlsx", "xlsx", "Comment", 10, options=summary.options)
    assert chunk["Course"].tolist() == ["CHEM110", "CHEM110", "CS101"]


def test_a_sheet_over_formatted_empty_rows_is_read_once_per_workbook_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Excel writes a styled cell for every row a format was applied to. A few comments above
    thousands of them are read to the sheet's end whenever its first rows are asked for
    (several times while choosing the sheet, its header and its column), and again for its
    rows; those first rows are then the whole sheet, kept."""
    empty = (f'<row r="{n}"><c r="B{n}" s="1"/></row>' for n in range(4, 3000))
    rows = [inline_row(1, ["course", "comment"]), inline_row(2, ["CS101", "Clear lectures"])]
    rows.append(inline_row(3, ["CS101", "Too much homework"]))
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet_xml([*rows, *empty]))]))
    reads: list[str] = []
    parse = xlsx_reader.read_rows

    def counted(archive: object, part: str, *rest: object) -> object:
        reads.append(part)
        return parse(archive, part, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(xlsx_reader, "read_rows", counted)

    assert inspect_input(path).columns == ("course", "comment")
    assert len(reads) == 1
    summary = validate_input(path, None)
    assert (summary.text_column, summary.rows) == ("comment", 2)
    assert len(reads) == 3, "once to inspect, once to count the rows"
    (chunk,) = iter_chunks(path, "xlsx", "comment", 10, options=summary.options)
    assert chunk["comment"].tolist() == ["Clear lectures", "Too much homework"]
    assert len(reads) == 4
