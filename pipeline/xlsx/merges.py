"""A sheet's merged cells: a value Excel shows down several rows belongs to each of them.

Report-style workbooks merge a group's cell down the rows of its comments (one ``CHEM110``
beside twenty comments). The file holds the value in the top cell only, so read row by row the
other rows would have no course and fall into a group of their own. Excel lists a sheet's
merged ranges after its rows (``<mergeCells>``); the archive's check pass, which inflates every
byte of a part before its rows are parsed, hands each block to a ``MergeScan``, so the reader
knows the ranges from the first row on.

Only downward fills are made, in a range's first column: the rows below the top one, within
the range, get its value (a merge across columns is one cell whose other columns stay empty).
The comment column is never filled: a comment merged over rows is one comment, not one a row.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from pipeline.errors import LimitExceededError

_MARK = b"mergeCell"
_RANGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=[\"']"
    rb"([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})[\"']"
)
_CARRY = 512
"""Bytes of one block kept with the next, so that a range split between blocks is found."""


@dataclass(frozen=True, order=True)
class DownFill:
    """A merged range more than one row tall: its first column's top value fills its rows."""

    first_row: int
    last_row: int
    column: int
    """0-based."""


class MergeScan:
    """The downward fills of a sheet's merged ranges, from its XML's blocks in order."""

    def __init__(self, max_ranges: int) -> None:
        self._max_ranges = max_ranges
        self._carry = b""
        self._found: set[DownFill] = set()

    def feed(self, block: bytes) -> None:
        window = self._carry + block
        if _MARK in window:
            for match in _RANGE.finditer(window):
                self._add(*match.groups())
        self._carry = window[-_CARRY:]

    @property
    def fills(self) -> tuple[DownFill, ...]:
        return tuple(sorted(self._found))

    def _add(self, first_letters: bytes, first: bytes, last_letters: bytes, last: bytes) -> None:
        top, bottom = sorted((int(first), int(last)))
        if bottom == top:
            return
        column = min(_column(first_letters), _column(last_letters))
        self._found.add(DownFill(top, bottom, column))
        if len(self._found) > self._max_ranges:
            raise LimitExceededError(
                f"a sheet has over {self._max_ranges:,} ranges of cells merged down several rows: "
                "save it as CSV UTF-8 and upload that"
            )


def _column(letters: bytes) -> int:
    """``b"AB"`` → 27 (0-based)."""
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column - 1


def fills_by_row(
    fills: tuple[DownFill, ...],
    header_row: int,
    first_column: int,
    width: int,
    keep: Collection[int],
) -> dict[int, list[tuple[int, int]]]:
    """For each row a fill starts on: (the value's index in a table row, the fill's last row),
    for the fills below the header within the table's columns, except the columns ``keep``
    (indices in a table row: the comments)."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for fill in fills:
        index = fill.column - first_column
        if fill.first_row > header_row and 0 <= index < width and index not in keep:
            starts.setdefault(fill.first_row, []).append((index, fill.last_row))
    return starts
