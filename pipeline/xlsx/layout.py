"""Where a sheet's table is: which sheet, which row holds the header, which columns it spans.

Pure logic over the first rows of each sheet (``Row``s) and the cells it merges down; no file
is read here. Exports often put a title, a date or a blank row above the header, and a cover
or notes sheet before the data. So the header is the first row that names the comment column
(or, with none asked for, the first row mostly of text at least as wide as the rows under it),
and the sheet is the first one whose header names the comment column (or, with none asked
for, the first with a table of several columns, else the first with a row), unless one is
chosen. A header of two rows, whose cells in front are merged down over both (``Course``
beside a band ``Comments`` over ``Liked | Change``), is its bottom row, each blank cell there
named by the merged cell above it. A blank header cell left of the first name, over values
(the index column pandas writes), is a column as in a CSV: ``column_<n>``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from pipeline.errors import InputError, MalformedInputError, MissingColumnError, SheetNotFoundError
from pipeline.input_header import TEXT_WORDS, clean_header, header_holds, listing
from pipeline.messages import echo
from pipeline.survey_export import sub_headers
from pipeline.xlsx.merges import DownFill
from pipeline.xlsx.sheet import Row, column_letters
from pipeline.xlsx.workbook import SheetEntry

HEADER_SCAN_ROWS = 100
"""Non-empty rows of a sheet looked at to find its header."""
_LOOKAHEAD = 5
_LISTED_SHEETS = 10


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    header_row: int
    """1-based, as Excel numbers it."""
    columns: tuple[str, ...]
    first_column: int
    """0-based column of ``columns[0]``; the others follow it."""

    @property
    def last_column(self) -> int:
        return self.first_column + len(self.columns) - 1


@dataclass(frozen=True)
class SheetScan:
    """A sheet and its first non-empty rows (at most ``HEADER_SCAN_ROWS``)."""

    entry: SheetEntry
    rows: tuple[Row, ...]
    fills: tuple[DownFill, ...] = ()
    """The sheet's cells merged down several rows that start among ``rows``."""


