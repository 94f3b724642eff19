"""OpenDocument spreadsheets (.ods: LibreOffice Calc, OpenOffice, Google Sheets' download),
read as the same rows an Excel workbook gives.

An .ods is a ZIP whose ``content.xml`` holds every sheet, one after the other. The file is
read through the same bounded archive and parser as a workbook (``Archive``, ``PartParser``).
Its sheets are listed by one pass over ``content.xml`` that also keeps each sheet's first rows
(where its header is looked for); a sheet's rows are then streamed by a pass that stops at
the sheet's end.

What the format does differently, and how it is read:
- Identical neighbouring rows and cells are written once with a repeat count
  (``number-rows-repeated``, ``number-columns-repeated``): a row or cell with a value is
  given that many times, within the same limits on cells and characters as a workbook; an
  empty one only moves the position on (a sheet ends with an empty row repeated a million
  times).
- A cell's value is its typed attribute (``office:value``, ``office:date-value``…) for a
  number, date, time or boolean, written as an Excel cell's is (``3``, ``2.5``,
  ``2026-03-01 00:00:00``, ``True``), and its paragraphs' text otherwise, one line each, with
  white space as the format defines it (runs collapse; ``text:s`` is spaces, ``text:tab``,
  ``text:line-break``). A cell's note (``office:annotation``) and drawings are not its text.
  LibreOffice saves a boolean it read from an Excel file as the formula ``=TRUE()``: read as
  ``True``, as the Excel file reads.
- A cell merged down several rows says so itself (``number-rows-spanned``): the row carries
  it (``Row.down``), so the rows below get its value as in a workbook.
- A sheet hidden in LibreOffice is a table whose style says ``table:display="false"``.
- A password-protected file is told by its manifest (its parts are encrypted, not its ZIP).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from openpyxl.utils.datetime import from_ISO8601 as from_iso8601

from pipeline.errors import LimitExceededError, UnsupportedFormatError
from pipeline.xlsx.archive import OPENDOCUMENT, Archive, Container, damaged
from pipeline.xlsx.layout import HEADER_SCAN_ROWS
from pipeline.xlsx.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, XlsxLimits
from pipeline.xlsx.merges import DownFill
from pipeline.xlsx.sheet import Row, column_letters
from pipeline.xlsx.workbook import SheetEntry
from pipeline.xlsx.xmlstream import Handler, PartParser, too_deep

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CONTENT = "content.xml"
_MANIFEST = "META-INF/manifest.xml"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0 "
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0 "
_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0 "

_SHEET = _TABLE + "table"
_ROW = _TABLE + "table-row"
_CELL = _TABLE + "table-cell"
_COVERED = _TABLE + "covered-table-cell"
_CELLS = frozenset({_CELL, _COVERED})
_PARAGRAPHS = frozenset({_TEXT + "p", _TEXT + "h"})
_SPACES = _TEXT + "s"
_TAB = _TEXT + "tab"
_BREAK = _TEXT + "line-break"
_NOT_TEXT = frozenset({_OFFICE + "annotation", _TEXT + "note", _TEXT + "ruby-text"})
_TABLE_STYLE = _STYLE + "style"
_TABLE_PROPERTIES = _STYLE + "table-properties"

_NAME = _TABLE + "name"
_STYLE_NAME = _TABLE + "style-name"
_ROWS_REPEATED = _TABLE + "number-rows-repeated"
_COLUMNS_REPEATED = _TABLE + "number-columns-repeated"
_ROWS_SPANNED = _TABLE + "number-rows-spanned"
_FORMULA = _TABLE + "formula"
_VALUE_TYPE = _OFFICE + "value-type"
_TYPED_VALUES = {
    "float": _OFFICE + "value",
    "percentage": _OFFICE + "value",
    "currency": _OFFICE + "value",
    "date": _OFFICE + "date-value",
    "time": _OFFICE + "time-value",
    "boolean": _OFFICE + "boolean-value",
}
_TRUTHS = {"of:=TRUE()": "true", "of:=FALSE()": "false"}
"""How LibreOffice saves an Excel boolean it opened: a number computed by a formula."""
_SPACE_COUNT = _TEXT + "c"
_WHITE = re.compile(r"[ \t\r\n]+")
_DURATION = re.compile(r"(-?)P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")


_HEAD = 30 + len("mimetype") + len(MIMETYPE)
"""A ZIP's first local header (30 bytes), the first member's name and its stored content."""


def declares_opendocument(head: bytes) -> bool:
    """A file that starts with ``head`` is an OpenDocument spreadsheet: a ZIP whose first
    member, stored as it is, is ``mimetype`` naming one."""
    return head.startswith(b"PK\x03\x04") and head[30:_HEAD].startswith(b"mimetype" + MIMETYPE)


def is_opendocument(handle: BinaryIO) -> bool:
    """``declares_opendocument`` of an open file; leaves it at its start."""
    handle.seek(0)
    head = handle.read(_HEAD)
    handle.seek(0)
    return declares_opendocument(head)


@dataclass
class _Sheet:
    name: str
    style: str
    first_rows: list[Row] = field(default_factory=list)


class _ContentHandler:
    """Called by expat for the elements of ``content.xml``. Rows are built for the sheets
    ``wanted`` says (by 0-based index), up to ``max_rows`` non-empty rows a sheet. The rest
    of a sheet is passed over: ``hear_starts(False)`` stops expat calling ``start`` until the
    sheet's end tag (``PartParser.hear_starts``)."""

    def __init__(
        self,
        limits: XlsxLimits,
        text_budget: int,
        wanted: Callable[[int], bool],
        max_rows: int | None = None,
    ) -> None:
        self.sheets: list[_Sheet] = []
        self.hidden_styles: set[str] = set()
        self.ready: list[tuple[Row, int]] = []
        """Rows read and not yet handed out, each with how many times it repeats."""
        self.finished = False
        """The last wanted sheet has ended: nothing after it is needed."""
        self._limits = limits
        self._text_budget = text_budget
        self._wanted = wanted
        self._max_rows = max_rows
        self._depth = 0
        self._sheet_depth = 0
        self._style: str | None = None
        self._reading = False
        self._row_number = 0
        self._row_repeat = 1
        self._cells: dict[int, str] = {}
        self._numbers = 0
        self._uncomputed: list[int] = []
        self._down: list[DownFill] = []
        self._column = 0
        self._cell: _Cell | None = None
        self._skip = 0
        self._cell_count = 0
        self._text_chars = 0
        self._paused = False
        self.hear_starts: Callable[[bool], None] = lambda on: None

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > self._limits.max_depth:
            raise too_deep(_CONTENT, self._limits)
        cell = self._cell
        if cell is not None:
            self._cell_start(cell, name, attributes)
        elif name == _ROW:
            if self._reading:
                self._start_row(attributes)
        elif name in _CELLS:
            if self._reading and self._cells is not None:
                self._start_cell(name, attributes)
        elif name == _SHEET:
            if self._sheet_depth == 0:
                self._start_sheet(attributes)
        elif name == _TABLE_STYLE:
            self._style = attributes.get(_STYLE + "name")
        elif (
            name == _TABLE_PROPERTIES
            and self._style is not None
            and attributes.get(_TABLE + "display") == "false"
        ):
            self.hidden_styles.add(self._style)

    def end(self, name: str) -> None:
        if self._paused:
            if name != _SHEET:
                return
            self._paused = False
            self.hear_starts(True)
            self._depth = self._sheet_depth  # the sheet's own end, as if every start was heard
        self._depth -= 1
        cell = self._cell
        if cell is not None:
            if self._depth == cell.depth:
                self._end_cell(cell)
            elif self._skip:
                if self._depth < self._skip:
                    self._skip = 0
            elif name in _PARAGRAPHS and self._depth + 1 == cell.paragraph_depth:
                cell.paragraph = None
        elif name == _ROW:
            if self._reading:
                self._end_row()
        elif name == _SHEET and self._depth + 1 == self._sheet_depth:
            self._sheet_depth = 0
            if self._reading and self._max_rows is None:
                self.finished = True
            self._reading = False

    def text(self, data: str) -> None:
        cell = self._cell
        if cell is not None and cell.paragraph is not None and not self._skip:
            if "  " in data or "\n" in data or "\t" in data or "\r" in data:
                data = _WHITE.sub(" ", data)
            cell.add(data, self._limits.max_cell_chars, self._where)

    def _where(self) -> str:
        sheet = self.sheets[-1].name if self.sheets else ""
        return f"cell {column_letters(self._column)}{self._row_number + 1} of sheet {sheet!r}"

    def _start_sheet(self, attributes: dict[str, str]) -> None:
        if len(self.sheets) >= self._limits.max_sheets:
            raise LimitExceededError(f"the workbook has over {self._limits.max_sheets:,} sheets")
        index = len(self.sheets)
        self.sheets.append(_Sheet(attributes.get(_NAME, ""), attributes.get(_STYLE_NAME, "")))
        self._sheet_depth = self._depth
        self._reading = self._wanted(index)
        self._row_number = 0
        self._cell_count = 0
        self._text_chars = 0
        if not self._reading:
            self._pass_over_sheet()

    def _start_row(self, attributes: dict[str, str]) -> None:
        sheet = self.sheets[-1].name
        self._row_repeat = _count(
            attributes.get(_ROWS_REPEATED), lambda: f"row {self._row_number + 1} of sheet {sheet!r}"
        )
        self._cells = {}
        self._numbers = 0
        self._uncomputed = []
        self._down = []
        self._column = 0

    def _end_row(self) -> None:
        first, repeat = self._row_number + 1, self._row_repeat
        self._row_number += repeat
        cells, uncomputed = self._cells, tuple(self._uncomputed)
        if not cells and not uncomputed:
            return
        if self._row_number > EXCEL_MAX_ROWS:
            raise damaged(
                f"sheet {self.sheets[-1].name!r} has a value in row {self._row_number:,}, past "
                f"the {EXCEL_MAX_ROWS:,} rows a sheet may hold",
                OPENDOCUMENT,
            )
        if repeat > 1:  # the first copy's cells and text are counted as they were read
            self._count_cells(len(cells) * (repeat - 1))
            self._count_text(sum(map(len, cells.values())) * (repeat - 1))
        row = Row(first, cells, self._numbers, uncomputed, tuple(self._down))
        if self._max_rows is None:
            self.ready.append((row, repeat))
            return
        sheet = self.sheets[-1]
        kept = min(repeat, self._max_rows - len(sheet.first_rows))
        sheet.first_rows.extend(copies(row, kept))
        if len(sheet.first_rows) >= self._max_rows:
            self._reading = False
            self._pass_over_sheet()

    def _pass_over_sheet(self) -> None:
        self._paused = True
        self.hear_starts(False)

    def _start_cell(self, name: str, attributes: dict[str, str]) -> None:
        repeat = _count(attributes.get(_COLUMNS_REPEATED), self._where)
        kind = attributes.get(_VALUE_TYPE)
        typed = attributes.get(_TYPED_VALUES[kind]) if kind in _TYPED_VALUES else None
        formula = attributes.get(_FORMULA)
        if formula in _TRUTHS and kind == "float":
            kind, typed = "boolean", _TRUTHS[formula]
        spanned = 1 if name == _COVERED else _count(attributes.get(_ROWS_SPANNED), self._where)
        cell = _Cell(self._depth - 1, repeat, kind, typed, spanned, formula is not None)
        self._cell = cell

    def _cell_start(self, cell: _Cell, name: str, attributes: dict[str, str]) -> None:
        if self._skip:
            return
        if name in _NOT_TEXT or name.startswith(_DRAW):
            self._skip = self._depth
        elif name in _PARAGRAPHS:
            if cell.paragraph is None:
                cell.new_paragraph(self._depth)
        elif cell.paragraph is None:
            return
        elif name == _SPACES:
            limit = self._limits.max_cell_chars
            spaces = _count(attributes.get(_SPACE_COUNT), self._where)
            cell.add(" " * min(spaces, limit + 1), limit, self._where, literal=True)
        elif name == _TAB:
            cell.add("\t", self._limits.max_cell_chars, self._where, literal=True)
        elif name == _BREAK:
            cell.add("\n", self._limits.max_cell_chars, self._where, literal=True)

    def _end_cell(self, cell: _Cell) -> None:
        self._cell = None
        self._skip = 0
        column, repeat = self._column, cell.repeat
        self._column += repeat
        value, typed = cell.value()
        if not value:
            if cell.uncomputed and column < EXCEL_MAX_COLUMNS:
                self._uncomputed.append(column)
            return
        if self._column > EXCEL_MAX_COLUMNS:
            raise damaged(
                f"sheet {self.sheets[-1].name!r} has a value in column {self._column:,} of row "
                f"{self._row_number + 1:,}, past the {EXCEL_MAX_COLUMNS:,} columns a sheet may "
                "hold",
                OPENDOCUMENT,
            )
        self._count_cells(repeat)
        self._count_text(len(value) * repeat)
        for at in range(column, column + repeat):
            self._cells[at] = value
        if typed:
            self._numbers += repeat
        if cell.spanned > 1:
            first = self._row_number + 1
            self._down.append(DownFill(first, first + cell.spanned - 1, column))

    def _count_cells(self, cells: int) -> None:
        self._cell_count += cells
        if self._cell_count > self._limits.max_cells:
            raise LimitExceededError(
                f"sheet {self.sheets[-1].name!r} has over {self._limits.max_cells:,} cells"
            )

    def _count_text(self, chars: int) -> None:
        self._text_chars += chars
        if self._text_chars > self._text_budget:
            raise LimitExceededError(
                f"the cells of sheet {self.sheets[-1].name!r} hold over "
                f"{self._text_budget:,} characters, more than a spreadsheet of this size can "
                "(cells repeated without end?) or than a file may hold: save it as CSV UTF-8, "
                "or split it, and upload that"
            )


