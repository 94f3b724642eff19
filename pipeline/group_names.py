"""How a group (a course, an instructor…) is named wherever one is shown or asked for: the
summary, the reports, each group's own report and the API's ``group=``. Pure and light, so a
command that only prints a table imports it without the backend.

A value is named as written and the rows without one "(blank)". A value that reads like such a
name ("(blank)" is what an Excel pivot table writes for an empty cell; "(all)", the row of
every comment) is named quoted, ``"(blank)" (as written)``, and so is one already of that form:
no two groups share a name, and ``group_cell`` reads every name back to its own group.
"""

from __future__ import annotations

import re

from pipeline.errors import InputError

BLANK = "(blank)"
"""How every page, report and answer names the rows without a value in a group column."""
ALL = "(all)"
"""How a table of groups names its row of every comment."""
NAMES_NOTE = (
    "'(blank)' for the rows without a value; a value written (blank) or (all) is named "
    "'\"(blank)\" (as written)', '\"(all)\" (as written)'"
)
"""How a parameter that takes one group says how groups are named."""
_AS_WRITTEN = re.compile(r'"(.*)" \(as written\)', re.DOTALL)


def group_name(value: object) -> str:
    """The group's name: its value as written, "(blank)" for an empty or missing one, and a
    value that would read as another name quoted (``"(blank)" (as written)``)."""
    if value is None or str(value) == "":
        return BLANK
    text = str(value)
    if text in (BLANK, ALL) or _AS_WRITTEN.fullmatch(text):
        return f'"{text}" (as written)'
    return text


def group_cell(name: str) -> str:
    """The stored cell the group named ``name`` holds, ``""`` for the rows without a value:
    the inverse of ``group_name``. A name no group bears (``(all)``) is taken as written: a
    request for one group refuses it first (``check_asked``)."""
    if name == BLANK:
        return ""
    quoted = _AS_WRITTEN.fullmatch(name)
    return quoted.group(1) if quoted else name


def check_asked(name: str, column: str) -> None:
    """InputError for the name ``(all)``, which is every comment's and no group's: read as a
    cell it would pick the value written "(all)" and show that group's figures under the name
    every table gives all comments."""
    if name == ALL:
        raise InputError(
            f"group {ALL} is every comment, not one group: leave out group for every comment, "
            f'or ask for "{ALL}" (as written) for the {column} value written {ALL}'
        )
