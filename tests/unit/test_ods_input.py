"""Reading OpenDocument spreadsheets (.ods): LibreOffice's own files read as the workbooks they
were saved from, repeat counts, paragraphs and white space, typed cells, merges, hidden sheets,
and refusals that name the problem (encrypted, damaged, past the limits)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from odsfakes import (
    ENCRYPTED_MANIFEST,
    comments_sheet,
    content,
    number_cell,
    package,
    repeated_cells_bomb,
    repeated_rows_bomb,
    row,
    spreadsheet,
    table,
    text_cell,
)
from xlsxfakes import course_report, evaluation_export, per_course_workbook

from pipeline.errors import (
    LimitExceededError,
    MalformedInputError,
    UnsupportedFormatError,
)
from pipeline.inputs import ReadOptions, detect_format, iter_chunks, validate_input
from pipeline.xlsx import ALL_SHEETS, XlsxLimits, open_workbook

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ods"
DAMAGED = (
    "^the OpenDocument spreadsheet cannot be read, it is damaged or not a workbook \\({}\\); "
    "open it in LibreOffice Calc and save it again as .ods, or save it as CSV UTF-8$"
)


def _write(tmp_path: Path, data: bytes, name: str = "comments.ods") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _records(path: Path, sheet: str | None = None, comments: tuple[str, ...] = ()) -> list:
    with open_workbook(path) as book:
        layout = book.table(sheet, None, None) if sheet else book.layout(None, None)
        return list(book.records(layout, comments))


def _read_all(path: Path) -> dict[str, object]:
    """Everything the product reads from a workbook: its sheets, the sheet picker's view and
    each sheet's table and rows."""
    with open_workbook(path) as book:
        found: dict[str, object] = {
            "sheets": [(entry.name, entry.hidden) for entry in book.sheets],
            "overview": book.overview(),
        }
        for entry in book.sheets:
            layout = book.table(entry.name, None, None)
            found[entry.name] = (layout, list(book.records(layout, ("Comment", "comment"))))
    return found


@pytest.mark.parametrize(
    ("saved", "build"),
    [
        ("evaluations.ods", evaluation_export),
        ("per-course.ods", per_course_workbook),
        ("course-report.ods", course_report),
    ],
)
def test_a_file_libreoffice_saved_reads_as_the_workbook_it_was_saved_from(
    tmp_path: Path, saved: str, build: Callable[[Path], Path]
) -> None:
    """Sheets, hidden ones, title rows, merged courses, notes, two-line comments, runs of
    spaces, dates, times, numbers and booleans: the same text as the Excel file gives."""
    workbook = build(tmp_path / "source.xlsx")

    assert _read_all(FIXTURES / saved) == _read_all(workbook)


def test_the_course_report_s_rows_are_what_the_sheet_shows(tmp_path: Path) -> None:
    rows = _records(FIXTURES / "course-report.ods", "Responses", ("Comment",))

    assert rows[0] == [
        "CHEM 110",
        "2026-03-01 09:30:00",
        "4",
        "0.45",
        "True",
        "The labs were great!\nBut the exams were unfair.",
    ], "the reviewer's note on the comment is not part of it"
    assert [r[0] for r in rows] == ["CHEM 110"] * 3 + ["MATH 221"] * 3, "merged down its rows"
    assert rows[1][5] == "Too  much   homework"
    assert rows[5][1:] == ["09:30:00", "3", "0.5", "False", "  spaced   out  "]


def test_an_ods_is_validated_and_read_in_chunks_as_its_csv_is(tmp_path: Path) -> None:
    """examples/course_comments.csv opened in LibreOffice Calc and saved as ODS."""
    saved = FIXTURES / "course-comments.ods"
    csv = Path(__file__).parents[2] / "examples" / "course_comments.csv"

    summary = validate_input(saved, None, ["course"], filename="course-comments.ods")
    baseline = validate_input(csv, None, ["course"])

    assert summary.format == "ods"
    assert summary.options == ReadOptions(sheet="course_comments", header_row=1)
    assert (summary.columns, summary.text_column, summary.rows, summary.group_by) == (
        baseline.columns,
        baseline.text_column,
        baseline.rows,
        baseline.group_by,
    )
    (chunk,) = iter_chunks(saved, "ods", "comment", 100, options=summary.options)
    (expected,) = iter_chunks(csv, "csv", "comment", 100, options=baseline.options)
    assert chunk.equals(expected)
    resumed = list(iter_chunks(saved, "ods", "comment", 4, start_row=8, options=summary.options))
    assert [frame.index.tolist() for frame in resumed] == [[8, 9]]


