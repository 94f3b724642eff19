"""Downloads that are safe to open in a spreadsheet, and the results table read back from CSV.

Every text cell and header goes through ``pipeline.formulas.escape_cell``, the one escaping
rule of every file the product writes (see that module for what is escaped and why). A CSV
holds it as a leading apostrophe; a workbook holds the text as written, as a text cell with
the style Excel gives a cell typed with a leading apostrophe (``quotePrefix``), so a comment
"-3 stars" reads, sorts and matches as "-3 stars" and still never runs.
"""

from __future__ import annotations

import io
import re
import shlex
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from pipeline.client import Summary
from pipeline.csv_rows import quoting_for
from pipeline.errors import LimitExceededError
from pipeline.file_names import safe_name
from pipeline.formulas import escape_cell
from pipeline.group_names import ALL, group_name
from pipeline.messages import echo

SCORE_PREFIX = "score_"
XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
XLSX_CELL_CHARS = 32_767
"""The most characters an Excel cell holds: a longer text (a comment past 32,767 characters,
accepted when PIPELINE_MAX_COMMENT_CHARS allows it, or kept unlabelled as over the limit) is
cut to this in a workbook, and said so (``CellsCut``); the CSV holds it whole."""
CUT_ROWS_NAMED = 10
"""The rows a ``CellsCut`` message names per column; the rest are counted."""

# Control characters that the XLSX format cannot hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN_NUMBER = re.compile(r"[+-]?(0|[1-9][0-9]*)(?:\.([0-9]+))?")
"""A cell of the input that a workbook may hold as a number: digits, a sign, a decimal point.
Not ``007`` or ``0123`` (a code whose zeros count), ``1e5``, ``inf``, ``nan`` or ``1,000``.
A column of them is held as numbers only if no two of its texts are one number and, where a
cell ends in a zero after the point (``4.0``), all have as many decimals, shown with that
many (``plain_number_columns``): sections ``1.1`` and ``1.10``, or ``1.10`` beside ``2``,
are codes and stay text; ratings ``4.0`` and ``3.5`` read as written."""
_EXACT_DIGITS = 15
"""The digits a spreadsheet's number keeps; a longer one (an id) stays text, whole."""


class CellsCut(UserWarning):
    """A workbook holds texts cut to ``XLSX_CELL_CHARS``; the message names the column and the
    rows, and that the CSV holds them whole. A warning, so that every caller of
    ``to_xlsx_bytes`` is told without a change to what it returns: the command line shows it
    as a line of its own (``pipeline.cli.output.cuts_told``), not as a Python warning."""


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) escaped; numeric columns are untouched."""
    escaped = frame.copy()
    for column in escaped.columns:
        if _is_text(escaped[column]):
            escaped[column] = escaped[column].map(escape_cell)
    escaped.columns = [escape_cell(str(column)) for column in escaped.columns]
    return escaped


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM, so Excel opens accented comments correctly; every value quoted when
    one holds a carriage return (``pipeline.csv_rows``)."""
    escaped = escape_frame(frame)
    quoting = quoting_for(escaped.itertuples(index=False, name=None))
    return escaped.to_csv(index=False, quoting=quoting).encode("utf-8-sig")


