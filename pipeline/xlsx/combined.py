"""Several sheets read as one table: a workbook of one sheet per course, term or instructor,
each with the same kind of table. Pure: the tables' layouts in, the long table's columns and
rows out.

Each row gains the name of its sheet (column ``sheet``, or ``sheet_2``… when a sheet already
has a column of that name), so the sheets can be compared like any other group. A column
is one column across sheets whatever its case (``Comment`` and ``comment``); a sheet without
one of the columns leaves it blank in its rows.

Where several sheets hold one table and others another (a summary in front of the course
sheets: its ``Comments`` a count), the sheets of that one table are read (``alike_sheets``):
a summary read with them would make its numbers comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.errors import AmbiguousColumnError
from pipeline.input_melt import free_name
from pipeline.messages import echo
from pipeline.xlsx.layout import SheetLayout

ALL_SHEETS = "*"
"""The sheet to ask for to read every sheet whose header names the comment column: Excel
allows no ``*`` in a sheet's name, so it names no single sheet."""
SHEET_COLUMN = "sheet"


@dataclass(frozen=True)
class CombinedTable:
    layouts: tuple[SheetLayout, ...]
    columns: tuple[str, ...]
    """The sheet's name, then every sheet's columns in the order they are first met."""
    positions: tuple[tuple[int, ...], ...]
    """For each sheet, where each of its own columns lands in ``columns``."""

    def row(self, sheet: int, values: Sequence[str]) -> list[str]:
        """A row of the ``sheet``-th table as a row of the long one."""
        row = [""] * len(self.columns)
        row[0] = self.layouts[sheet].sheet
        for position, value in zip(self.positions[sheet], values, strict=True):
            row[position] = value
        return row


def combine(layouts: Sequence[SheetLayout]) -> CombinedTable:
    union: list[str] = []
    where: dict[str, int] = {}
    for layout in layouts:
        for column in layout.columns:
            if column.casefold() not in where:
                where[column.casefold()] = len(union)
                union.append(column)
    sheet_column = free_name(SHEET_COLUMN, union)
    positions = tuple(
        tuple(where[column.casefold()] + 1 for column in layout.columns) for layout in layouts
    )
    return CombinedTable(tuple(layouts), (sheet_column, *union), positions)


def same_table(first: Sequence[str], second: Sequence[str]) -> bool:
    """Two headers of one table: more than half of the narrower one's columns in common,
    ignoring case (``Instructor, Comment`` and ``instructor, comment, Section``; not a notes
    sheet's ``Comment, Author`` beside an export's five columns)."""
    common = len(shared_columns(first, second))
    return common * 2 > min(len(first), len(second))


def shared_columns(own: Sequence[str], other: Sequence[str]) -> list[str]:
    """The columns of ``own`` that ``other`` has too, ignoring case, as ``own`` spells them."""
    wanted = {column.casefold() for column in other}
    return [column for column in own if column.casefold() in wanted]


def alike_sheets(layouts: Sequence[SheetLayout]) -> list[SheetLayout]:
    """The sheets, of ``layouts``, that hold one table (``same_table`` with another of
    them), when two or more do: the most of them, in tab order; empty when no two do. Two
    tables each held by as many sheets are refused: which one is meant cannot be told."""
    groups = _alike_groups([layout.columns for layout in layouts])
    most = max((len(group) for group in groups), default=0)
    if most < 2:
        return []
    largest = [group for group in groups if len(group) == most]
    if len(largest) > 1:
        tables = "; ".join(
            ", ".join(echo(layouts[index].sheet) for index in group) for group in largest
        )
        raise AmbiguousColumnError(
            f"the sheets hold {len(largest)} different tables, each on {most} sheets "
            f"({tables}): read as one they would mix them; give the name of the one sheet to "
            "read, or put each table's sheets in a workbook of their own"
        )
    return [layouts[index] for index in largest[0]]


def _alike_groups(headers: Sequence[Sequence[str]]) -> list[list[int]]:
    """The headers' indices in groups of one table: each alike (``same_table``) with another
    of its group; in order of each group's first."""
    parent = list(range(len(headers)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for index, header in enumerate(headers):
        for before in range(index):
            if same_table(headers[before], header):
                parent[root(index)] = root(before)
    groups: dict[int, list[int]] = {}
    for index in range(len(headers)):
        groups.setdefault(root(index), []).append(index)
    return sorted(groups.values())