def test_sheets_of_one_table_read_as_one_as_in_the_workbook(tmp_path: Path) -> None:
    workbook = per_course_workbook(tmp_path / "per-course.xlsx")
    saved = FIXTURES / "per-course.ods"

    summary = validate_input(saved, "comment", sheet=ALL_SHEETS)
    expected = validate_input(workbook, "comment", sheet=ALL_SHEETS)

    assert (summary.format, expected.format) == ("ods", "xlsx")
    assert (summary.columns, summary.rows, summary.options) == (
        expected.columns,
        expected.rows,
        expected.options,
    )
    (chunk,) = iter_chunks(saved, "ods", summary.text_column, 10, options=summary.options)
    (same,) = iter_chunks(workbook, "xlsx", expected.text_column, 10, options=expected.options)
    assert chunk.equals(same)
    assert chunk["sheet"].tolist() == ["BIOL 1010", "BIOL 1010", "CHEM 2210"]


def test_the_format_is_told_by_the_first_member_whatever_the_name(tmp_path: Path) -> None:
    ods = _write(tmp_path, comments_sheet(["Great labs"]), "upload")
    xlsx = evaluation_export(tmp_path / "book.xlsx")

    assert [detect_format(ods, name) for name in ("a.ods", "a.xlsx", "a.xls", None)] == ["ods"] * 4
    assert detect_format(xlsx, "renamed.ods") == "xlsx", "a workbook misnamed .ods still reads"
    assert validate_input(ods, None, filename="comments.xlsx").format == "ods"
    text = _write(tmp_path, b"comment\nGreat\n", "notes.ods")
    with pytest.raises(UnsupportedFormatError, match=r"named \.ods but is not an OpenDocument"):
        detect_format(text)
    flat = _write(tmp_path, b'<?xml version="1.0"?><office:document/>', "comments.fods")
    with pytest.raises(UnsupportedFormatError, match=r"flat OpenDocument .* \(\.ods\) or Text CSV"):
        detect_format(flat)


def test_repeated_rows_and_cells_are_each_a_row_and_a_cell_and_empty_ones_cost_nothing(
    tmp_path: Path,
) -> None:
    """LibreOffice writes identical neighbouring rows once, with a count, and ends a sheet
    with an empty row repeated to its last row."""
    repeated = number_cell("5", ' table:number-columns-repeated="2"')
    sheet = table(
        "Answers",
        [
            row(None, repeated=3),
            row("course", "q1", "q2", "comment"),
            row("CHEM 110", repeated, "Good", repeated=3),
            row(None, None, None, None, repeated=1_048_000),
        ],
    )
    path = _write(tmp_path, spreadsheet(sheet))

    summary = validate_input(path, "comment")

    assert summary.options.header_row == 4, "the three empty rows above count"
    assert summary.rows == 3
    (chunk,) = iter_chunks(path, "ods", "comment", 10, options=summary.options)
    assert chunk.values.tolist() == [["CHEM 110", "5", "5", "Good"]] * 3


def test_paragraphs_spaces_tabs_and_breaks_read_as_the_cell_shows_them(tmp_path: Path) -> None:
    cells = [
        '<table:table-cell office:value-type="string"><text:p>First line</text:p>'
        "<text:p>second <text:span>line</text:span></text:p></table:table-cell>",
        '<table:table-cell office:value-type="string"><text:p>two<text:s text:c="2"/>more'
        "<text:s/>and<text:tab/>tab<text:line-break/>broken</text:p></table:table-cell>",
        '<table:table-cell office:value-type="string"><text:p>\n    pretty   printed\n    '
        '<text:a xlink:href="https://example.org">link</text:a>\n  </text:p></table:table-cell>',
        '<table:table-cell office:value-type="string"><office:annotation><text:p>a note'
        "</text:p></office:annotation><draw:frame><draw:text-box><text:p>a drawing</text:p>"
        "</draw:text-box></draw:frame><text:p>only this</text:p></table:table-cell>",
    ]
    body = table("Sheet1", [row("comment"), *(row(cell) for cell in cells)])
    xml = content([body]).replace(
        "<office:document-content ",
        '<office:document-content xmlns:xlink="http://www.w3.org/1999/xlink" ',
    )
    path = _write(tmp_path, package(xml))

    assert [values[0] for values in _records(path)] == [
        "First line\nsecond line",
        "two  more and\ttab\nbroken",
        "pretty printed link ",
        "only this",
    ]