class _Cell:
    """One cell as it is read: its attributes, and its paragraphs' text."""

    __slots__ = (
        "chars",
        "depth",
        "formula",
        "kind",
        "lines",
        "paragraph",
        "paragraph_depth",
        "repeat",
        "spanned",
        "typed",
    )

    def __init__(
        self,
        depth: int,
        repeat: int,
        kind: str | None,
        typed: str | None,
        spanned: int,
        formula: bool,
    ) -> None:
        self.depth = depth
        self.repeat = repeat
        self.kind = kind
        self.typed = typed
        self.spanned = spanned
        self.formula = formula
        self.lines: list[list[str]] = []
        self.paragraph: list[str] | None = None
        self.paragraph_depth = 0
        self.chars = 0

    @property
    def uncomputed(self) -> bool:
        """A formula saved without its value: its text is unknown (a formula whose value is
        the empty text is a string cell with no text: read as empty)."""
        return self.formula and (self.kind is None or self.kind in _TYPED_VALUES)

    def new_paragraph(self, depth: int) -> None:
        self.paragraph = []
        self.paragraph_depth = depth
        self.lines.append(self.paragraph)

    def add(self, text: str, limit: int, where: Callable[[], str], literal: bool = False) -> None:
        """Text of the open paragraph: collapsed white space not at its start (``literal``:
        spaces, a tab or a break the file spells out)."""
        paragraph = self.paragraph
        if paragraph is None or not text:
            return
        if not literal and text[0] == " " and (not paragraph or paragraph[-1][-1] == " "):
            text = text[1:]
        if text:
            paragraph.append(text)
            self.chars += len(text)
            if self.chars > limit:
                raise LimitExceededError(f"{where()} holds over {limit:,} characters")

    def value(self) -> tuple[str, bool]:
        """The cell's text, and whether it is typed (a number, date, time or boolean)."""
        if self.typed is not None and self.kind is not None:
            return _typed_text(self.kind, self.typed), True
        lines = self.lines
        if len(lines) == 1 and len(lines[0]) == 1:
            return lines[0][0], False
        return "\n".join("".join(line) for line in lines), False


