"""Rows that repeat the header: files put together with each part's own header.

A department builds one file of several courses by concatenating one export per course
(``cat *.csv``, ``copy *.csv all.csv``), and some reports stack one block per question, each
under its own ``Comments`` heading. Every header after the first is then a row of the data:
read as one, ``Course,Comments`` would be labelled as a comment and ``Course`` would be a
course of its own. Pure logic: ``pipeline.inputs`` leaves such rows out and counts them
(``ReadOptions.repeated_headers``).

A row repeats the header when each comment column's cell is that column's name and every
other non-empty cell is its own column's name, case and spacing aside (``folded``), and a byte
order mark before it too (each part of a ``cat`` of Excel's "CSV UTF-8" files starts with
one, which readers of text remove, and a cell may keep one a file put there). A column
``clean_header`` named by its place (``0.0 (column 10)``) is matched by the name the file
gives it (``0.0``). A comment that merely says the column's name (``Comments`` beside a
course) is not such a row: the course's cell is not the header's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from pipeline.input_header import blank_place, folded, placed_name

_BOM = "\ufeff"


@dataclass(frozen=True)
class HeaderRepeats:
    """Tells the rows that repeat a header."""

    names: tuple[frozenset[str] | None, ...]
    """Per column, the folded names a non-empty cell of a repeated header may hold (none for
    a column the header left blank, ``column_<n>``); None: any cell, a column the check
    leaves aside (the sheet's name in sheets read as one)."""
    required: tuple[int, ...]
    """The columns whose cell must repeat its name: the comment columns."""

    @classmethod
    def of(
        cls, header: Sequence[str], comments: Sequence[str], ignored: Iterable[int] = ()
    ) -> HeaderRepeats:
        """For ``header`` (the file's column names, as ``clean_header`` gives them), whose
        comment columns are ``comments``; ``ignored`` are columns whose cells never count.
        With no comment column known, every named column must repeat its name."""
        left_aside = set(ignored)
        names = tuple(
            None if position in left_aside else _spellings(name, position)
            for position, name in enumerate(header)
        )
        if comments:
            at = [header.index(name) for name in comments if name in header]
        else:
            at = list(range(len(header)))
        return cls(names, tuple(i for i in at if names[i]))

    def repeats(self, row: Sequence[str]) -> bool:
        """Whether ``row`` (as wide as the header) is the header again."""
        if not self.required:
            return False
        for i in self.required:
            spelled = self.names[i]
            if spelled is None or _bare(row[i]) not in spelled:
                return False
        for value, spelled in zip(row, self.names, strict=False):
            if spelled is not None and value.strip() and _bare(value) not in spelled:
                return False
        return True


def _bare(value: str) -> str:
    """A cell as a header's name is compared: ``folded``, without a byte order mark."""
    return folded(value.lstrip(_BOM))


def _spellings(name: str, position: int) -> frozenset[str]:
    """The folded names a repeated header's cell may hold for the column ``name`` at
    ``position`` (from 0): none for a blank one, which ``clean_header`` calls
    ``column_<n>``."""
    if blank_place(name) == position + 1:
        return frozenset()
    found = {_bare(name)}
    placed = placed_name(name)
    if placed is not None and placed[1] == position + 1:
        found.add(_bare(placed[0]))
    found.discard("")
    return frozenset(found)


@dataclass
class SkippedRows:
    """Rows passed over while a file is read, counted as they are."""

    repeated_headers: int = 0
    empty_rows: int = 0
    """A text file's rows that hold nothing (``ReadOptions.empty_rows``)."""
    repeated_descriptions: int = 0
    """Of ``repeated_headers``, the description rows under them
    (``ReadOptions.repeated_descriptions``)."""


def without_repeats(
    rows: Iterable[list[str]], repeats: HeaderRepeats, skipped: SkippedRows
) -> Iterator[list[str]]:
    """``rows`` without those that repeat the header, each counted in ``skipped``."""
    for row in rows:
        if repeats.repeats(row):
            skipped.repeated_headers += 1
            continue
        yield row
