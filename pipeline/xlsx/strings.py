"""The shared-strings table: read once, stored compactly, looked up by index for every cell.

Excel stores each distinct text once and cells point at it by index. The table can hold
millions of strings, so it is kept as UTF-8 bytes in a buffer that moves to a temporary file
past ``SPOOL_BYTES`` (8 bytes of offset per string stay in memory), not as millions of Python
objects. Recently used strings are cached, so a sheet naming one string many times shares one
object; the characters it names are still counted against the sheet's text budget.

Text is stored as Excel shows it (``unescape``): the format writes a character XML cannot hold
as ``_xHHHH_`` (a carriage return as ``_x000D_``: every comment pasted with Windows line
breaks), and it is read back as that character, never as the code.
"""

from __future__ import annotations

import os
import re
import tempfile
from array import array
from typing import IO

from pipeline.errors import LimitExceededError
from pipeline.xlsx.archive import Archive, damaged
from pipeline.xlsx.limits import MIB, XlsxLimits
from pipeline.xlsx.xmlstream import LocalNames, PartParser, too_deep

SPOOL_BYTES = 32 * MIB
CACHE_SIZE = 4096
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def unescape(text: str) -> str:
    """A cell's text as Excel shows it. OOXML writes a character as ``_xHHHH_`` (its UTF-16
    code unit in hex; ST_Xstring) where XML cannot hold it or where the text itself reads
    like a code: ``_x000D_`` is a carriage return, ``_x005F_`` an underscore, so
    ``_x005F_x0041_`` is the text ``_x0041_``; an emoji may come as its two surrogates
    (``_xD83D__xDE00_``), joined here, and a lone one, which no text holds, becomes U+FFFD.
    ``_x0000_`` is kept as written: no text holds a NUL (a CSV with one is refused). A line
    break ends as one line feed, the break the workbook's XML holds: Excel stores a pasted
    CR LF as ``_x000D_`` and a line feed and shows the two as one break, so the model, the
    themes and the results see that break, never a code or a stray carriage return. (A CSV's
    cell differs: its bytes are the file's own text, so a CR LF in it is kept as written,
    ``pipeline.inputs``.)"""
    if "_x" in text:
        text = _ESCAPED.sub(_character, text)
        if _SURROGATES.search(text):
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _character(code: re.Match[str]) -> str:
    point = int(code.group(1), 16)
    return code.group(0) if point == 0 else chr(point)


class SharedStrings:
    """Filled by ``append`` while the table is read, then only read."""

    def __init__(self) -> None:
        self._memory = bytearray()
        self._spilled: IO[bytes] | None = None
        self._starts = array("Q", [0])
        self._cache: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._starts) - 1

    def append(self, text: str) -> None:
        data = text.encode("utf-8")
        if self._spilled is None and len(self._memory) + len(data) > SPOOL_BYTES:
            self._spilled = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._spilled.write(self._memory)
            self._memory = bytearray()
        if self._spilled is None:
            self._memory += data
        else:
            self._spilled.write(data)
        self._starts.append(self._starts[-1] + len(data))

    def get(self, index: int) -> str:
        text = self._cache.get(index)
        if text is not None:
            return text
        if not 0 <= index < len(self):
            raise damaged(f"a cell names shared string {index}, but the table has {len(self)}")
        start, end = self._starts[index], self._starts[index + 1]
        if self._spilled is None:
            text = self._memory[start:end].decode("utf-8")
        else:
            text = os.pread(self._spilled.fileno(), end - start, start).decode("utf-8")
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[index] = text
        return text

    def finish(self) -> None:
        """The table is complete: what was written to the file is readable."""
        if self._spilled is not None:
            self._spilled.flush()

    def close(self) -> None:
        if self._spilled is not None:
            self._spilled.close()


class _TableReader:
    """``<sst><si>`` items, each the text of its ``<t>`` runs (phonetic ``<rPh>`` runs left
    out, as Excel shows them). Called by expat directly: a table may hold millions."""

    def __init__(self, table: SharedStrings, part: str, limits: XlsxLimits) -> None:
        self.table = table
        self._part = part
        self._limits = limits
        self._depth = 0
        self._pieces: list[str] = []
        self._chars = 0
        self._in_text = False
        self._phonetic = 0
        self._locals = LocalNames()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > self._limits.max_depth:
            raise too_deep(self._part, self._limits)
        local = self._locals[name]
        if local == "t":
            self._in_text = self._phonetic == 0
        elif local == "si":
            self._pieces = []
            self._chars = 0
        elif local == "rPh":
            self._phonetic += 1
        elif local == "sst":
            self._check_count(attributes.get("uniqueCount", "0"))

    def end(self, name: str) -> None:
        self._depth -= 1
        local = self._locals[name]
        if local == "t":
            self._in_text = False
        elif local == "rPh":
            self._phonetic -= 1
        elif local == "si":
            if len(self.table) >= self._limits.max_shared_strings:
                raise self._too_many()
            self.table.append(unescape("".join(self._pieces)))

    def text(self, data: str) -> None:
        if self._in_text:
            self._chars += len(data)
            if self._chars > self._limits.max_cell_chars:
                raise LimitExceededError(
                    f"a shared string of the workbook is over {self._limits.max_cell_chars:,} "
                    "characters"
                )
            self._pieces.append(data)

    def _check_count(self, declared: str) -> None:
        if declared.isdigit() and int(declared) > self._limits.max_shared_strings:
            raise self._too_many()

    def _too_many(self) -> LimitExceededError:
        return LimitExceededError(
            f"the workbook's shared-strings table holds over "
            f"{self._limits.max_shared_strings:,} strings"
        )


def read_shared_strings(archive: Archive, part: str | None) -> SharedStrings:
    table = SharedStrings()
    if part is None:
        return table
    reader = _TableReader(table, part, archive.limits)
    try:
        PartParser(part, reader, archive.limits, direct=True).feed_all(archive.blocks(part))
        table.finish()
    except BaseException:
        table.close()
        raise
    return table
