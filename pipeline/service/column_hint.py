"""The refusal of a file whose comment column was neither given nor named like comments, with
the fix written out: the columns whose first rows hold free text (those the app's picker
offers as open questions), to give as ``text_column``, and as ``--text-column`` options to
copy. A job takes a column by its name only, never by a guess at its content (a wrong guess
would label the wrong text); the guess only says which columns to look at."""

from __future__ import annotations

import shlex
from pathlib import Path

from pipeline.column_guess import guess_more_text_columns, preview_file
from pipeline.errors import InputError, MissingColumnError


def with_free_text_columns(
    refusal: MissingColumnError, source: Path, filename: str, sheet: str | None
) -> MissingColumnError:
    """``refusal`` with the free-text columns of ``source``'s first rows (read as a file named
    ``filename``, on ``sheet``) named as the settings to give; as it is when there are none,
    or when the file cannot be previewed."""
    try:
        preview = preview_file(source, filename, sheet=sheet)
    except (InputError, OSError):
        return refusal
    columns = guess_more_text_columns(list(preview.columns), None, preview.rows, preview.questions)
    if not columns:
        return refusal
    named = ", ".join(repr(column) for column in columns[:-1])
    named = f"{named} and {columns[-1]!r}" if named else repr(columns[-1])
    options = " ".join(f"--text-column {shlex.quote(column)}" for column in columns)
    return MissingColumnError(
        f"{refusal}. For the free text of its first rows, give text_column {named} (on the "
        f"command line, add {options})"
    )