TYPED = [
    ('office:value-type="float" office:value="3"', "3"),
    ('office:value-type="float" office:value="2.5"', "2.5"),
    ('office:value-type="percentage" office:value="0.45"', "0.45"),
    ('office:value-type="currency" office:currency="EUR" office:value="1E+20"', "1e+20"),
    ('office:value-type="date" office:date-value="2026-03-01"', "2026-03-01 00:00:00"),
    ('office:value-type="date" office:date-value="2026-03-01T09:30:00"', "2026-03-01 09:30:00"),
    ('office:value-type="time" office:time-value="PT09H30M00S"', "09:30:00"),
    ('office:value-type="time" office:time-value="PT26H00M00S"', "1 day, 2:00:00"),
    ('office:value-type="boolean" office:boolean-value="true"', "True"),
    ('table:formula="of:=FALSE()" office:value-type="float" office:value="0"', "False"),
    ('office:value-type="date" office:date-value="someday"', "someday"),
]


def test_typed_cells_read_as_an_excel_cell_of_the_same_value(tmp_path: Path) -> None:
    """The value, not the text shown (``45 %``, ``01/03/26``), as the workbook reader gives
    an Excel cell's; a boolean LibreOffice kept from an Excel file as ``=FALSE()`` too."""
    cells = [
        f"<table:table-cell {attributes}><text:p>shown</text:p></table:table-cell>"
        for attributes, _ in TYPED
    ]
    header = [f"c{index}" for index in range(len(cells))]
    path = _write(tmp_path, spreadsheet(table("S", [row(*header, "comment"), row(*cells, "x")])))

    (values,) = _records(path)

    assert values == [text for _, text in TYPED] + ["x"]


def test_a_hidden_sheet_is_read_only_when_chosen(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        spreadsheet(
            table("Old", [row("comment"), row("last year")], hidden=True),
            table("Now", [row("comment"), row("this year")]),
        ),
    )

    assert validate_input(path, None).options.sheet == "Now"
    assert validate_input(path, None, sheet="Old").options.sheet == "Old"
    with open_workbook(path) as book:
        assert [(entry.name, entry.hidden) for entry in book.sheets] == [
            ("Old", True),
            ("Now", False),
        ]
        assert [overview.name for overview in book.overview()] == ["Now"]


def test_a_course_merged_down_its_rows_fills_them_but_a_merged_comment_stays_one(
    tmp_path: Path,
) -> None:
    course = text_cell("CHEM 110", ' table:number-rows-spanned="3"')
    comment = text_cell("Long answer", ' table:number-rows-spanned="2"')
    covered = "<table:covered-table-cell/>"
    sheet = table(
        "Sheet1",
        [
            row("course", "comment"),
            row(course, comment),
            row(covered, covered),
            row(covered, "Short"),
            row("MATH 221", "Fine"),
        ],
    )
    path = _write(tmp_path, spreadsheet(sheet))

    assert _records(path, "Sheet1", ("comment",)) == [
        ["CHEM 110", "Long answer"],
        ["CHEM 110", "Short"],
        ["MATH 221", "Fine"],
    ]


