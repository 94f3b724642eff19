"""A command's refusal of a file whose comment column was neither given nor named like
comments, with the fix written out: the columns whose first rows hold free text (those the
app's picker offers as open questions), as ``--text-column`` options to copy. The API takes
a column by its name only, never by a guess at its content; the command has the file at
hand, so it can say which columns look like comments."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pipeline.column_guess import guess_more_text_columns, preview_file
from pipeline.errors import InputError, MissingColumnError
from pipeline.input_header import CHOOSE_TEXT_COLUMN
from pipeline.inputs import asked_columns


@contextmanager
def column_hint(text_column: Sequence[str], source: Path, sheet: str | None) -> Iterator[None]:
    """Re-raise the refusal to choose a comment column with ``hinted``'s options; any other
    error, or one for a column that was given, as it is."""
    try:
        yield
    except MissingColumnError as exc:
        if asked_columns(text_column) or not str(exc).startswith(CHOOSE_TEXT_COLUMN):
            raise
        raise hinted(exc, source, sheet) from None


def hinted(refusal: MissingColumnError, source: Path, sheet: str | None) -> MissingColumnError:
    """``refusal`` with the free-text columns of ``source``'s first rows as options to add;
    as it is when there are none, or when the file cannot be previewed."""
    try:
        preview = preview_file(source, source.name, sheet=sheet)
    except (InputError, OSError):
        return refusal
    columns = guess_more_text_columns(list(preview.columns), None, preview.rows, preview.questions)
    if not columns:
        return refusal
    options = " ".join(f"--text-column {shlex.quote(column)}" for column in columns)
    return MissingColumnError(f"{refusal}. For the free text of its first rows, add {options}")