def to_xlsx_bytes(
    frame: pd.DataFrame, sheet_name: str = "results", decimals: Mapping[str, int] | None = None
) -> bytes:
    """The table as a workbook whose cells never run: every text cell ``escape_cell`` would
    escape (a header too) is written as text, as written, with ``quotePrefix``; the columns
    ``decimals`` names are shown with that many decimals."""
    if len(frame) > XLSX_MAX_ROWS:
        raise LimitExceededError(
            f"{len(frame):,} rows do not fit in an Excel sheet ({XLSX_MAX_ROWS:,} at most); "
            "download the CSV instead"
        )
    legal = frame.copy()
    for column in legal.columns:
        if _is_text(legal[column]):
            legal[column] = legal[column].map(_xlsx_safe)
    shown = {str(column): places for column, places in (decimals or {}).items() if places}
    legal.columns = [_xlsx_safe(str(column)) for column in legal.columns]
    cuts = cut_to_cells(legal)  # before pandas, which would cut them with a warning of its own
    if cuts:
        warnings.warn(cut_note(cuts), CellsCut, stacklevel=2)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        legal.to_excel(writer, index=False, sheet_name=sheet_name)
        sheet = writer.sheets[sheet_name]
        for place, column in enumerate(legal.columns, start=1):
            _as_text(sheet.cell(row=1, column=place), column)
            values = legal[column]
            if _is_text(values):  # after the illegal characters: "\x01=" bares a formula
                for row, value in enumerate(values, start=2):
                    _as_text(sheet.cell(row=row, column=place), value)
            if column in shown:
                number_format = "0." + "0" * shown[column]
                for row in range(2, len(legal) + 2):
                    sheet.cell(row=row, column=place).number_format = number_format
    return buffer.getvalue()


def cut_to_cells(frame: pd.DataFrame) -> list[tuple[int, str]]:
    """Cut ``frame``'s texts (its header's too) longer than ``XLSX_CELL_CHARS`` to that, in
    place; returns the cells cut as (row of the sheet, counting the header as 1; column),
    column by column."""
    names = [str(column) for column in frame.columns]
    cuts = cells_past_limit(frame)
    for place, name in enumerate(names):
        at = [row - 2 for row, column in cuts if column == name and row > 1]
        if at:
            frame.iloc[at, place] = frame.iloc[at, place].str.slice(0, XLSX_CELL_CHARS)
    frame.columns = [name[:XLSX_CELL_CHARS] for name in names]
    return cuts


def cells_past_limit(frame: pd.DataFrame) -> list[tuple[int, str]]:
    """The cells of ``frame`` (its header's too) longer than an Excel cell holds, as (row of
    the sheet, counting the header as 1; column), column by column: what a workbook of it
    would cut, known before one is written (the app says it beside its Excel button)."""
    names = [str(column) for column in frame.columns]
    cells = [(1, name) for name in names if len(name) > XLSX_CELL_CHARS]
    for place, name in enumerate(names):
        values = frame.iloc[:, place]
        if not _is_text(values):
            continue
        lengths = values.map(lambda value: len(value) if isinstance(value, str) else 0)
        cells += [
            (int(row) + 2, name) for row in (lengths > XLSX_CELL_CHARS).to_numpy().nonzero()[0]
        ]
    return cells


def cut_note(cuts: Sequence[tuple[int, str]]) -> str:
    """What a workbook says of its cut cells: ``2 cells cut to 32,767 characters in the
    workbook (the most an Excel cell holds): 'comment' in rows 2 and 5; the CSV holds them
    whole``."""
    rows: dict[str, list[int]] = {}
    for row, column in cuts:
        rows.setdefault(column, []).append(row)
    where = "; ".join(f"{echo(column)} in {_rows_text(at)}" for column, at in rows.items())
    them = "it" if len(cuts) == 1 else "them"
    return (
        f"{len(cuts):,} cell{'s' if len(cuts) != 1 else ''} cut to {XLSX_CELL_CHARS:,} "
        f"characters in the workbook (the most an Excel cell holds): {where}; the CSV holds "
        f"{them} whole"
    )


