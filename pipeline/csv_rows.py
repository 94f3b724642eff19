"""CSV rows that every reader splits where the writer meant them to end.

The files the product writes use ``\n`` line ends and minimal quoting (pandas' conventions).
The csv module quotes a value only for the delimiter, the quote and the characters of its line
terminator, so a comment's bare ``\r`` (kept as written since ``pipeline.inputs`` reads cells
with ``newline=""``) would go out unquoted, and readers end the row there. A row that holds a
bare carriage return (no line feed beside it) is written with every value quoted instead.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TextIO


def holds_cr(values: Iterable[object]) -> bool:
    """Whether a value is text with a carriage return and no line feed: the one the csv
    module would leave unquoted (a value with a line feed is quoted anyway, as pandas
    quotes it, so such a row stays byte for byte what it was)."""
    return any(isinstance(value, str) and "\r" in value and "\n" not in value for value in values)


def quoting_for(rows: Iterable[Iterable[object]]) -> Literal[0, 1]:
    """The csv quoting for a whole table (a pandas frame, a DictWriter's rows): every value
    quoted when one holds a bare carriage return, minimal otherwise."""
    return csv.QUOTE_ALL if any(holds_cr(row) for row in rows) else csv.QUOTE_MINIMAL


class RowWriter:
    """``csv.writer`` with ``\n`` line ends that quotes every value of a row holding ``\r``."""

    def __init__(self, handle: TextIO) -> None:
        self._minimal = csv.writer(handle, lineterminator="\n")
        self._quoted = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: Sequence[object]) -> None:
        (self._quoted if holds_cr(row) else self._minimal).writerow(row)

    def writerows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.writerow(row)


class DictRowWriter:
    """``csv.DictWriter`` with ``\n`` line ends that quotes every value of a row holding
    ``\r``."""

    def __init__(self, handle: TextIO, fieldnames: Sequence[str]) -> None:
        self._minimal = csv.DictWriter(handle, fieldnames, lineterminator="\n")
        self._quoted = csv.DictWriter(
            handle, fieldnames, lineterminator="\n", quoting=csv.QUOTE_ALL
        )

    def writeheader(self) -> None:
        self._minimal.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        (self._quoted if holds_cr(row.values()) else self._minimal).writerow(row)