def copies(row: Row, repeat: int) -> Iterator[Row]:
    """A row written once for ``repeat`` identical rows, as those rows (their cells shared,
    which nothing changes)."""
    yield row
    for shift in range(1, repeat):
        down = tuple(
            DownFill(fill.first_row + shift, fill.last_row + shift, fill.column)
            for fill in row.down
        )
        yield replace(row, number=row.number + shift, down=down)


def _typed_text(kind: str, raw: str) -> str:
    """A typed value as an Excel cell of the same value reads (``pipeline.xlsx.sheet``)."""
    if kind == "boolean":
        return str(raw.strip().lower() == "true")
    if kind == "date":
        try:
            moment = from_iso8601(raw)
        except ValueError:
            return raw
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime.combine(moment, datetime.time())
        return str(moment)
    if kind == "time":
        return _duration_text(raw)
    try:
        return str(float(raw) if any(c in raw for c in ".eE") else int(raw))
    except ValueError:
        return raw


def _duration_text(raw: str) -> str:
    """``PT09H30M00S`` → ``09:30:00``; a duration of a day or more as ``1 day, 2:00:00``."""
    found = _DURATION.fullmatch(raw.strip())
    if found is None:
        return raw
    sign, days, hours, minutes, seconds = found.groups()
    span = datetime.timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(seconds or 0),
    )
    if sign or span >= datetime.timedelta(days=1):
        return str(-span if sign else span)
    return str((datetime.datetime.min + span).time())


