"""Where a sheet's table is: which sheet, which row holds the header, which columns it spans.

Pure logic over the first rows of each sheet (``Row``s); no file is read here. Exports often
put a title, a date or a blank row above the header, and a cover or notes sheet before the
data. So the header is the first row that names the comment column (or, with none asked for,
the first row of text at least as wide as the rows under it), and the sheet is the first one
whose header names the comment column (or the first with a table), unless one is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.errors import InputError, MalformedInputError, MissingColumnError, SheetNotFoundError
from pipeline.input_header import clean_header, header_holds, listing
from pipeline.messages import echo
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


def find_header(rows: Sequence[Row], text_column: str | None) -> Row | None:
    """The header row among a sheet's first rows; None when ``text_column`` is in none. A row
    of formulas with no saved values has no text to name a column with."""
    rows = [row for row in rows if row.cells]
    if not rows:
        return None
    if text_column and text_column.strip():
        wanted = text_column.strip().casefold()
        naming = [i for i, row in enumerate(rows) if _names(row, wanted)]
        if not naming:
            return None
        return rows[next((i for i in naming if _header_like(rows, i)), naming[0])]
    return rows[next((i for i in range(len(rows)) if _header_like(rows, i)), 0)]


def layout_of(entry: SheetEntry, header: Row) -> SheetLayout:
    """The header row's names, from its first non-empty cell to its last (a blank one inside
    is named ``column_<n>``; two of one name are refused)."""
    first, last = min(header.cells), max(header.cells)
    cells = [header.cells.get(column, "") for column in range(first, last + 1)]
    return SheetLayout(entry.name, header.number, clean_header(cells), first)


def choose_layout(scans: Iterable[SheetScan], text_column: str | None, chosen: bool) -> SheetLayout:
    """The table to read. ``scans`` are the sheets to consider in order (one when the caller
    ``chosen`` a sheet), read only as far as needed: the first whose header names
    ``text_column`` wins, else, with no column asked for, the first with any row."""
    looked: list[str] = []
    where = None
    for scan in scans:
        where = f"sheet {echo(scan.entry.name)}" if chosen else None
        header = find_header(scan.rows, text_column)
        if header is not None:
            return layout_of(scan.entry, header)
        looked.append(f"sheet {echo(scan.entry.name)}: {_columns_of(scan)}")
    raise _not_found(looked, text_column, where)


def naming_layouts(scans: Iterable[SheetScan], text_column: str) -> list[SheetLayout]:
    """The tables of the sheets whose header names ``text_column``; a sheet whose header
    cannot be read is left out here (it is refused when it is read)."""
    found = []
    for scan in scans:
        header = find_header(scan.rows, text_column)
        if header is not None:
            try:
                found.append(layout_of(scan.entry, header))
            except InputError:
                continue
    return found


def every_layout(scans: Iterable[SheetScan], text_column: str | None) -> list[SheetLayout]:
    """The tables of every sheet in ``scans`` whose header names ``text_column`` (with none
    asked for, of every sheet with a row), to be read as one. A sheet without it (a cover,
    notes) is passed over; with none at all, the refusal ``choose_layout`` gives."""
    found: list[SheetLayout] = []
    looked: list[str] = []
    for scan in scans:
        header = find_header(scan.rows, text_column)
        if header is None:
            looked.append(f"sheet {echo(scan.entry.name)}: {_columns_of(scan)}")
        else:
            found.append(layout_of(scan.entry, header))
    if not found:
        raise _not_found(looked, text_column, None)
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


def _names(row: Row, wanted: str) -> bool:
    """Whether ``row``, read as the header (``layout_of``), names the column ``wanted``."""
    first, last = min(row.cells), max(row.cells)
    return header_holds([row.cells.get(column, "") for column in range(first, last + 1)], wanted)


def _header_like(rows: Sequence[Row], index: int) -> bool:
    """All text, and as wide as any of the next few rows: a title above the header is
    narrower than the rows under it."""
    row = rows[index]
    if row.numbers:
        return False
    below = rows[index + 1 : index + 1 + _LOOKAHEAD]
    return all(len(row.cells) >= len(other.cells) for other in below)


def _not_found(looked: Sequence[str], text_column: str | None, where: str | None) -> InputError:
    """``looked``: ``sheet 'name': its columns`` for each sheet considered; ``where``: the
    chosen sheet, if one was."""
    if not text_column or not text_column.strip():
        return MissingColumnError(f"{where or 'the workbook'} has no rows")
    more = len(looked) - _LISTED_SHEETS
    return MissingColumnError(
        f"column {echo(text_column.strip())} is not in {where or 'any sheet'} (looked for a "
        f"header in the first {HEADER_SCAN_ROWS} rows); "
        + "; ".join(looked[:_LISTED_SHEETS])
        + (f"; and {more:,} more sheets" if more > 0 else "")
    )


def _columns_of(scan: SheetScan) -> str:
    header = find_header(scan.rows, None)
    if header is None:
        return "no rows"
    try:
        return listing(layout_of(scan.entry, header).columns)
    except InputError as exc:
        return f"a header that cannot be read ({exc})"
