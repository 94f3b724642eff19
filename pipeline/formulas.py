"""Cells that are safe to open in a spreadsheet: the one escaping rule for every file we write.

A cell such as ``=HYPERLINK(...)`` or ``+cmd|...`` in a comment would run as a formula in
Excel or LibreOffice (CSV injection). Every text cell that starts with ``=``, ``+``, ``-`` or
``@``, or with a tab or carriage return (which spreadsheets strip before looking), gets a
leading apostrophe, as OWASP recommends; spreadsheets show such a cell as text. A plain number
such as ``-3`` or ``+4.5`` is left alone: it cannot run, and escaping it would turn a numeric
column into text (OWASP escapes those too; we document the difference). Non-text values
(scores, counts, None) are never touched.

Used by the results CSV the workers store and every download path (API, CLI, ``analyze``)
and by the app's CSV and XLSX exports (``pipeline.ui.exports``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def escape_cell(value: object) -> object:
    """The value a spreadsheet will show as text, never evaluate."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return ESCAPE + value


def escape_row(values: Iterable[object]) -> list[object]:
    return [escape_cell(value) for value in values]
