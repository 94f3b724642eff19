"""Downloads that are safe to open in a spreadsheet, and the results table read back from CSV.

Every text cell and header goes through ``pipeline.formulas.escape_cell``, the one escaping
rule of every file the product writes (see that module for what is escaped and why).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence

import pandas as pd

from pipeline.client import Summary
from pipeline.errors import LimitExceededError
from pipeline.file_names import safe_name
from pipeline.formulas import escape_cell

SCORE_PREFIX = "score_"
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
# Control characters that the XLSX format cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN_NUMBER = re.compile(r"[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?")
"""A cell of the input that a workbook may hold as a number: digits, a sign, a decimal point.
Not ``007`` or ``0123`` (a code whose zeros count), ``1e5``, ``inf``, ``nan`` or ``1,000``."""
_EXACT_DIGITS = 15
"""The digits a spreadsheet's number keeps; a longer one (an id) stays text, whole."""


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) escaped; numeric columns are untouched."""
    escaped = frame.copy()
    for column in escaped.columns:
        if _is_text(escaped[column]):
            escaped[column] = escaped[column].map(escape_cell)
    escaped.columns = [escape_cell(str(column)) for column in escaped.columns]
    return escaped


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM, so Excel opens accented comments correctly."""
    return escape_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "results") -> bytes:
    if len(frame) > XLSX_MAX_ROWS:
        raise LimitExceededError(
            f"{len(frame):,} rows do not fit in an Excel sheet ({XLSX_MAX_ROWS:,} at most); "
            "download the CSV instead"
        )
    legal = frame.copy()
    for column in legal.columns:
        if _is_text(legal[column]):
            legal[column] = legal[column].map(_xlsx_safe)
    legal.columns = [_xlsx_safe(str(column)) for column in legal.columns]
    clean = escape_frame(legal)  # after: a dropped "\x01" must not bare an "=" behind it
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        clean.to_excel(writer, index=False, sheet_name=sheet_name)
    return buffer.getvalue()


RAW_WORKBOOK = (
    "--raw is for a CSV a program reads; an .xlsx opens in a spreadsheet, where a raw '=…' "
    "cell would run: name a .csv file, or drop --raw"
)
"""Why a results workbook is never raw (the command line's refusal)."""


def results_workbook(raw_csv: bytes) -> bytes:
    """The results CSV as stored (raw) as the Excel file the app downloads: every cell that
    could run escaped, the scores numbers, and so is every input column whose every non-empty
    cell is a plain number (a 1-5 rating), which Excel can then sum and average; any other
    cell stays the CSV's text (a section ``001`` stays ``001``)."""
    frame = results_frame(raw_csv)
    for column in plain_number_columns(frame):
        frame[column] = as_numbers(frame[column])
    return to_xlsx_bytes(frame)


def as_numbers(values: pd.Series) -> pd.Series:
    """A column of a CSV read as text, as numbers: blank where the CSV is. The rule of every
    workbook a command writes (``pipeline.cli.output.write_table``)."""
    return pd.to_numeric(values.replace("", None), errors="coerce")


def plain_number_columns(frame: pd.DataFrame) -> list[str]:
    """The text columns whose every non-empty cell is a plain number (``_PLAIN_NUMBER``, at
    most 15 digits) and that have one at least: those a workbook holds as numbers."""
    return [
        str(column)
        for column in frame.columns
        if _is_text(frame[column]) and _all_plain_numbers(frame[column])
    ]


def _all_plain_numbers(values: pd.Series) -> bool:
    filled = [value for value in values if value != ""]
    return bool(filled) and all(
        isinstance(value, str)
        and _PLAIN_NUMBER.fullmatch(value) is not None
        and len(value.lstrip("+-").replace(".", "").lstrip("0")) <= _EXACT_DIGITS
        for value in filled
    )


def results_frame(csv_bytes: bytes) -> pd.DataFrame:
    """The server's results CSV with input columns kept as text and scores as numbers."""
    frame = pd.read_csv(
        io.BytesIO(csv_bytes), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    for column in score_columns(frame.columns):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def score_columns(columns: Sequence[str]) -> list[str]:
    return [str(c) for c in columns if str(c).startswith(SCORE_PREFIX)]


def summary_frame(summary: Summary) -> pd.DataFrame:
    """One row for all comments and one per group: rows, errors, count, share and mean score
    per label. The download of the summary table."""
    parts = [summary.overall, *summary.groups]
    records = []
    for part in parts:
        record: dict[str, object] = {
            summary.group_by or "group": "(all)" if part is summary.overall else part.group,
            "rows": part.rows,
            "errors": part.errors,
        }
        for label in summary.labels:
            record[f"count_{label}"] = part.counts.get(label, 0)
            record[f"share_{label}"] = part.shares.get(label)
            record[f"mean_score_{label}"] = part.mean_scores.get(label)
        records.append(record)
    return pd.DataFrame.from_records(records)


def report_file_name(
    stem: str, group: str | None, report_format: str, value: str | None = None
) -> str:
    """``evaluations-AbC123xy-report-by-course.pdf`` (one course's:
    ``evaluations-AbC123xy-report-course-CHEM110.pdf``): the group column and value in
    letters, digits, ``-`` and ``_`` only, whatever the file's header calls them."""
    by = safe_name(group or "")[:40]
    if value is not None and by:
        return f"{stem}-report-{by}-{safe_name(value)[:40] or 'group'}.{report_format}"
    return f"{stem}-report{f'-by-{by}' if by else ''}.{report_format}"


def reports_zip(reports: Iterable[tuple[str, bytes]]) -> bytes:
    """One ZIP of ``(file name, content)`` pairs, in the order given: every group's own report
    in one download. Names must already be safe and distinct (``file_names.distinct_names``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in reports:
            archive.writestr(name, content)
    return buffer.getvalue()


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or pd.api.types.is_string_dtype(values)


def _xlsx_safe(value: object) -> object:
    return _XLSX_ILLEGAL.sub("", value) if isinstance(value, str) else value