def pick_sheet(entries: Sequence[SheetEntry], requested: str) -> SheetEntry:
    """The sheet named ``requested`` (exactly, else ignoring case and surrounding spaces), or
    else numbered ``requested`` among the visible sheets, from 1 as in Excel's tabs."""
    wanted = requested.strip()
    for entry in entries:
        if entry.name == requested or entry.name == wanted:
            return entry
    folded = [entry for entry in entries if entry.name.strip().casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    visible = [entry for entry in entries if not entry.hidden]
    if wanted.isdigit() and 1 <= int(wanted) <= len(visible):
        return visible[int(wanted) - 1]
    names = ", ".join(echo(entry.name) for entry in visible[:_LISTED_SHEETS])
    more = len(visible) - _LISTED_SHEETS
    raise SheetNotFoundError(
        f"the workbook has no sheet {echo(wanted)}; its sheets are {names}"
        + (f" and {more:,} more" if more > 0 else "")
        + f" (or give a sheet's number, 1 to {len(visible)})"
    )


def find_header(scan: SheetScan, text_column: str | None) -> Row | None:
    """The header row among a sheet's first rows, its blank cells under a cell merged down
    from the row above given that cell's text; None when ``text_column`` is in none. A row of
    formulas with no saved values has no text to name a column with. A row a cell of which is
    merged down onto the next row is the top of a header of two rows, never the header,
    unless that next row is SurveyMonkey's sub-headers (``survey_export.sub_headers``):
    the row over them is the header, however narrow its blank sub-columns leave it, even
    when the column asked for is a sub-header (its question, ``survey_export``)."""
    rows = [row for row in scan.rows if row.cells]
    if not rows:
        return None
    filled = _filled(rows, scan.fills)
    over = {i for i in range(len(rows) - 1) if _over_sub_headers(filled[i], rows[i + 1])}
    upper = _continued(rows, scan.fills) - over
    candidates = [i for i in range(len(rows)) if i not in upper]
    left = _left_of_rows_below(rows)
    if text_column and text_column.strip():
        wanted = text_column.strip().casefold()
        naming = [i for i in candidates if _names(filled[i], wanted, left[i])]
        if not naming:
            return None
        found = next((i for i in naming if _header_like(rows, filled, i)), naming[0])
        return filled[found - 1 if found - 1 in over else found]
    header_like = (i for i in candidates if i in over or _header_like(rows, filled, i))
    return filled[next(header_like, candidates[0])]


def layout_of(scan: SheetScan, header: Row) -> SheetLayout:
    """The header row's names, from its first non-empty cell to its last (a blank one inside
    is named ``column_<n>``; two of one name are refused); from further left where the rows
    under it hold values there (the index pandas writes left of the names, a blank-headed
    ``No.``): a blank header cell over values is a column, as in a CSV."""
    first = _first_column(header, scan.rows)
    cells = [header.cells.get(column, "") for column in range(first, max(header.cells) + 1)]
    return SheetLayout(scan.entry.name, header.number, clean_header(cells), first)


def header_at(scan: SheetScan, number: int) -> Row | None:
    """Row ``number`` among the scan's, read as a header (as ``find_header`` gives it: its
    blank cells under a cell merged down from above filled); None when it is not there."""
    rows = [row for row in scan.rows if row.cells]
    for row in _filled(rows, scan.fills):
        if row.number == number:
            return row
    return None


def choose_layout(
    scans: Iterable[SheetScan],
    text_column: str | None,
    chosen: bool,
    hidden: Iterable[SheetScan] = (),
) -> SheetLayout:
    """The table to read. ``scans`` are the sheets to consider in order (one when the caller
    ``chosen`` a sheet), read only as far as needed: the first whose header names
    ``text_column`` wins, else, with no column asked for, the first with a table of several
    columns (``is_table``: a cover or notes sheet of one column of text, or of labels and
    values, in front is passed over, as the app's sheet picker passes it over), else the
    first with any row. ``hidden``: the sheets not considered, read only to name, when no
    sheet has the column, those that have it."""
    looked: list[str] = []
    where = None
    narrow: SheetLayout | None = None
    for scan in scans:
        where = f"sheet {echo(scan.entry.name)}" if chosen else None
        header = find_header(scan, text_column)
        if header is None:
            looked.append(f"sheet {echo(scan.entry.name)}: {_columns_of(scan, text_column)}")
            continue
        layout = layout_of(scan, header)
        if chosen or (text_column and text_column.strip()) or is_table(layout.columns):
            return layout
        narrow = narrow or layout
    if narrow is not None:
        return narrow
    raise _not_found(looked, text_column, where, () if chosen else hidden)


def is_table(columns: Sequence[str]) -> bool:
    """Whether a header of ``columns`` heads a table of several columns, not a cover's list
    of labels and values (``Project:`` beside ``Fall 2026 Course Evaluations``: a first
    name ending in a colon labels the cell beside it)."""
    return len(columns) > 1 and not columns[0].rstrip().endswith(":")


def naming_layouts(scans: Iterable[SheetScan], text_column: str) -> list[SheetLayout]:
    """The tables of the sheets whose header names ``text_column``; a sheet whose header
    cannot be read is left out here (it is refused when it is read)."""
    found = []
    for scan in scans:
        header = find_header(scan, text_column)
        if header is not None:
            try:
                found.append(layout_of(scan, header))
            except InputError:
                continue
    return found


def every_layout(
    scans: Iterable[SheetScan], text_column: str | None, hidden: Iterable[SheetScan] = ()
) -> list[SheetLayout]:
    """The tables of every sheet in ``scans`` whose header names ``text_column`` (with none
    asked for, of every sheet with a row), to be read as one. A sheet without it (a cover,
    notes) is passed over; with none at all, the refusal ``choose_layout`` gives (naming
    the ``hidden`` sheets that have it)."""
    found: list[SheetLayout] = []
    looked: list[str] = []
    for scan in scans:
        header = find_header(scan, text_column)
        if header is None:
            looked.append(f"sheet {echo(scan.entry.name)}: {_columns_of(scan, text_column)}")
        else:
            found.append(layout_of(scan, header))
    if not found:
        raise _not_found(looked, text_column, None, hidden)
    return found


def row_values(layout: SheetLayout, row: Row) -> list[str]:
    """The row's text in the header's columns; a value outside them is refused, since it
    would be lost, and so is a formula in them with no saved value, whose text is unknown."""
    first, last = layout.first_column, layout.last_column
    for column, value in row.cells.items():
        if (column < first or column > last) and value.strip():
            span = f"{column_letters(first)} to {column_letters(last)}"
            raise MalformedInputError(
                f"row {row.number} of sheet {echo(layout.sheet)} has a value in column "
                f"{column_letters(column)}, outside the header's columns ({span}, header on "
                f"row {layout.header_row}): it would be lost; give that column a header or "
                "clear the cell, and upload again"
            )
    for column in row.uncomputed:
        if first <= column <= last:
            name = layout.columns[column - first]
            raise MalformedInputError(
                f"cell {column_letters(column)}{row.number} of sheet {echo(layout.sheet)} "
                f"(column {echo(name)}) holds a formula with no saved value: the program that "
                "wrote the file did not compute it, so its text is unknown; open the file in "
                "Excel or LibreOffice and save it (which stores the values), or save it as "
                "CSV UTF-8, and upload that"
            )
    cells = row.cells
    return [cells.get(column, "") for column in range(first, last + 1)]


def _names(row: Row, wanted: str, left: int | None) -> bool:
    """Whether ``row``, read as the header (``layout_of``; ``left``: the first column of the
    rows under it), names the column ``wanted``."""
    first, last = min(row.cells), max(row.cells)
    if left is not None:
        first = min(first, left)
    return header_holds([row.cells.get(column, "") for column in range(first, last + 1)], wanted)


def _over_sub_headers(row: Row, below: Row) -> bool:
    """Whether ``below`` is SurveyMonkey's row of sub-headers under ``row`` (read as the
    header, over the columns of both)."""
    first = min(min(row.cells), min(below.cells))
    last = max(max(row.cells), max(below.cells))
    span = range(first, last + 1)
    return sub_headers([row.cells.get(c, "") for c in span], [below.cells.get(c, "") for c in span])


def _names_comments(row: Row) -> bool:
    """Whether a cell of ``row`` is named like comments (``Comments``, `` feedback ``)."""
    return any(cell.strip().casefold() in TEXT_WORDS for cell in row.cells.values())


def _header_like(rows: Sequence[Row], filled: Sequence[Row], index: int) -> bool:
    """Mostly text (a typed year or question number may be a name), and as wide as any of
    the next few rows: a title above the header is narrower than the rows under it. Values
    left of a header of several names (an index pandas writes left of it, with no name) do
    not make a row wider than it: one column of them, or any number under a header that
    names a comment column; a title of two cells at the right stays a title."""
    row = filled[index]
    width = len(row.cells)
    if 2 * row.numbers >= width:
        return False
    first = min(row.cells)
    spare = (width if _names_comments(row) else 1) if width > 1 else 0
    for other in rows[index + 1 : index + 1 + _LOOKAHEAD]:
        outside = sum(1 for column in other.cells if column < first) if spare else 0
        if outside > spare or len(other.cells) - outside > width:
            return False
    return True


def _filled(rows: Sequence[Row], fills: Sequence[DownFill]) -> list[Row]:
    """``rows`` with each blank cell under a cell merged down from a row above given that
    cell's text, in the merge's first column: where a header takes two rows, ``Course``
    merged down over both names the bottom row's column too."""
    numbers = [row.number for row in rows]
    tops = {row.number: row for row in rows}
    added: dict[int, dict[int, str]] = {}
    for fill in fills:
        top = tops.get(fill.first_row)
        value = top.cells.get(fill.column) if top is not None else None
        if not value:
            continue
        for index in range(bisect_right(numbers, fill.first_row), len(rows)):
            if numbers[index] > fill.last_row:
                break
            if fill.column not in rows[index].cells:
                added.setdefault(index, {})[fill.column] = value
    return [
        replace(row, cells=dict(sorted({**row.cells, **added[index]}.items())))
        if index in added
        else row
        for index, row in enumerate(rows)
    ]


def _continued(rows: Sequence[Row], fills: Sequence[DownFill]) -> set[int]:
    """The rows (by index) a cell of which is merged down onto the next row: the top of a
    header of two rows, whose bottom row names the columns."""
    index_of = {row.number: index for index, row in enumerate(rows)}
    upper: set[int] = set()
    for fill in fills:
        index = index_of.get(fill.first_row)
        if (
            index is not None
            and index + 1 < len(rows)
            and fill.column in rows[index].cells
            and rows[index + 1].number <= fill.last_row
        ):
            upper.add(index)
    return upper


def _left_of_rows_below(rows: Sequence[Row]) -> list[int | None]:
    """For each row (by index), the first column holding a value in the rows after it."""
    left: list[int | None] = [None] * len(rows)
    first: int | None = None
    for index in range(len(rows) - 1, -1, -1):
        left[index] = first
        columns = [column for column, value in rows[index].cells.items() if value.strip()]
        if columns:
            first = min(columns) if first is None else min(first, *columns)
    return left


def _first_column(header: Row, rows: Sequence[Row]) -> int:
    """Where the table starts: the header's first name, or a column further left that holds
    a value in the rows under it."""
    first = min(header.cells)
    for row in rows:
        if row.number > header.number:
            for column, value in row.cells.items():
                if column < first and value.strip():
                    first = column
    return first


def _not_found(
    looked: Sequence[str],
    text_column: str | None,
    where: str | None,
    hidden: Iterable[SheetScan] = (),
) -> InputError:
    """``looked``: ``sheet 'name': its columns`` for each sheet considered; ``where``: the
    chosen sheet, if one was; ``hidden``: the sheets not considered, which are named where
    they have the column (a hidden sheet is read only when named)."""
    if not text_column or not text_column.strip():
        return MissingColumnError(f"{where or 'the workbook'} has no rows")
    wanted = text_column.strip()
    on = [scan.entry.name for scan in hidden if find_header(scan, wanted) is not None]
    if on:
        named = ", ".join(echo(name) for name in on)
        return MissingColumnError(
            f"column {echo(wanted)} is on hidden sheet{'s' if len(on) > 1 else ''} {named} "
            f"only, and a hidden sheet is read only when named: give the sheet {echo(on[0])} "
            f"(--sheet) to read it, or unhide it in Excel; {_listed(looked)}"
        )
    return MissingColumnError(
        f"column {echo(wanted)} is not in {where or 'any sheet'} (looked for a "
        f"header in the first {HEADER_SCAN_ROWS} rows); {_listed(looked)}"
    )


def sheets_listing(scans: Iterable[SheetScan], hidden: Iterable[SheetScan] = ()) -> str:
    """``sheet 'Cover': Blue report; sheet 'Comments': Course, Instructor, …``: each sheet's
    columns as its header reads with no column named, then each ``hidden`` one's (``hidden
    sheet 'Data': …``, read only when named), for a refusal that must say which sheet holds
    what (the first ten, then how many more)."""
    return _listed(
        [f"sheet {echo(scan.entry.name)}: {_columns_of(scan)}" for scan in scans]
        + [f"hidden sheet {echo(scan.entry.name)}: {_columns_of(scan)}" for scan in hidden]
    )


def _listed(looked: Sequence[str]) -> str:
    more = len(looked) - _LISTED_SHEETS
    return "; ".join(looked[:_LISTED_SHEETS]) + (f"; and {more:,} more sheets" if more > 0 else "")


def _columns_of(scan: SheetScan, text_column: str | None = None) -> str:
    """The sheet's columns for a refusal, and where ``text_column`` names a group of them
    (the top of a header of two rows) that it does."""
    header = find_header(scan, None)
    if header is None:
        return "no rows"
    try:
        columns = listing(layout_of(scan, header).columns)
    except InputError as exc:
        return f"a header that cannot be read ({exc})"
    return columns + _over_the_header(scan, text_column)


def _over_the_header(scan: SheetScan, text_column: str | None) -> str:
    """`` ('Comments' is on row 1, …)`` when ``text_column`` is on the top row of a header
    of two rows, whose names are those of the row under it; else nothing."""
    wanted = (text_column or "").strip()
    rows = [row for row in scan.rows if row.cells]
    for index in sorted(_continued(rows, scan.fills)):
        if header_holds(list(rows[index].cells.values()), wanted):
            below = rows[index + 1].number
            return (
                f" ({echo(wanted)} is on row {rows[index].number}, the top of a header of two "
                f"rows whose cells are merged down: it names a group of the columns, which "
                f"are named on row {below}; give one of those)"
            )
    return ""
