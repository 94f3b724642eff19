"""Cells that are safe to open in a spreadsheet: the one escaping rule for every file we write.

A cell such as ``=HYPERLINK(...)`` or ``+cmd|...`` in a comment would run as a formula in
Excel or LibreOffice (CSV injection). Every text cell that starts with ``=``, ``+``, ``-`` or
``@``, or with a tab or carriage return (which spreadsheets strip before looking), also after
other control characters, gets a leading apostrophe, as OWASP recommends; spreadsheets show
such a cell as text. A plain number such as ``-3`` or ``+4.5`` is left alone: it cannot run,
and escaping it would turn a numeric column into text (OWASP escapes those too; we document
the difference). Non-text values (scores, counts, None) are never touched.

A spreadsheet whose list separator is ``;`` (Excel in a German, French or Dutch locale) opens a
comma CSV by splitting each line at every ``;``, quoted or not: ``great;=1+1`` becomes a cell
``=1+1``. So, as OWASP advises for the field separator, a ``;`` followed by what would make a
cell run gets the apostrophe after it (``great;'=1+1``): the same rule, at each place such a
spreadsheet starts a cell. A plain number there (``3;-2``) is left, and so is a wink (``;-)``:
``-)`` is no formula), so ordinary comments keep their text.

Used by the results CSV the workers store and every download path (API, CLI, ``analyze``)
and by the app's CSV and XLSX exports (``pipeline.ui.exports``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_LEADING = re.compile(r"[\x00-\x1f\x7f]*")
"""Control characters a spreadsheet, or our own XLSX writer (which must drop the characters
XML cannot hold), may take away before the cell is read: ``\\x01=HYPERLINK(…)`` is a formula
once its first character is gone. (A leading space keeps a cell text: `` =1`` is left.)"""
_RISKY_FIRST = (*FORMULA_PREFIXES, *map(chr, range(0x20)), "\x7f")
"""The first characters that need a closer look; any other is text whatever follows."""


_AFTER_SEPARATOR = re.compile(r";(?=[\x00-\x1f\x7f]*[=+\-@\t\r])([^;]*)")
"""A ``;`` where a cell would start that could run: its rest, up to the next ``;``."""
_HARMLESS_PIECE = re.compile(r"[+-][()\[\]/\\|DPpOo3](?![\w(])")
"""A sign and a bracket, a slash or a letter of a face that no name or call follows cannot
begin a formula that does anything: the winks ``;-)``, ``;-(``, ``;-P``, ``;-D``, ``;-/``."""


def escape_cell(value: object) -> object:
    """The value a spreadsheet will show as text, never evaluate."""
    if not isinstance(value, str):
        return value
    if ";" in value:
        value = _AFTER_SEPARATOR.sub(_escaped_piece, value)
    if not value.startswith(_RISKY_FIRST):
        return value
    if not value.startswith(FORMULA_PREFIXES):
        start = _LEADING.match(value)
        if start is None or not value.startswith(FORMULA_PREFIXES, start.end()):
            return value
    if _NUMBER.fullmatch(value):
        return value
    return ESCAPE + value


def _escaped_piece(match: re.Match[str]) -> str:
    """What follows a ``;`` in a cell, escaped as a cell of its own would be (a spreadsheet
    splitting at ``;`` starts one there)."""
    piece = match.group(1)
    if _NUMBER.fullmatch(piece) or _HARMLESS_PIECE.match(piece):
        return match.group(0)
    return ";" + ESCAPE + piece


def escape_row(values: Iterable[object]) -> list[object]:
    return [escape_cell(value) for value in values]
