"""Which cell styles format numbers as dates, times or durations.

A date in a sheet is a number (days since 1900 or 1904) whose style's number format shows it
as a date; the reader turns those into the text ``openpyxl`` would give (``2026-03-01
09:30:00``) so a date column reads the same as before. Only the number formats and the cell
formats (``cellXfs``) are read from the styles part; fonts, fills and borders are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

from pipeline.errors import LimitExceededError
from pipeline.xlsx.archive import Archive
from pipeline.xlsx.xmlstream import PartParser, local_name

MAX_FORMATS = 65_536
"""Excel allows 64,000 cell formats."""


@dataclass(frozen=True)
class DateStyles:
    dates: frozenset[int] = field(default_factory=frozenset)
    """Indexes of cell styles (a cell's ``s``) that show numbers as dates or times."""
    durations: frozenset[int] = field(default_factory=frozenset)
    """Those among them that show a duration (``[h]:mm``)."""


class _StylesReader:
    def __init__(self) -> None:
        self.formats: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self._in_cell_xfs = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = local_name(name)
        if local == "numFmt":
            number = attributes.get("numFmtId", "")
            if number.isdigit():
                self._count(len(self.formats))
                self.formats[int(number)] = attributes.get("formatCode", "")
        elif local == "cellXfs":
            self._in_cell_xfs = True
        elif local == "xf" and self._in_cell_xfs:
            self._count(len(self.cell_formats))
            number = attributes.get("numFmtId", "0")
            self.cell_formats.append(int(number) if number.isdigit() else 0)

    def end(self, name: str) -> None:
        if local_name(name) == "cellXfs":
            self._in_cell_xfs = False

    def text(self, data: str) -> None:
        return None

    @staticmethod
    def _count(count: int) -> None:
        if count >= MAX_FORMATS:
            raise LimitExceededError(f"the workbook has over {MAX_FORMATS:,} cell formats")


def read_date_styles(archive: Archive, part: str | None) -> DateStyles:
    if part is None:
        return DateStyles()
    reader = _StylesReader()
    PartParser(part, reader, archive.limits).feed_all(archive.blocks(part))
    dates, durations = set(), set()
    for style, number in enumerate(reader.cell_formats):
        code = reader.formats.get(number, BUILTIN_FORMATS.get(number, ""))
        if code and is_date_format(code):
            dates.add(style)
            if is_timedelta_format(code):
                durations.add(style)
    return DateStyles(frozenset(dates), frozenset(durations))
