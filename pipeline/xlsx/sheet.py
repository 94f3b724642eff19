"""One worksheet's rows, streamed from its XML with every cell's text as Excel shows it.

The sheet is parsed as it inflates; completed rows are handed out a block at a time, so memory
holds one block's rows, whatever the sheet's length. Cells are placed by their reference (a
cell may omit it: it then follows the previous one). Rows and cells must come in order within
Excel's grid, and the sheet's cells, the characters of one cell and of all cells read are
bounded (``XlsxLimits``). Values read as ``openpyxl`` gives them (numbers as ``3`` or ``2.5``,
dates as ``2026-03-01 09:30:00``, booleans as ``True``) so a column reads as it always did;
text, inline or a formula's, with its ``_xHHHH_`` codes read as the characters they stand for
(``strings.unescape``), as the shared strings are.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.datetime import from_ISO8601 as from_iso8601

from pipeline.errors import LimitExceededError
from pipeline.xlsx.archive import Archive, damaged
from pipeline.xlsx.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, XlsxLimits
from pipeline.xlsx.merges import DownFill
from pipeline.xlsx.strings import SharedStrings, unescape
from pipeline.xlsx.styles import DateStyles
from pipeline.xlsx.xmlstream import LocalNames, PartParser, too_deep

_TEXT_TYPES = frozenset({"s", "str", "inlineStr"})
_DIGITS = "0123456789"


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    """1-based, as Excel numbers it."""
    cells: dict[int, str]
    """0-based column → the cell's text, for cells that are not empty."""
    numbers: int
    """How many of those cells hold a number, date or boolean rather than text."""
    uncomputed: tuple[int, ...] = ()
    """0-based columns whose cell holds a formula with no saved value: a program that writes
    formulas without computing them (openpyxl, many export scripts) leaves the value out or
    empty, and its text is unknown, which is not the same as an empty cell. (A formula whose
    value is the empty text is saved as text, ``t="str"``, with an empty value: read as
    empty.)"""
    down: tuple[DownFill, ...] = ()
    """Cells of this row merged down the rows below it, where the format says so at the cell
    (OpenDocument); an Excel sheet lists its merges after its rows (``Archive.merges``)."""


@dataclass(frozen=True)
class SheetContext:
    """What every cell of a workbook needs to be read."""

    strings: SharedStrings
    styles: DateStyles
    date1904: bool
    limits: XlsxLimits
    text_budget: int
    """Characters a sheet may hold (``XlsxLimits.text_budget`` of the workbook's size)."""


