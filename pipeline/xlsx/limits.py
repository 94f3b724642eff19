"""The bounds every workbook is read within, and Excel's own grid.

A workbook is a ZIP of XML: a small upload can inflate to gigabytes of XML, and a short sheet
can point thousands of cells at one long shared string. Each bound below stops one of those
amplifications while the file is streamed, so reading costs time and memory in proportion to
what the upload may legitimately hold, whatever its content.
"""

from __future__ import annotations

from dataclasses import dataclass

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
MIB = 1024 * 1024


@dataclass(frozen=True)
class XlsxLimits:
    max_uncompressed_bytes: int = 1024 * MIB
    """Sum of the bytes inflated from every part read (and of the sizes the members declare)."""
    max_ratio: int = 100
    """Inflated bytes per compressed byte of a part, past ``ratio_grace_bytes`` (Apache POI's
    zip-bomb threshold); real sheets deflate 5 to 30 times."""
    ratio_grace_bytes: int = 4 * MIB
    max_members: int = 10_000
    max_directory_bytes: int = 4 * MIB
    """The ZIP's central directory, parsed whole by ``zipfile`` before anything is checked."""
    max_sheets: int = 1_000
    max_cells: int = 20_000_000
    """``<c>`` elements in one sheet, empty ones included: bounds the time a sheet takes."""
    max_cell_chars: int = 1_000_000
    max_text_chars: int = 200_000_000
    """Characters of all the cells read from a sheet: what a CSV of the same table may hold."""
    max_text_ratio: int = 100
    """Characters read from a sheet per byte of the workbook file, past ``text_grace_chars``:
    shared strings let a few kilobytes of sheet name one long string millions of times, while
    real workbooks hold a few characters per byte."""
    text_grace_chars: int = 16_000_000

    def text_budget(self, file_bytes: int) -> int:
        """The characters a sheet of a ``file_bytes`` workbook may hold."""
        by_size = max(self.text_grace_chars, self.max_text_ratio * file_bytes)
        return min(self.max_text_chars, by_size)

    max_shared_strings: int = 5_000_000
    max_merged_ranges: int = 1_000_000
    """Cells merged down several rows in one sheet (each remembered while the sheet is read:
    a few tens of bytes each); Excel allows one per cell, real reports a few thousand."""
    max_depth: int = 64
    """Nesting of XML elements (a sheet needs 6)."""
    max_bytes_between_events: int = MIB
    """XML bytes the parser may take in without finishing a tag or a piece of text: bounds
    what it buffers for one tag's attributes or one unclosed nesting."""
