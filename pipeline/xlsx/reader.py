"""A workbook opened for reading: its sheets, where each one's table is, and its data rows.

Every read goes through the bounded archive and parser, so the same limits hold when the app
previews a file, when the service validates it and when the worker labels it. The sheets come
from a ``SheetSource``: an Excel workbook's (``XlsxSource``) or an OpenDocument
spreadsheet's (``pipeline.xlsx.ods``); everything above the rows is the same for both.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Protocol

from pipeline.errors import InputError
from pipeline.xlsx.archive import EXCEL, OPENDOCUMENT, Archive, Container, damaged
from pipeline.xlsx.combined import CombinedTable, alike_sheets, combine, shared_columns
from pipeline.xlsx.layout import (
    HEADER_SCAN_ROWS,
    SheetLayout,
    SheetScan,
    choose_layout,
    every_layout,
    find_header,
    header_at,
    layout_of,
    naming_layouts,
    pick_sheet,
    row_values,
    sheets_listing,
)
from pipeline.xlsx.limits import XlsxLimits
from pipeline.xlsx.merges import DownFill, fills_by_row
from pipeline.xlsx.ods import OdsSource, is_opendocument
from pipeline.xlsx.sheet import Row, SheetContext, read_rows
from pipeline.xlsx.strings import read_shared_strings
from pipeline.xlsx.styles import read_date_styles
from pipeline.xlsx.workbook import SheetEntry, read_structure


class SheetSource(Protocol):
    """Where a workbook's sheets and their rows come from."""

    sheets: tuple[SheetEntry, ...]
    container: Container

    def rows(self, entry: SheetEntry) -> Generator[Row, None, None]:
        """The sheet's non-empty rows in order."""
        ...

    def first_rows(self, entry: SheetEntry) -> tuple[Row, ...]:
        """The sheet's first ``HEADER_SCAN_ROWS`` non-empty rows, where its header is."""
        ...

    def merges(self, entry: SheetEntry) -> tuple[DownFill, ...]:
        """The cells the sheet merges down several rows, when known before its rows."""
        ...

    def close(self) -> None: ...