class _SheetHandler:
    """Called by expat for every element of the sheet (``PartParser(direct=True)``): the
    hot path of reading a workbook, kept to a few dictionary lookups per cell."""

    def __init__(self, context: SheetContext, name: str, part: str) -> None:
        self.ready: list[Row] = []
        self._context = context
        self._strings = context.strings
        self._sheet = name
        self._part = part
        self._limits = context.limits
        self._max_depth = context.limits.max_depth
        self._max_cells = context.limits.max_cells
        self._max_cell_chars = context.limits.max_cell_chars
        self._epoch = CALENDAR_MAC_1904 if context.date1904 else CALENDAR_WINDOWS_1900
        self._depth = 0
        self._row_number = 0
        self._cells: dict[int, str] | None = None
        self._numbers = 0
        self._column = -1
        self._type = "n"
        self._style = 0
        self._pieces: list[str] = []
        self._chars = 0
        self._in_value = False
        self._formula = False
        self._uncomputed: list[int] = []
        self._phonetic = 0
        self._cell_count = 0
        self._text_chars = 0
        self._locals = LocalNames()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > self._max_depth:
            raise too_deep(self._part, self._limits)
        local = self._locals[name]
        if local == "c":
            self._cell_count += 1
            if self._cell_count > self._max_cells:
                raise LimitExceededError(
                    f"sheet {self._sheet!r} has over {self._max_cells:,} cells"
                )
            reference = attributes.get("r")
            if reference is None:
                column = self._column + 1
            else:
                column = _COLUMNS.get(reference.rstrip(_DIGITS), -1)
                if column < 0:
                    column = _column_of(reference, self._sheet)
            if column <= self._column or column >= EXCEL_MAX_COLUMNS:
                raise damaged(
                    f"sheet {self._sheet!r} has cell {reference or column} out of order in "
                    f"row {self._row_number}"
                )
            self._column = column
            self._type = attributes.get("t", "n")
            style = attributes.get("s")
            self._style = int(style) if style and style.isdigit() else 0
            self._pieces = []
            self._chars = 0
        elif local == "v" or (local == "t" and self._phonetic == 0):
            self._in_value = True
        elif local == "row":
            self._start_row(attributes.get("r"))
        elif local == "f":
            self._formula = True
        elif local == "rPh":
            self._phonetic += 1

    def end(self, name: str) -> None:
        self._depth -= 1
        local = self._locals[name]
        if local == "v" or local == "t":
            self._in_value = False
        elif local == "c":
            self._end_cell()
        elif local == "row":
            if self._cells or self._uncomputed:
                uncomputed = tuple(self._uncomputed)
                self.ready.append(
                    Row(self._row_number, self._cells or {}, self._numbers, uncomputed)
                )
            self._cells = None
        elif local == "rPh":
            self._phonetic -= 1

    def text(self, data: str) -> None:
        if self._in_value:
            self._chars += len(data)
            if self._chars > self._max_cell_chars:
                cell = f"{column_letters(self._column)}{self._row_number}"
                raise LimitExceededError(
                    f"cell {cell} of sheet {self._sheet!r} holds over "
                    f"{self._max_cell_chars:,} characters"
                )
            self._pieces.append(data)

    def _start_row(self, reference: str | None) -> None:
        number = self._row_number + 1
        if reference is not None:
            if not reference.isdigit():
                raise damaged(f"sheet {self._sheet!r} has a row numbered {reference[:20]!r}")
            number = int(reference)
        if number <= self._row_number or number > EXCEL_MAX_ROWS:
            raise damaged(
                f"sheet {self._sheet!r} has row {number} after row {self._row_number} "
                f"(rows must be in order, within Excel's {EXCEL_MAX_ROWS:,})"
            )
        self._row_number = number
        self._cells = {}
        self._numbers = 0
        if self._uncomputed:
            self._uncomputed = []
        self._column = -1

    def _end_cell(self) -> None:
        self._in_value = False
        if self._formula:  # rare: checked only for cells that hold one
            self._formula = False
            if self._cells is not None and not self._pieces and self._type not in _TEXT_TYPES:
                self._uncomputed.append(self._column)
        if self._cells is None or not self._pieces:
            return
        raw = "".join(self._pieces)
        kind = self._type
        if kind == "s":
            try:
                value: str | None = self._strings.get(int(raw))
            except ValueError:
                raise damaged(f"sheet {self._sheet!r} names shared string {raw[:20]!r}") from None
        else:
            value = unescape(raw) if kind in _TEXT_TYPES else None
        if value is None:
            value = self._typed(raw, kind)
            self._numbers += 1
        if value:
            self._text_chars += len(value)
            if self._text_chars > self._context.text_budget:
                raise LimitExceededError(
                    f"the cells of sheet {self._sheet!r} hold over "
                    f"{self._context.text_budget:,} characters, more than a workbook of "
                    "this size can (shared strings repeated without end?) or than a file "
                    "may hold: save it as CSV UTF-8, or split it, and upload that"
                )
            self._cells[self._column] = value

    def _typed(self, raw: str, kind: str) -> str:
        """Text of a number, date, boolean, error or ISO date cell, as openpyxl gives it."""
        if kind == "b":
            return str(raw.strip() not in ("0", ""))
        if kind == "e":
            return raw
        if kind == "d":
            try:
                return str(from_iso8601(raw))
            except ValueError:
                return raw
        try:
            number: float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
        styles = self._context.styles
        if self._style not in styles.dates:
            return str(number)
        try:
            moment = from_excel(number, self._epoch, timedelta=self._style in styles.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"
        return str(moment)


_COLUMNS: dict[str, int] = {}


def _column_of(reference: str, sheet: str) -> int:
    """``AB12`` → 27 (0-based)."""
    letters = reference.rstrip(_DIGITS)
    column = _COLUMNS.get(letters)
    if column is None:
        if not (0 < len(letters) <= 3 and letters.isascii() and letters.isupper()):
            raise damaged(f"sheet {sheet!r} has a cell at {reference[:20]!r}")
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        column -= 1
        if column < EXCEL_MAX_COLUMNS:
            _COLUMNS[letters] = column
    return column


def column_letters(column: int) -> str:
    """27 (0-based) → ``AB``."""
    letters = ""
    column += 1
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_rows(
    archive: Archive, part: str, name: str, context: SheetContext
) -> Generator[Row, None, None]:
    """The sheet's non-empty rows in order, as its XML inflates."""
    handler = _SheetHandler(context, name, part)
    parser = PartParser(part, handler, context.limits, direct=True)
    for block in archive.blocks(part):
        parser.feed(block)
        if handler.ready:
            ready, handler.ready = handler.ready, []
            yield from ready
    parser.feed(b"", final=True)
    yield from handler.ready
