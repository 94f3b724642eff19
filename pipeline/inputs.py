"""Read comment files (CSV, XLSX, one-per-line TXT) in chunks, refusing bad input up front.

Everything here is streaming: a file is never loaded whole, so very large uploads stay in
bounded memory. Rows are numbered from 0 in file order (the header is not a row).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import (
    EmptyInputError,
    EncodingError,
    InputError,
    LimitExceededError,
    MissingColumnError,
    UnsupportedFormatError,
)

FORMATS = ("csv", "xlsx", "txt")
TXT_COLUMN = "text"
_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 64 * 1024
_READ_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_comment_chars: int = 20_000


@dataclass(frozen=True)
class InputSummary:
    """What validation learnt about a file: enough to queue a job without reading it again."""

    format: str
    columns: tuple[str, ...]
    text_column: str
    rows: int


def detect_format(path: Path, filename: str | None = None) -> str:
    """Decide the format from the name's extension, checked against the file's first bytes."""
    name = (filename or path.name).lower()
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_ZIP_MAGIC):
        if suffix in ("xlsx", ""):
            return "xlsx"
        raise UnsupportedFormatError(f"{name} is a ZIP/XLSX archive but is named .{suffix}")
    if suffix == "xlsx":
        raise UnsupportedFormatError(f"{name} is named .xlsx but is not an Excel workbook")
    if b"\x00" in head:
        raise UnsupportedFormatError(f"{name} is a binary file, not CSV, XLSX or TXT text")
    if suffix in ("csv", "txt"):
        return suffix
    if suffix in ("xls", "ods", "json", "parquet", "pdf", "docx"):
        raise UnsupportedFormatError(f".{suffix} files are not supported: upload CSV, XLSX or TXT")
    return "txt" if suffix == "" and b"," not in head.split(b"\n", 1)[0] else "csv"


def check_utf8(path: Path) -> None:
    """Refuse anything that is not UTF-8 (a BOM is fine), naming the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = block[exc.start]
                raise EncodingError(
                    f"the file is not UTF-8 text: byte 0x{bad:02x} at offset {offset + exc.start} "
                    "cannot be decoded; save it as UTF-8 (CSV UTF-8 in Excel) and upload again"
                ) from exc
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise EncodingError("the file is not UTF-8 text: it ends inside a character") from exc


def read_columns(path: Path, fmt: str) -> tuple[str, ...]:
    if fmt == "txt":
        return (TXT_COLUMN,)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle), [])
        return tuple(h.strip() for h in names)
    with _open_workbook(path) as rows:
        cells = next(rows, ())
    return tuple("" if h is None else str(h).strip() for h in cells)


def validate_input(
    path: Path,
    text_column: str | None,
    group_by: Sequence[str] = (),
    limits: Limits | None = None,
    filename: str | None = None,
) -> InputSummary:
    """Check everything that can be checked before queueing; raise an InputError naming it."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size == 0:
        raise EmptyInputError("the file is empty")
    if size > limits.max_bytes:
        raise LimitExceededError(
            f"the file is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes"
        )
    fmt = detect_format(path, filename)
    if fmt != "xlsx":
        check_utf8(path)
    columns = read_columns(path, fmt)
    column = text_column or (TXT_COLUMN if fmt == "txt" else "")
    if not column:
        raise MissingColumnError(
            f"choose the comment column: the file has {', '.join(columns) or 'no columns'}"
        )
    for wanted in (column, *group_by):
        if wanted not in columns:
            raise MissingColumnError(
                f"column {wanted!r} is not in the file; its columns are: {', '.join(columns)}"
            )
    rows = 0
    comments = 0
    for chunk in iter_chunks(path, fmt, column, chunk_rows=5000):
        rows += len(chunk)
        if rows > limits.max_rows:
            raise LimitExceededError(f"the file has more than {limits.max_rows:,} rows")
        lengths = chunk[column].str.len()
        too_long = lengths > limits.max_comment_chars
        if too_long.any():
            row = int(too_long.idxmax())
            raise LimitExceededError(
                f"the comment in row {row + 1} has {int(lengths.max()):,} characters, over the "
                f"limit of {limits.max_comment_chars:,}"
            )
        comments += int((chunk[column].str.strip() != "").sum())
    if comments == 0:
        raise EmptyInputError(f"the file has no comments in column {column!r}")
    return InputSummary(format=fmt, columns=columns, text_column=column, rows=rows)


def iter_chunks(
    path: Path, fmt: str, text_column: str, chunk_rows: int, start_row: int = 0
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most ``chunk_rows`` rows, all cells as strings, indexed by their
    0-based row number in the file (the index, not a column: any column name is the user's).

    ``start_row`` skips rows already processed, so a resumed job reads only what is left.
    """
    if fmt not in FORMATS:
        raise UnsupportedFormatError(f"unknown format {fmt!r}")
    if chunk_rows < 1:
        raise InputError("chunk_rows must be at least 1")
    reader = {"csv": _csv_chunks, "xlsx": _xlsx_chunks, "txt": _txt_chunks}[fmt]
    next_row = 0
    for frame in reader(path, chunk_rows):
        frame.index = pd.RangeIndex(next_row, next_row + len(frame))
        next_row += len(frame)
        if next_row <= start_row:
            continue
        if frame.index[0] < start_row:
            frame = frame.loc[start_row:]
        if text_column in frame.columns:
            frame[text_column] = frame[text_column].fillna("")
        yield frame


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    try:
        yield from pd.read_csv(
            path,
            encoding="utf-8-sig",
            dtype=str,
            keep_default_na=False,
            chunksize=chunk_rows,
            skipinitialspace=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise EmptyInputError("the CSV file has no header row") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"the CSV file cannot be parsed: {exc}") from exc


def _txt_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """One comment per non-blank line."""
    batch: list[str] = []
    with path.open(encoding="utf-8-sig", newline=None) as handle:
        for line in handle:
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            batch.append(text)
            if len(batch) == chunk_rows:
                yield pd.DataFrame({TXT_COLUMN: batch}, dtype=str)
                batch = []
    if batch:
        yield pd.DataFrame({TXT_COLUMN: batch}, dtype=str)


def _xlsx_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with _open_workbook(path) as rows:
        header = ["" if h is None else str(h).strip() for h in next(rows, ())]
        batch: list[list[str]] = []
        for values in rows:
            cells = ["" if v is None else str(v) for v in values][: len(header)]
            if not any(c.strip() for c in cells):
                continue
            batch.append(cells + [""] * (len(header) - len(cells)))
            if len(batch) == chunk_rows:
                yield pd.DataFrame(batch, columns=header, dtype=str)
                batch = []
        if batch:
            yield pd.DataFrame(batch, columns=header, dtype=str)


@contextmanager
def _open_workbook(path: Path) -> Iterator[Iterator[tuple[object, ...]]]:
    """Stream the first sheet of an XLSX file row by row (read-only mode)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnsupportedFormatError(f"the Excel file cannot be read: {exc}") from exc
    try:
        yield iter(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