def test_a_formula_saved_without_its_value_is_refused_in_the_table(tmp_path: Path) -> None:
    formula = '<table:table-cell table:formula="of:=[.A1]"/>'
    path = _write(
        tmp_path, spreadsheet(table("Sheet1", [row("course", "comment"), row(formula, "Good")]))
    )

    with pytest.raises(MalformedInputError, match="formula"):
        validate_input(path, "comment", ["course"])


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (package(content([]), ENCRYPTED_MANIFEST), UnsupportedFormatError, "password-protected"),
        (package(None), UnsupportedFormatError, DAMAGED.format("the part content.xml is missing")),
        (spreadsheet(), UnsupportedFormatError, "has no sheet"),
        (
            package(
                '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><office:document-content/>'
            ),
            UnsupportedFormatError,
            DAMAGED.format("the part content.xml declares a document type"),
        ),
        (
            spreadsheet(
                table(
                    "S",
                    [
                        row("comment"),
                        row("x", repeated="many"),
                    ],
                )
            ),
            UnsupportedFormatError,
            DAMAGED.format("row 2 of sheet 'S' has a repeat or span count of 'many'"),
        ),
        (
            spreadsheet(table("S", [row("comment"), row(None, repeated=1_048_576), row("late")])),
            UnsupportedFormatError,
            "row 1,048,578, past the 1,048,576 rows",
        ),
        (repeated_rows_bomb(), LimitExceededError, "over 16,000,000 characters"),
        (repeated_cells_bomb(), LimitExceededError, "over 20,000,000 cells"),
    ],
    ids=[
        "encrypted",
        "no-content",
        "no-sheet",
        "doctype",
        "bad-count",
        "past-last-row",
        "repeated-rows-bomb",
        "repeated-cells-bomb",
    ],
)
def test_a_bad_or_hostile_ods_is_refused_naming_the_problem(
    tmp_path: Path, data: bytes, error: type[Exception], words: str
) -> None:
    path = _write(tmp_path, data)

    with pytest.raises(error, match=words):
        validate_input(path, "comment")


def test_a_cell_past_the_character_limit_is_refused_before_it_is_built(tmp_path: Path) -> None:
    spaces = text_cell("a").replace("a</text:p>", 'a<text:s text:c="999999999"/></text:p>')
    path = _write(tmp_path, spreadsheet(table("Sheet1", [row("comment"), row(spaces)])))

    with (
        pytest.raises(LimitExceededError, match="cell A2 of sheet 'Sheet1' holds over 1,000"),
        open_workbook(path, XlsxLimits(max_cell_chars=1_000)) as book,
    ):
        list(book.records(book.layout(None, "comment")))


def test_sheets_after_a_long_one_are_found_and_each_sheet_reads_whole(tmp_path: Path) -> None:
    """The listing pass keeps a sheet's first rows and passes over the rest of it; reading
    a sheet passes over the sheets before it."""
    long_sheet = table("Long", [row("comment"), *(row(f"answer {n}") for n in range(150))])
    notes = table("Notes", [row("Author", "comment"), row("admin", "export again")])
    last = table("Last", [row("comment"), row("the end", repeated=2)])
    path = _write(tmp_path, spreadsheet(long_sheet, notes, last))

    with open_workbook(path) as book:
        assert [(o.name, o.columns) for o in book.overview()] == [
            ("Long", ("comment",)),
            ("Notes", ("Author", "comment")),
            ("Last", ("comment",)),
        ]
    assert [values[0] for values in _records(path, "Long")] == [f"answer {n}" for n in range(150)]
    assert _records(path, "Notes") == [["admin", "export again"]]
    assert _records(path, "Last") == [["the end"], ["the end"]]


@pytest.mark.parametrize(("repeated", "refused"), [(2, False), (3, True)])
def test_each_repeated_cell_counts_once_against_the_cell_limit(
    tmp_path: Path, repeated: int, refused: bool
) -> None:
    """A header of 3 cells and a row of 3 repeated: 9 cells fit a limit of 9, 12 do not."""
    sheet = table("S", [row("a", "b", "comment"), row("x", "y", "z", repeated=repeated)])
    path = _write(tmp_path, spreadsheet(sheet))

    def read() -> list[list[str]]:
        with open_workbook(path, XlsxLimits(max_cells=9)) as book:
            return list(book.records(book.layout(None, "comment")))

    if refused:
        with pytest.raises(LimitExceededError, match="sheet 'S' has over 9 cells"):
            read()
    else:
        assert read() == [["x", "y", "z"]] * repeated