class XlsxSource:
    """An Excel workbook's sheets: its structure read at once, the strings and styles its
    cells refer to when a sheet is first read."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive
        self.structure = read_structure(archive)
        self.sheets = self.structure.sheets
        self.container = archive.container
        self._context: SheetContext | None = None
        self._first_rows: dict[SheetEntry, tuple[Row, ...]] = {}

    def rows(self, entry: SheetEntry) -> Generator[Row, None, None]:
        known = self._first_rows.get(entry)
        if known is not None and len(known) < HEADER_SCAN_ROWS:
            return _replay(known)  # fewer than asked for: the whole sheet, read to its end
        return read_rows(self._archive, entry.part, entry.name, self.context)

    def first_rows(self, entry: SheetEntry) -> tuple[Row, ...]:
        """Read once per sheet: finding a table asks for them several times, and a sheet of
        a few rows above thousands of formatted empty ones (Excel writes a cell for each row
        a format was applied to) is read to its end each time; such a sheet's rows are then
        all known, and ``rows`` gives them without reading it again."""
        if entry not in self._first_rows:
            rows = self.rows(entry)
            try:
                self._first_rows[entry] = tuple(islice(rows, HEADER_SCAN_ROWS))
            finally:
                rows.close()
        return self._first_rows[entry]

    def merges(self, entry: SheetEntry) -> tuple[DownFill, ...]:
        return self._archive.merges(entry.part)

    def close(self) -> None:
        if self._context is not None:
            self._context.strings.close()

    @property
    def context(self) -> SheetContext:
        if self._context is None:
            structure, archive = self.structure, self._archive
            styles = read_date_styles(archive, structure.styles)
            strings = read_shared_strings(archive, structure.shared_strings)
            budget = archive.limits.text_budget(archive.size)
            self._context = SheetContext(
                strings, styles, structure.date1904, archive.limits, budget
            )
        return self._context


def _replay(rows: tuple[Row, ...]) -> Generator[Row, None, None]:
    yield from rows


@dataclass(frozen=True)
class SheetOverview:
    """A visible sheet as the app's sheet picker shows it: its header's columns (none when
    it has no rows or its header cannot be read)."""

    name: str
    header_row: int | None
    columns: tuple[str, ...]


class Workbook:
    def __init__(self, source: SheetSource) -> None:
        self._source = source

    @property
    def sheets(self) -> tuple[SheetEntry, ...]:
        return self._source.sheets

    def close(self) -> None:
        self._source.close()

    def layout(self, sheet: str | None, text_column: str | None) -> SheetLayout:
        """The chosen sheet's table, or else the first visible sheet's whose header names the
        column (hidden sheets are read only when chosen)."""
        if sheet is not None:
            entries = [pick_sheet(self.sheets, sheet)]
        else:
            entries = [entry for entry in self.sheets if not entry.hidden]
        scans = (self.scan(entry) for entry in entries)
        return choose_layout(scans, text_column, sheet is not None, self._hidden_scans())

    def all_sheets(self, text_column: str | None) -> CombinedTable:
        """Every visible sheet whose header names ``text_column``, read as one table; where
        some of them hold one table and others another, that one table's (``alike_sheets``:
        a summary sheet in front of the course sheets is left out)."""
        layouts = every_layout(self._visible_scans(), text_column, self._hidden_scans())
        return combine(alike_sheets(layouts) or layouts)

    def sheets_naming(self, text_column: str) -> list[SheetLayout]:
        """The visible sheets' tables whose header names ``text_column``."""
        return naming_layouts(self._visible_scans(), text_column)

    def _visible_scans(self) -> Iterator[SheetScan]:
        return (self.scan(entry) for entry in self.sheets if not entry.hidden)

    def _hidden_scans(self) -> Iterator[SheetScan]:
        """The hidden sheets, read (lazily) only to say in a refusal what they hold."""
        return (self.scan(entry) for entry in self.sheets if entry.hidden)

    def tables(self, sheets: Sequence[str], header_rows: Sequence[int]) -> CombinedTable:
        """A job's sheets read as one, each with its recorded header row."""
        return combine(
            [self.table(s, row, None) for s, row in zip(sheets, header_rows, strict=True)]
        )

    def combined_records(
        self, table: CombinedTable, comments: Sequence[str] = (), described: Sequence[int] = ()
    ) -> Iterator[list[str]]:
        """The sheets' data rows, one sheet after the other, as rows of the long table;
        ``described``: how many rows under each sheet's header describe its columns (a
        survey export's on every sheet), left out."""
        for index, layout in enumerate(table.layouts):
            records = self.records(layout, shared_columns(layout.columns, comments))
            skipped = described[index] if index < len(described) else 0
            for values in islice(records, skipped, None):
                yield table.row(index, values)

    def overview(self) -> list[SheetOverview]:
        found = []
        for entry in self.sheets:
            if entry.hidden:
                continue
            scan = self.scan(entry)
            header = find_header(scan, None)
            try:
                columns = layout_of(scan, header).columns if header else ()
            except InputError:  # two columns of one name: refused if this sheet is chosen
                columns = ()
            found.append(SheetOverview(entry.name, header.number if header else None, columns))
        return found

    def sheets_listing(self) -> str:
        """Each visible sheet and its columns (``sheet 'Cover': Blue report; sheet
        'Comments': Course, …``), then each hidden one's (``hidden sheet 'Data': …``), for a
        refusal that has to say which sheet holds what."""
        return sheets_listing(self._visible_scans(), self._hidden_scans())

    def scan(self, entry: SheetEntry) -> SheetScan:
        """The sheet's first rows and the merges down from them (a header of two rows)."""
        rows = self._source.first_rows(entry)
        last = rows[-1].number if rows else 0
        fills = [fill for fill in self._source.merges(entry) if fill.first_row <= last]
        fills += [fill for row in rows for fill in row.down]
        return SheetScan(entry, rows, tuple(fills))

    def table(
        self, sheet: str | None, header_row: int | None, text_column: str | None
    ) -> SheetLayout:
        """A job's table: its recorded sheet and header row as they are, read as validation
        read them (from the same first rows); without them, found as validation finds it
        (``layout``)."""
        if sheet is None or header_row is None:
            return self.layout(sheet, text_column)
        entry = pick_sheet(self.sheets, sheet)
        scan = self.scan(entry)
        if (found := header_at(scan, header_row)) is not None:
            return layout_of(scan, found)
        rows = self._source.rows(entry)
        try:
            header = next((row for row in rows if row.number >= header_row), None)
        finally:
            rows.close()
        if header is None or header.number != header_row or not header.cells:
            reason = f"row {header_row} of sheet {sheet!r}, its header, is empty"
            raise damaged(reason, self._source.container)
        return layout_of(SheetScan(entry, (header,)), header)

    def records(self, layout: SheetLayout, comments: Sequence[str] = ()) -> Iterator[list[str]]:
        """The table's data rows: the values in the header's columns, blank rows left out,
        each value merged down several rows given to those rows (pipeline/xlsx/merges.py)
        except in the columns ``comments`` (a comment merged over two rows is one comment)."""
        entry = pick_sheet(self.sheets, layout.sheet)
        keep = {layout.columns.index(name) for name in comments if name in layout.columns}
        width = len(layout.columns)
        starts = fills_by_row(
            self._source.merges(entry), layout.header_row, layout.first_column, width, keep
        )
        filling: dict[int, tuple[str, int]] = {}  # index in a row → value, last row it fills
        rows = self._source.rows(entry)
        try:
            for row in rows:
                if row.number <= layout.header_row:
                    continue
                values = row_values(layout, row)
                if not any(value.strip() for value in values):
                    continue
                if filling:
                    _fill(values, filling, row.number)
                if row.down:
                    found = fills_by_row(
                        row.down, layout.header_row, layout.first_column, width, keep
                    )
                    starts.setdefault(row.number, []).extend(found.get(row.number, ()))
                for index, last in starts.get(row.number, ()):
                    if values[index]:
                        filling[index] = (values[index], last)
                yield values
        finally:
            rows.close()


def _fill(values: list[str], filling: dict[int, tuple[str, int]], row: int) -> None:
    """Give the row's empty cells the values merged down over it; forget the merges that
    ended above it."""
    for index, (value, last) in list(filling.items()):
        if row > last:
            del filling[index]
        elif not values[index]:
            values[index] = value


@contextmanager
def open_workbook(path: Path, limits: XlsxLimits | None = None) -> Iterator[Workbook]:
    """The workbook in ``path``, whatever the file is called: an Excel workbook or an
    OpenDocument spreadsheet, told by its first bytes."""
    with path.open("rb") as handle:
        opendocument = is_opendocument(handle)
        archive = Archive(handle, limits or XlsxLimits(), OPENDOCUMENT if opendocument else EXCEL)
        try:
            workbook = Workbook(OdsSource(archive) if opendocument else XlsxSource(archive))
            try:
                yield workbook
            finally:
                workbook.close()
        finally:
            archive.close()