def _count(raw: str | None, where: Callable[[], str]) -> int:
    """A repeat or span count; ``where`` names the row or cell when it is refused."""
    if raw is None:
        return 1
    if not raw.isdigit() or not 0 < len(raw) <= 9 or int(raw) < 1:
        raise damaged(f"{where()} has a repeat or span count of {raw[:20]!r}", OPENDOCUMENT)
    return int(raw)


class _Manifest:
    """Whether the package's manifest says a part is encrypted."""

    def __init__(self) -> None:
        self.encrypted = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _MANIFEST_NS + "encryption-data":
            self.encrypted = True

    def end(self, name: str) -> None:
        return None

    def text(self, data: str) -> None:
        return None


class OdsSource:
    """An OpenDocument spreadsheet's sheets, for ``Workbook``."""

    def __init__(self, archive: Archive) -> None:
        self._archive = archive
        self.container: Container = OPENDOCUMENT
        self._budget = archive.limits.text_budget(archive.size)
        if archive.has(_MANIFEST):
            manifest = _Manifest()
            self._parser(_MANIFEST, manifest).feed_all(archive.blocks(_MANIFEST))
            if manifest.encrypted:
                raise UnsupportedFormatError(
                    "the OpenDocument spreadsheet is password-protected: in LibreOffice Calc "
                    "choose File > Save As without Save with password, or save it as Text "
                    "CSV, then upload that"
                )
        survey = _ContentHandler(archive.limits, self._budget, lambda _: True, HEADER_SCAN_ROWS)
        parser = self._parser(_CONTENT, survey, direct=True)
        survey.hear_starts = parser.hear_starts
        parser.feed_all(archive.blocks(_CONTENT))
        if not survey.sheets:
            raise UnsupportedFormatError("the OpenDocument spreadsheet has no sheet")
        self.sheets = tuple(
            SheetEntry(sheet.name, f"{_CONTENT}#{index + 1}", sheet.style in survey.hidden_styles)
            for index, sheet in enumerate(survey.sheets)
        )
        self._first_rows = {
            entry: tuple(sheet.first_rows)
            for entry, sheet in zip(self.sheets, survey.sheets, strict=True)
        }

    def first_rows(self, entry: SheetEntry) -> tuple[Row, ...]:
        return self._first_rows[entry]

    def rows(self, entry: SheetEntry) -> Generator[Row, None, None]:
        index = self.sheets.index(entry)
        handler = _ContentHandler(self._archive.limits, self._budget, index.__eq__)
        parser = self._parser(_CONTENT, handler, direct=True)
        handler.hear_starts = parser.hear_starts
        for block in self._archive.blocks(_CONTENT):
            parser.feed(block)
            if handler.ready:
                ready, handler.ready = handler.ready, []
                for row, repeat in ready:
                    yield from copies(row, repeat)
            if handler.finished:
                return
        parser.feed(b"", final=True)
        for row, repeat in handler.ready:
            yield from copies(row, repeat)

    def merges(self, entry: SheetEntry) -> tuple[DownFill, ...]:
        return ()

    def close(self) -> None:
        return None

    def _parser(self, part: str, handler: Handler, direct: bool = False) -> PartParser:
        limits = self._archive.limits
        return PartParser(part, handler, limits, direct=direct, container=OPENDOCUMENT)