def _rows_text(rows: Sequence[int]) -> str:
    """``row 2``, ``rows 2 and 5``, ``rows 2, 5, … and 40 more``."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    named = [f"{row:,}" for row in rows[:CUT_ROWS_NAMED]]
    left = len(rows) - len(named)
    if left:
        return f"rows {', '.join(named)} and {left:,} more"
    return f"rows {', '.join(named[:-1])} and {named[-1]}"


def _as_text(cell: Any, value: object) -> None:
    """A text cell a spreadsheet could run (``escape_cell`` would escape it) written as text,
    as written, with Excel's mark of a typed leading apostrophe: openpyxl makes a formula
    of a string starting with "=" unless told it is text."""
    if isinstance(value, str) and escape_cell(value) != value:
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True


RAW_WORKBOOK = (
    "--raw is for a CSV a program reads; an .xlsx opens in a spreadsheet, where a raw '=…' "
    "cell would run: name a .csv file, or drop --raw"
)
"""Why a results workbook is never raw (the command line's refusal)."""


def results_workbook(raw_csv: bytes) -> bytes:
    """The results CSV as stored (raw) as the Excel file the app downloads."""
    return results_table_workbook(results_frame(raw_csv))


def results_table_workbook(results: pd.DataFrame) -> bytes:
    """The results table (``results_frame``) as the Excel file the app, ``results`` and
    ``analyze`` give: every cell that could run held as text, the scores numbers, and so is
    every input column whose every non-empty cell is a plain number with as many decimals (a
    1-5 rating), which Excel can then sum and average, shown as written; any other cell
    stays the CSV's text (a section ``001`` stays ``001``, ``1.10`` stays ``1.10``)."""
    frame = results.copy()
    decimals = plain_number_columns(frame)
    for column in decimals:
        frame[column] = as_numbers(frame[column])
    return to_xlsx_bytes(frame, decimals=decimals)


def as_numbers(values: pd.Series) -> pd.Series:
    """A column of a CSV read as text, as numbers: blank where the CSV is. The rule of every
    workbook a command writes (``pipeline.cli.output.write_table``)."""
    return pd.to_numeric(values.replace("", None), errors="coerce")


def plain_number_columns(frame: pd.DataFrame) -> dict[str, int]:
    """The text columns a workbook holds as numbers (``_PLAIN_NUMBER``, at most 15 digits,
    one at least), each with the decimals to show (0: as a spreadsheet shows any number)."""
    found: dict[str, int] = {}
    for column in frame.columns:
        if _is_text(frame[column]):
            places = _plain_number_decimals(frame[column])
            if places is not None:
                found[str(column)] = places
    return found


def _plain_number_decimals(values: pd.Series) -> int | None:
    """The decimals to show a column of plain numbers with; None if it is not one."""
    texts = {value for value in values if value != ""}
    places: set[int] = set()
    trailing_zero = False
    for value in texts:
        number = _PLAIN_NUMBER.fullmatch(value) if isinstance(value, str) else None
        if number is None or len(value.lstrip("+-").replace(".", "").lstrip("0")) > _EXACT_DIGITS:
            return None
        fraction = number.group(2) or ""
        places.add(len(fraction))
        trailing_zero = trailing_zero or fraction.endswith("0")
    if not texts or len({float(value) for value in texts}) < len(texts):
        return None  # none, or two texts of one number ("1.1", "1.10"; "4", "+4")
    if len(places) == 1:
        return places.pop()
    return None if trailing_zero else 0


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
    per label. The download of the summary table, its groups named as in every other output
    (``group_name``): the rows without a value "(blank)", a value written "(all)" or "(blank)"
    quoted, so neither reads as the row of every comment or as the blank rows."""
    parts = [summary.overall, *summary.groups]
    records = []
    for part in parts:
        record: dict[str, object] = {
            summary.group_by or "group": ALL if part is summary.overall else group_name(part.group),
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


ZIP_MAX_REPORTS = 300
"""Reports one ZIP of the app holds: the page makes them one after another in its run and
keeps the ZIP in the browser session's memory; the command line writes any number to a
folder (``each_group_command``)."""


def each_group_command(request_id: str, group_by: str) -> str:
    """The command that writes every group's own report into a folder, quoted for a shell
    (an id that begins with ``-`` comes after ``--``, where no option is read)."""
    options = f"--group-by {shlex.quote(group_by)} --each-group"
    if request_id.startswith("-"):
        return f"sentiment-pipeline report {options} -- {shlex.quote(request_id)}"
    return f"sentiment-pipeline report {shlex.quote(request_id)} {options}"


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
