"""Reading an upload's first rows and guessing which columns hold the comments and groups."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import EmptyInputError
from pipeline.inputs import check_utf8, detect_format, iter_chunks, read_columns

PREVIEW_ROWS = 20
TEXT_NAMES = (
    "comment",
    "comments",
    "text",
    "feedback",
    "review",
    "response",
    "answer",
    "remark",
    "remarks",
    "opinion",
    "message",
)
GROUP_NAMES = frozenset(
    {
        "course",
        "module",
        "class",
        "section",
        "instructor",
        "teacher",
        "lecturer",
        "professor",
        "tutor",
        "term",
        "semester",
        "year",
        "department",
        "faculty",
        "programme",
        "program",
        "campus",
    }
)


@dataclass(frozen=True)
class Preview:
    format: str
    columns: tuple[str, ...]
    rows: pd.DataFrame


def preview_upload(content: bytes, filename: str, rows: int = PREVIEW_ROWS) -> Preview:
    """The file's format, columns and first rows. It uses the server's own reading code, so a
    bad file is refused here with the same message before anything is uploaded."""
    if not content:
        raise EmptyInputError(f"{filename} is empty")
    with tempfile.TemporaryDirectory(prefix="preview-") as folder:
        path = Path(folder) / f"upload{Path(filename).suffix.lower()}"
        path.write_bytes(content)
        fmt = detect_format(path, filename)
        if fmt != "xlsx":
            check_utf8(path)
        columns = read_columns(path, fmt)
        first = next(iter_chunks(path, fmt, "", chunk_rows=rows), None)
    if first is None:
        raise EmptyInputError(f"{filename} has a header but no rows")
    return Preview(format=fmt, columns=columns, rows=first.reset_index(drop=True))


def guess_text_column(columns: Sequence[str], sample: pd.DataFrame | None = None) -> str | None:
    """A column named like comments, else one whose name contains such a word, else the
    column with the longest text in the sample (free text is longer than codes and names)."""
    if not columns:
        return None
    by_name = {column.strip().lower(): column for column in columns}
    for name in TEXT_NAMES:
        if name in by_name:
            return by_name[name]
    for name in TEXT_NAMES:
        for column in columns:
            if name in _words(column):
                return column
    candidates = [c for c in columns if not set(_words(c)) & GROUP_NAMES]
    if sample is not None and candidates:
        lengths = {c: _mean_length(sample[c]) for c in candidates if c in sample.columns}
        if lengths:
            return max(lengths, key=lambda column: lengths[column])
    return (candidates or list(columns))[0]


def guess_group_columns(columns: Sequence[str], text_column: str | None) -> list[str]:
    """Columns named like course, instructor or term: the usual ways to compare comments."""
    return [c for c in columns if c != text_column and set(_words(c)) & GROUP_NAMES]


def _words(name: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word]


def _mean_length(values: pd.Series) -> float:
    texts = values.fillna("").astype(str)
    return float(texts.str.len().mean()) if len(texts) else 0.0
