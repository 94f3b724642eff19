"""Read comment files (CSV, XLSX, one-per-line TXT) in chunks, refusing bad input up front.

Everything here is streaming: a file is never loaded whole, so very large uploads stay in
bounded memory. Rows are numbered from 0 in file order (the header, blank lines, a survey
export's rows describing its columns and rows that repeat the header are not rows).
Validation finds how to read a text file (``ReadOptions``: its encoding and, for a CSV, its
delimiter; see ``pipeline.input_text``); the job keeps them and the worker reads with them.

A CSV is read with the csv module rather than pandas so that no field is lost without a word:
a row with more non-empty fields than the header is refused with its line number (pandas made
the first one's extra field an index), a row with fewer is padded with empty values.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from functools import partial
from itertools import dropwhile, islice
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.chunk_sizing import ChunkLimit, row_work
from pipeline.errors import (
    AmbiguousColumnError,
    EmptyInputError,
    EncodingError,
    InputError,
    LimitExceededError,
    MalformedInputError,
    MissingColumnError,
    NumericColumnError,
    UnsupportedFormatError,
)
from pipeline.input_header import (
    TEXT_COLUMN_OPTION,
    check_text_column_name,
    clean_header,
    folded,
    named_text_column,
    resolve_column,
    resolve_group_columns,
    text_column_refusal,
)
from pipeline.input_markup import plain_text
from pipeline.input_melt import MAX_COLUMNS as MAX_COMMENT_COLUMNS
from pipeline.input_melt import (
    Melt,
    melt_for,
    question_column,
    respondent_column,
    respondent_refusal,
)
from pipeline.input_numbers import NumberCount
from pipeline.input_repeats import HeaderRepeats, SkippedRows
from pipeline.input_text import (
    BACKSLASH,
    DELIMITER_NAMES,
    DELIMITERS,
    ENCODING_NAMES,
    HEADER_SCAN_RECORDS,
    UTF8_BOM,
    UTF16,
    as_written,
    backslash_escaped,
    bom_encoding,
    csv_reader,
    has_marks,
    header_index,
    holds_nothing,
    nul_character,
    read_sample,
    sniff_delimiter,
    sniff_encoding,
    too_wide,
    txt_header_line,
    txt_table_delimiter,
    without_marks,
)
from pipeline.messages import echo
from pipeline.survey_export import (
    RECORDS_NEEDED,
    Descriptions,
    find_descriptions,
    question_column_of,
    rating_questions_refusal,
    sub_headers,
    without_repeated_headers,
)
from pipeline.xlsx import ALL_SHEETS, CombinedTable, SheetLayout, Workbook, open_workbook
from pipeline.xlsx.combined import alike_sheets
from pipeline.xlsx.ods import declares_opendocument

FORMATS = ("csv", "xlsx", "ods", "txt")
WORKBOOKS = ("xlsx", "ods")
"""Formats read as sheets (``pipeline.xlsx``): Excel workbooks and OpenDocument spreadsheets."""
TXT_COLUMN = "text"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Excel 97-2003 (.xls) files, and .xlsx files saved with a password, are OLE2 containers."""
_OLD_EXCEL = (
    "{name} is an Excel 97-2003 workbook (.xls) or a password-protected one, which is not "
    "read: open it in Excel and save it as Excel Workbook (.xlsx) without a password, or as "
    "CSV UTF-8, then upload that"
)
_PAGE_FOR_EXCEL = (
    "{name} is {kind}, as some systems export a table for Excel, not CSV, XLSX, ODS or "
    "TXT text: open it in Excel and save it as Excel Workbook (.xlsx) or CSV UTF-8, then upload "
    "that"
)
_MARKUP_PROBE = 64
"""Characters of a file's start read to tell a web page or XML document."""
_UNSUPPORTED = ("json", "parquet", "pdf", "docx")
_OTHER_SPREADSHEET = "{name} is {kind}, which is not read: {how}, then upload that"
_SPREADSHEETS = {
    "xlsb": (
        "an Excel binary workbook (.xlsb)",
        "in Excel choose File > Save As > Excel Workbook (.xlsx) or CSV UTF-8",
    ),
    "fods": (
        "a flat OpenDocument spreadsheet (one XML file)",
        "in LibreOffice Calc choose File > Save As > ODF Spreadsheet (.ods) or Text CSV",
    ),
    "numbers": (
        "an Apple Numbers spreadsheet",
        "in Numbers choose File > Export To > Excel or CSV",
    ),
}
"""Spreadsheets of other programs, by extension: said what they are and how to save them as
a file that is read."""
UPLOAD_SUFFIXES = ("csv", "tsv", "tab", "txt", "xlsx", "xlsm", "ods", "xls", *_SPREADSHEETS)
"""The file name endings the app's uploader takes (the API takes any name): those read, and
the spreadsheets of other programs that the reading code names and says how to save, so that
a user sees that message rather than the browser's "files are not allowed"."""
_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
)
"""Files renamed .csv or .txt that are named for what they are, not refused as badly encoded
text (their bytes are mostly valid Windows-1252 and hold too few NULs to look binary)."""
_SNIFF_BYTES = 64 * 1024
_TAKEN = (
    f", taken as the comment column for its name: choose the comment column ({TEXT_COLUMN_OPTION})"
)
_EOF_PROBE = "\x00end of file\x00\n"
"""Cannot be part of a validated file: a NUL character is refused (``input_text``)."""
_QUESTION_KEPT = 500
"""Characters of a survey question kept with the job: a question is a sentence or two; a
longer one (instructions pasted into it) is cut, not stored whole in every status."""


CELL_CEILING_CHARS = 1_000_000
"""The least length of a comment that refuses its file (``Limits.max_cell_chars``): fifty
times the default comment limit, a short book."""


@dataclass(frozen=True)
class Limits:
    """File-level limits: a file over one is refused. ``max_comment_chars`` is not one of
    them: the worker leaves a longer comment unlabelled, with the reason in its row."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_comment_chars: int = 20_000

    @property
    def max_cell_chars(self) -> int:
        """A comment longer than this refuses the file: no course comment, more likely a
        value whose quote closes only far down the file, and one such cell of 120 MB was
        stored and screened whole at every call of the flagged list (minutes of a core).
        Comments between ``max_comment_chars`` and this are the worker's row errors."""
        return max(CELL_CEILING_CHARS, self.max_comment_chars)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file, as validation found it; stored with the job (``to_json``) so the
    worker reads it the same way. None is the default: UTF-8 (with or without BOM) and the
    comma, how jobs queued before detection existed are read."""

    encoding: str | None = None
    delimiter: str | None = None
    escape: str | None = None
    """The escape of a file that writes special characters after a backslash (``\\"``,
    ``\\n``, ``\\N``: MySQL's ``INTO OUTFILE``, PostgreSQL's ``COPY``, some web exporters),
    ``input_text.BACKSLASH``; None: CSV's doubled quotes (``""``)."""
    sheet: str | None = None
    """An XLSX workbook's sheet, by name; None: the first one; ``ALL_SHEETS``: ``sheets``."""
    sheets: tuple[str, ...] = ()
    """The sheets read as one table (``pipeline.xlsx.combined``)."""
    header_rows: tuple[int, ...] = ()
    """Each of ``sheets``' header row, 1-based."""
    sheet_description_rows: tuple[int, ...] = ()
    """Each of ``sheets``' rows under its header that describe the columns (a survey
    export's on every sheet: Blue's kinds, Qualtrics' question texts; ``description_rows``
    of one sheet): not read as rows. Empty: none, as a job queued before they were looked
    for on each sheet is read."""
    header_row: int | None = None
    """The 1-based row of that sheet's header (rows above it are titles); None: found from
    the text column, as validation finds it (``pipeline.xlsx``). A CSV's: the line of its
    header under title lines (``input_text.header_index``); None: the first line. A TXT
    file's: the line that is only a comment column's name (``input_text.txt_header_line``);
    None: every line is a comment."""
    description_rows: int | None = None
    """Rows under the header that describe the columns instead of answering (a survey
    export's question texts; ``pipeline.survey_export``): not read as rows."""
    repeated_headers: int | None = None
    """Rows that repeat the header (files concatenated with their headers, blocks stacked
    each under its own; ``pipeline.input_repeats``): not read as rows. Validation counts
    them; ``inspect_input`` gives 0 (looked for, none counted yet). None: not looked for,
    as a job queued before they were is read (its rows are numbered as they were)."""
    empty_rows: int | None = None
    """A CSV's or TXT file's rows that hold nothing (``input_text.holds_nothing``: Excel's
    ``;;`` lines under a table, a line that is only Ctrl-Z, ``copy``'s end of file): not read
    as rows, as blank lines are not. Counted and left as ``repeated_headers`` are: None, not
    looked for, is how a job queued before they were is read."""
    repeated_descriptions: int | None = None
    """Of ``repeated_headers``, the rows under a repeated header that describe the columns
    again (``survey_export.without_repeated_headers``): not read as rows. None: not looked
    for, as a job queued before they were is read (its rows are numbered as they were)."""
    comment_columns: tuple[str, ...] = ()
    """Several comment columns, read as one row per row and column (``pipeline.input_melt``);
    empty: the job's text column is one of the file's."""
    questions: tuple[str, ...] = ()
    """What the question column says for each of ``comment_columns``."""
    respondents: bool = False
    """The long table numbers each answer's respondent (``pipeline.input_melt``); False for
    a job submitted before it did, whose rows have no such column."""
    survey_columns: tuple[str, ...] = ()
    """The columns whose question a survey export's description rows give (``Q2``)…"""
    survey_questions: tuple[str, ...] = ()
    """…and those questions, in the same order: kept with the job so that a column can be
    asked for by its question later ("Overall, I was satisfied with this course") and is
    shown with it."""

    def to_json(self) -> dict[str, str | int | list[str]]:
        return {
            f.name: list(value) if isinstance(value, tuple) else value
            for f in fields(self)
            if (value := getattr(self, f.name))
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ReadOptions:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in (data or {}).items() if k in known
        }
        return cls(**values)

    @property
    def melt(self) -> Melt | None:
        """How several comment columns are read as one, when they are."""
        if not self.comment_columns:
            return None
        return Melt(self.comment_columns, self.questions or self.comment_columns, self.respondents)

    @property
    def column_questions(self) -> dict[str, str]:
        """Column → the survey question it answers, where the export said."""
        return dict(zip(self.survey_columns, self.survey_questions, strict=False))

    def respondent_column(self, columns: Sequence[str], text_column: str) -> str | None:
        """The long table's column numbering each answer's respondent; None for a job of one
        comment column or one submitted before respondents were numbered."""
        if not (self.comment_columns and self.respondents) or text_column not in columns:
            return None
        return respondent_column(columns, text_column)

    def skips_rows(self) -> bool:
        """Whether lines of the file before its first answer are not read as comments: title
        lines, a TXT file's header line, a survey export's rows describing its columns, the
        rows above a workbook's header (a header on row 1 is the usual case)."""
        header = self.header_row is not None and not (self.sheet and self.header_row == 1)
        return header or bool(self.description_rows or self.sheets or self.repeated_headers)

    def describe(self) -> str:
        """How the file was read, in words: ``semicolon-separated, Windows-1252``."""
        parts = []
        if self.delimiter:
            parts.append(f"{DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.encoding:
            parts.append(ENCODING_NAMES.get(self.encoding, self.encoding))
        if self.escape:
            parts.append(f'backslash escapes such as {self.escape}" and {self.escape}n')
        if self.sheets:
            named = ", ".join(repr(sheet) for sheet in self.sheets)
            parts.append(f"{len(self.sheets)} sheets as one table ({named})")
        elif self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.header_row is not None:
            parts.append(f"header on {'row' if self.sheet else 'line'} {self.header_row}")
        if rows := self.description_rows or sum(self.sheet_description_rows):
            parts.append(f"{rows} row{'s' if rows > 1 else ''} describing the columns skipped")
        if self.repeated_headers:
            rows = self.repeated_headers
            parts.append(f"{rows} row{'s' if rows > 1 else ''} repeating the header skipped")
        if self.comment_columns:
            parts.append(f"one row per comment in {len(self.comment_columns)} columns")
        return ", ".join(parts)


@dataclass(frozen=True)
class InputLayout:
    """What a file is before its rows are read: format, how to read it, its columns."""

    format: str
    options: ReadOptions
    columns: tuple[str, ...]
    survey: Descriptions | None = None
    """What a survey export's description rows say (its tool, each column's question)."""
    sheets: str = ""
    """A workbook of several visible sheets none of which has a column named like comments,
    read with no sheet asked for: each sheet and its columns, for the refusal to list."""

    @property
    def questions(self) -> Mapping[str, str]:
        return self.survey.questions if self.survey else {}


@dataclass(frozen=True)
class InputSummary:
    """What validation learnt about a file: enough to queue a job without reading it again.
    ``text_column`` and ``group_by`` are the file's own names for the columns asked for."""

    format: str
    columns: tuple[str, ...]
    text_column: str
    rows: int
    group_by: tuple[str, ...]
    options: ReadOptions


def detect_format(path: Path, filename: str | None = None) -> str:
    """Decide the format from the name's extension, checked against the file's first bytes."""
    name = (filename or path.name).lower()
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(_OLE2_MAGIC):
        raise UnsupportedFormatError(_OLD_EXCEL.format(name=name))
    if suffix in _SPREADSHEETS:
        what, how = _SPREADSHEETS[suffix]
        raise UnsupportedFormatError(_OTHER_SPREADSHEET.format(name=name, kind=what, how=how))
    if suffix in _UNSUPPORTED:
        raise UnsupportedFormatError(
            f".{suffix} files are not supported: upload CSV, XLSX, ODS or TXT"
        )
    if head.startswith(_ZIP_MAGIC):
        if declares_opendocument(head):  # whatever its name: told by its first member
            return "ods"
        if suffix in ("xlsx", "xlsm", "xls", "ods", ""):  # a macro never runs
            return "xlsx"
        raise UnsupportedFormatError(
            f"{name} is a ZIP archive (an Excel workbook?) but is named .{suffix}: if it is a "
            "workbook, name it .xlsx and upload it again; else upload the comments as CSV, "
            "XLSX, ODS or TXT"
        )
    if suffix in WORKBOOKS:
        what = "an Excel workbook" if suffix == "xlsx" else "an OpenDocument spreadsheet"
        raise UnsupportedFormatError(f"{name} is named .{suffix} but is not {what}")
    kind = next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)
    if kind is not None:
        raise UnsupportedFormatError(
            f"{name} is {kind}, not CSV, XLSX, ODS or TXT text: upload the comments in one of those"
        )
    if _looks_binary(head):
        raise UnsupportedFormatError(f"{name} is a binary file, not CSV, XLSX, ODS or TXT text")
    if (page := _markup_kind(head)) is not None:
        raise UnsupportedFormatError(_PAGE_FOR_EXCEL.format(name=name, kind=page))
    if suffix in ("csv", "txt"):
        return suffix
    if suffix == "xls":
        return "csv"  # a text table named for Excel: Blackboard's tab-delimited downloads
    first_line = head.split(b"\n", 1)[0]
    delimited = any(d.encode() in first_line for d in DELIMITERS)
    return "csv" if suffix != "" or delimited else "txt"


def _markup_kind(head: bytes) -> str | None:
    """What a file that starts as a web page or an XML document is: the "Excel" export of
    some systems is an HTML table or an Excel 2003 XML spreadsheet named .xls."""
    encoding = bom_encoding(head) or "latin-1"
    start = head[: 4 * _MARKUP_PROBE].decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
    start = start[:_MARKUP_PROBE].lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta")):
        return "a web page (HTML)"
    if start.startswith("<?xml"):
        return "an XML document (perhaps an Excel 2003 XML spreadsheet)"
    return None


_BINARY_NULS = 8
"""A binary file has NULs by the dozen at its start; a text file an export glitch left a NUL
or two in is told the line of each (``input_text``), not that it is no text at all, however
short the file (one NUL is 2% of a 45-byte CSV)."""


def _looks_binary(head: bytes) -> bool:
    """NUL bytes are at least 1% of the start, and more than a stray few (UTF-16 text aside):
    a stray NUL in a text file is refused later, with its line (``input_text``)."""
    nuls = head.count(b"\x00")
    return bom_encoding(head) != UTF16 and nuls >= _BINARY_NULS and nuls * 100 >= len(head)


def inspect_input(
    path: Path,
    filename: str | None = None,
    text_column: str | None = None,
    sheet: str | None = None,
) -> InputLayout:
    """The file's format, how to read it and its columns. A text file is read to its end
    here (encoding, NUL characters); its rows are not. A .txt file that is a tab-separated
    table (a sheet Excel saved as "Unicode Text") is read as that table: format ``csv``. In
    a workbook, the table is on ``sheet`` (name or 1-based number), else on the first sheet
    whose header names ``text_column`` (``pipeline.xlsx``)."""
    fmt = detect_format(path, filename)
    if fmt in WORKBOOKS:
        layout = _workbook_layout(path, fmt, text_column, sheet)
    elif sheet is not None:
        raise InputError(f"a sheet applies to workbooks (.xlsx, .ods) only; this file is {fmt}")
    else:
        encoding = sniff_encoding(path)
        sample = read_sample(path, encoding)
        delimiter: str | None = None
        if fmt == "txt" and (table := txt_table_delimiter(*sample)) is not None:
            fmt, delimiter = "csv", table  # a sheet saved as text by Excel, a CSV named .txt
        elif fmt == "csv":
            delimiter = sniff_delimiter(*sample)
        escape = BACKSLASH if delimiter and backslash_escaped(*sample, delimiter) else None
        options = ReadOptions(encoding=encoding, delimiter=delimiter, escape=escape, empty_rows=0)
        if fmt == "txt":
            heading = txt_header_line(sample[0])  # its name names the column
            options = replace(options, header_row=heading[0] if heading else None)
            column = heading[1] if heading else TXT_COLUMN
            return _looking_for_repeats(InputLayout(fmt, options, (column,)))
        options = replace(options, header_row=_csv_header_line(path, options, text_column))
        with _csv_rows(path, options) as (header, rows):
            first = list(islice(rows, RECORDS_NEEDED))
        layout = _described(InputLayout(fmt, options, header), first)
    return _looking_for_repeats(layout)


def _looking_for_repeats(layout: InputLayout) -> InputLayout:
    """The layout of a file read without the rows that repeat its header (none counted yet:
    ``validate_input`` counts them as it reads every row)."""
    options = replace(layout.options, repeated_headers=0, repeated_descriptions=0)
    return replace(layout, options=options)


def _csv_header_line(path: Path, options: ReadOptions, text_column: str | None) -> int | None:
    """The line of a CSV's header when title lines come before it (``header_index``); never
    SurveyMonkey's row of sub-headers, even when it holds the column asked for (a
    sub-question, ``What helped you learn?``): the line above it, whose names the
    sub-headers describe (``survey_export.sub_headers``)."""
    encoding, delimiter = options.encoding or UTF8_BOM, options.delimiter or ","
    with path.open(encoding=encoding, newline="") as handle:
        records = _records(handle, delimiter, encoding, SkippedRows(), options.escape)
        first = list(islice(records, HEADER_SCAN_RECORDS))
    index = header_index([record for _line, record in first], text_column)
    if index and sub_headers(first[index - 1][1], first[index][1]):
        index -= 1
    return first[index][0] if index else None


def _described(layout: InputLayout, first: Sequence[Sequence[str]]) -> InputLayout:
    """The layout, told of a survey export's rows that describe its columns (Qualtrics'
    question texts and import ids), found in its ``first`` records; they are then not read
    as rows."""
    survey = find_descriptions(layout.columns, first)
    if survey is None:
        return layout
    options = replace(layout.options, description_rows=survey.rows)
    return _with_questions(replace(layout, options=options), survey)


def _with_questions(layout: InputLayout, survey: Descriptions | None) -> InputLayout:
    """The layout, its columns' questions kept with the job (each cut at ``_QUESTION_KEPT``)."""
    if survey is None:
        return layout
    options = replace(
        layout.options,
        survey_columns=tuple(survey.questions),
        survey_questions=tuple(question[:_QUESTION_KEPT] for question in survey.questions.values()),
    )
    return replace(layout, options=options, survey=survey)


def _workbook_layout(
    path: Path, fmt: str, text_column: str | None, sheet: str | None
) -> InputLayout:
    """With neither a sheet nor a column asked for, the first visible sheet with one column
    named like comments (a cover sheet in front is passed over), else the first with rows.
    ``ALL_SHEETS``: every visible sheet whose header names the column (with none asked for,
    the column named like comments that a sheet has), read as one table."""
    sheets = ""
    with open_workbook(path) as book:
        if sheet == ALL_SHEETS:
            if not (text_column or "").strip():
                text_column = _named_sheet(book)[1]
            return _combined_layout(book, fmt, book.all_sheets(text_column))
        if sheet is None:
            if not (text_column or "").strip():
                sheet, text_column = _named_sheet(book)
                visible = sum(not entry.hidden for entry in book.sheets)
                if sheet is None and (visible > 1 or visible < len(book.sheets)):
                    sheets = book.sheets_listing()
            if text_column:
                _refuse_one_of_several(book.sheets_naming(text_column), text_column)
        table = book.layout(sheet, text_column)
        first = list(islice(book.records(table), RECORDS_NEEDED))
        options = ReadOptions(sheet=table.sheet, header_row=table.header_row)
        layout = _described(InputLayout(fmt, options, table.columns, sheets=sheets), first)
        column = (
            None if sheet or text_column else named_text_column(layout.columns, layout.questions)
        )
        if column is not None:  # named like comments by its survey question only
            _refuse_one_of_several(book.sheets_naming(column), column)
    return layout


def _refuse_one_of_several(tables: Sequence[SheetLayout], text_column: str) -> None:
    """With no sheet asked for, several sheets holding one table (a workbook of one sheet
    per course) are refused: reading the first would drop the others without a word, and
    reading them all could count a copy twice."""
    same = alike_sheets(tables)
    if same:
        named = ", ".join(echo(table.sheet) for table in same)
        others = [table.sheet for table in tables if table not in same]
        left = (
            f" ({_sheets_named(others)} {'has' if len(others) == 1 else 'have'} the column too, "
            f"in another table: '*' leaves {'it' if len(others) == 1 else 'them'} out)"
            if others
            else ""
        )
        raise AmbiguousColumnError(
            f"column {echo(text_column.strip())} is in {len(same)} sheets that hold the same "
            f"table ({named}): give the sheet '*' to read them all as one table (a column "
            f"'sheet' tells their rows apart), or the name of the one sheet to read{left}"
        )


def _sheets_named(sheets: Sequence[str]) -> str:
    """``sheet 'Summary'``, ``sheets 'Summary', 'Totals'``."""
    return f"sheet{'s' if len(sheets) > 1 else ''} {', '.join(echo(s) for s in sheets)}"


def _combined_layout(book: Workbook, fmt: str, table: CombinedTable) -> InputLayout:
    """The layout of sheets read as one, each sheet's own rows describing its columns (a
    survey export's, found under its header as for one sheet) left out under it."""
    surveys = [
        find_descriptions(layout.columns, list(islice(book.records(layout), RECORDS_NEEDED)))
        for layout in table.layouts
    ]
    survey = _merged(surveys, table.columns)
    options = ReadOptions(
        sheet=ALL_SHEETS,
        sheets=tuple(layout.sheet for layout in table.layouts),
        header_rows=tuple(layout.header_row for layout in table.layouts),
        sheet_description_rows=tuple(s.rows if s else 0 for s in surveys) if survey else (),
    )
    return _with_questions(InputLayout(fmt, options, table.columns), survey)


def _merged(surveys: Sequence[Descriptions | None], columns: Sequence[str]) -> Descriptions | None:
    """What the sheets' description rows say, as one: the first sheet's tool, every row, and
    each column's question as the first sheet to give one says (named as ``columns``, the
    long table's, name it: ``Q5`` on one sheet is ``q5`` on another)."""
    found = [survey for survey in surveys if survey is not None]
    if not found:
        return None
    spelt = {column.casefold(): column for column in columns}
    questions: dict[str, str] = {}
    for survey in found:
        for column, question in survey.questions.items():
            questions.setdefault(spelt.get(column.casefold(), column), question)
    return Descriptions(found[0].tool, sum(survey.rows for survey in found), questions)


def _named_sheet(book: Workbook) -> tuple[str | None, str | None]:
    for overview in book.overview():
        if (column := named_text_column(overview.columns)) is not None:
            return overview.name, column
    return None, None


def validate_input(
    path: Path,
    text_column: str | Sequence[str] | None,
    group_by: Sequence[str] = (),
    limits: Limits | None = None,
    filename: str | None = None,
    sheet: str | None = None,
) -> InputSummary:
    """Check everything that can be checked before queueing; raise an InputError naming it.
    Only file-level limits refuse a file: comment length is the worker's row error.
    ``sheet`` chooses a workbook's sheet (see ``inspect_input``). Several ``text_column``
    names read the file as one comment per row and column (``pipeline.input_melt``): the
    summary's columns and text column are then the long table's."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size == 0:
        raise EmptyInputError("the file is empty")
    if size > limits.max_bytes:
        raise LimitExceededError(
            f"the file is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes"
        )
    asked = asked_columns(text_column)
    first = asked[0] if asked else None
    several = len(asked) > 1
    layout = inspect_input(path, filename, first, sheet)
    if several:
        layout = _melted(layout, asked)
        column = layout.columns[-1]  # the long table's comment column comes last
    else:
        column = _text_column(first, layout)
    groups = resolve_group_columns(group_by, layout.columns, layout.questions)
    if column in groups:
        raise InputError(
            f"group-by column {column!r} is the comment column: every comment would be a group "
            "of its own; group by another column (a course, an instructor)"
        )
    if several and (respondent := respondent_column(layout.columns, column)) in groups:
        raise InputError(f"group-by column {respondent_refusal(respondent)}")
    if several and (question := question_column(layout.columns, column)) not in groups:
        groups = (*groups, question)  # answers to "What should change?" lean negative
    rows = 0
    comments = NumberCount()
    skipped = SkippedRows()
    for comment in _comments(path, layout, column, skipped):
        rows += 1
        if rows > limits.max_rows:
            raise LimitExceededError(f"the file has more than {limits.max_rows:,} rows")
        if len(comment) > limits.max_cell_chars:
            raise LimitExceededError(_cell_refusal(rows, comment, limits))
        if comment.strip():
            comments.add(comment)
    if rows == 0 and not several:  # a long table has no row for a blank answer
        raise EmptyInputError("the file has a header but no rows: no comments to label")
    if not asked and layout.format != "txt":
        _refuse_rating_answers(path, layout, column)
    if comments.answers == 0:
        if several:
            named = ", ".join(repr(name) for name in layout.options.comment_columns)
            raise EmptyInputError(f"the file has no comments in columns {named}")
        taken = "" if asked or layout.format == "txt" else _TAKEN
        raise EmptyInputError(f"the file has no comments in column {column!r}{taken}")
    if comments.mostly_numbers and not several:
        txt = layout.format == "txt" and len(layout.columns) == 1
        choose = text_column_refusal(layout.columns, layout.questions)
        raise NumericColumnError(comments.refusal(None if txt else column, choose))
    # the worker leaves out the same rows (repeated headers, rows that hold nothing), and only
    # when told to (a job queued before they were looked for keeps its rows); none found: the
    # options are as they were
    options = replace(
        layout.options,
        repeated_headers=skipped.repeated_headers or None,
        repeated_descriptions=skipped.repeated_descriptions or None,
        empty_rows=skipped.empty_rows or None,
    )
    return InputSummary(
        format=layout.format,
        columns=layout.columns,
        text_column=column,
        rows=rows,
        group_by=groups,
        options=options,
    )


def _cell_refusal(row: int, comment: str, limits: Limits) -> str:
    """Why a file whose comment of data row ``row`` is ``comment`` is refused: a value that
    runs over many lines is a quote closed far below where it opens; one of a single line,
    no comment (a document, or data, on one line)."""
    lines = "\n" in comment or "\r" in comment
    hint = (
        "is a quote in the file closed far below where it opens?"
        if lines
        else "it is one line: is the file a document or data rather than comments?"
    )
    return (
        f"the comment of data row {row:,} is {len(comment):,} characters long, over the "
        f"{limits.max_cell_chars:,} a comment may hold (one over {limits.max_comment_chars:,}, "
        f"PIPELINE_MAX_COMMENT_CHARS, is kept unlabelled): {hint}"
    )


def _text_column(requested: str | None, layout: InputLayout) -> str:
    """The file's name for the comment column. With none asked for (every edge: the CLI, the
    API, the Lambda gateway) a TXT file's single column (named by its header line, else
    ``text``, which names it either way), else the one column named like comments
    (``comment``, `` Feedback ``); with none or several, a refusal that says so."""
    if layout.format == "txt" and folded(requested or "") in ("", TXT_COLUMN):
        return layout.columns[0]
    if (requested or "").strip():
        column = resolve_column(requested or "", layout.columns, questions=layout.questions)
    elif (named := named_text_column(layout.columns, layout.questions)) is not None:
        column = named
    else:
        refusal = text_column_refusal(layout.columns, layout.questions)
        if layout.sheets:
            refusal = (
                f"{refusal}; those are the columns of sheet {echo(layout.options.sheet or '')}; "
                f"the workbook's sheets: {layout.sheets}; give sheet (--sheet) to read another"
            )
        raise MissingColumnError(refusal)
    check_text_column_name(column)
    return column


def _refuse_rating_answers(path: Path, layout: InputLayout, column: str) -> None:
    """A long export's answer column, taken for its name, that answers rating questions
    too is refused (``survey_export.rating_questions_refusal``): read again, only for a
    table with a question column."""
    if question_column_of(layout.columns, column) is None:
        return
    with _table(path, layout.format, layout.options, column) as (header, rows):
        refusal = rating_questions_refusal(header, column, rows)
    if refusal is not None:
        raise InputError(refusal)


def asked_columns(text_column: str | Sequence[str] | None) -> list[str]:
    """The comment columns asked for, in order: one name, several, or none (blank names and
    repeats dropped)."""
    names = [text_column] if isinstance(text_column, str) else list(text_column or ())
    return list(dict.fromkeys(name.strip() for name in names if name.strip()))


def _melted(layout: InputLayout, asked: Sequence[str]) -> InputLayout:
    """The layout of the file read as one comment per row and asked column."""
    if len(asked) > MAX_COMMENT_COLUMNS:
        raise LimitExceededError(
            f"{len(asked):,} comment columns were asked for; at most {MAX_COMMENT_COLUMNS} "
            "are read in one job"
        )
    columns = [resolve_column(n, layout.columns, "comment column", layout.questions) for n in asked]
    for column in columns:
        check_text_column_name(column)
    melt = melt_for(columns, [layout.questions.get(column) or column for column in columns])
    questions = melt.questions if melt.questions != melt.columns else ()
    options = replace(
        layout.options, comment_columns=melt.columns, questions=questions, respondents=True
    )
    return replace(layout, options=options, columns=melt.header(layout.columns))


def _comments(
    path: Path, layout: InputLayout, column: str, skipped: SkippedRows | None = None
) -> Iterator[str]:
    """Each row's comment, in order, straight from the file's records (no DataFrame); the
    rows passed over are counted in ``skipped``."""
    with _table(path, layout.format, layout.options, column, skipped) as (header, rows):
        index = header.index(column)
        for values in rows:
            yield values[index]


def iter_chunks(
    path: Path,
    fmt: str,
    text_column: str,
    chunk_rows: int | Callable[[], ChunkLimit],
    start_row: int = 0,
    options: ReadOptions | None = None,
) -> Generator[pd.DataFrame, None, None]:
    """Yield DataFrames of the file's rows, all cells as strings, indexed by their 0-based row
    number in the file (the index, not a column: any column name is the user's).

    ``chunk_rows`` is the rows of every chunk, or a function called as each chunk's reading
    begins that says where the chunk ends (``pipeline.chunk_sizing``: chunks sized by time,
    counting the work in ``text_column``). ``start_row`` skips rows already processed, so a
    resumed job reads only what is left (its first chunk starts at ``start_row``);
    ``options`` are the job's (``InputSummary.options``).
    """
    if fmt not in FORMATS:
        raise UnsupportedFormatError(f"unknown format {fmt!r}")
    if isinstance(chunk_rows, int):
        if chunk_rows < 1:
            raise InputError("chunk_rows must be at least 1")
        plan: Callable[[], ChunkLimit] = partial(ChunkLimit, chunk_rows)
    else:
        plan = chunk_rows
    with _table(path, fmt, options or ReadOptions(), text_column) as (header, rows):
        columns = list(header)
        text_at = columns.index(text_column) if text_column in columns else None
        next_row = start_row
        for batch in _cut(islice(rows, start_row, None), plan, text_at):
            index = pd.RangeIndex(next_row, next_row + len(batch))
            next_row += len(batch)
            frame = pd.DataFrame(batch, columns=columns, index=index, dtype=str)
            if text_at is not None:
                frame[text_column] = frame[text_column].fillna("")
            yield frame


@contextmanager
def _table(
    path: Path,
    fmt: str,
    options: ReadOptions,
    text_column: str,
    skipped: SkippedRows | None = None,
) -> Iterator[tuple[tuple[str, ...], Iterator[list[str]]]]:
    """The file's column names and its data rows, each a list as wide as the header; with
    several comment columns, the long table's (``ReadOptions.melt``). A comment is read as
    its plain text (``pipeline.input_markup``: an LMS export's HTML removed). Rows that
    repeat the header are left out when ``options`` say to look for them, counted in
    ``skipped``."""
    melt = options.melt
    comments = melt.columns if melt else (text_column,) if text_column else ()
    skipped = skipped if skipped is not None else SkippedRows()
    with _file_table(path, fmt, options, comments, skipped) as (header, rows):
        plain = _plain_comments(rows, [header.index(c) for c in comments if c in header])
        yield (melt.header(header), melt.rows(header, plain)) if melt else (header, plain)


def _plain_comments(rows: Iterable[list[str]], at: Sequence[int]) -> Iterator[list[str]]:
    for row in rows:
        for i in at:
            row[i] = plain_text(row[i])
        yield row


def _described_again(options: ReadOptions) -> int | None:
    """The description rows to leave out again under each repeated header: none for a job
    validated before they were (its rows stay numbered as validation numbered them)."""
    return None if options.repeated_descriptions is None else options.description_rows


@contextmanager
def _file_table(
    path: Path, fmt: str, options: ReadOptions, comments: Sequence[str], skipped: SkippedRows
) -> Iterator[tuple[tuple[str, ...], Iterator[list[str]]]]:
    """The file's own column names and data rows; ``comments`` are its comment columns (a
    workbook's cell merged down several rows is given to each, except in those). With
    ``ReadOptions.repeated_headers`` set, a row that repeats the header is no row: it is
    counted in ``skipped`` (``pipeline.input_repeats``)."""
    looking = options.repeated_headers is not None
    if fmt == "csv":
        with _csv_rows(path, options, skipped) as (header, rows):
            repeats = HeaderRepeats.of(header, comments)
            described = _described_again(options)
            answers = without_repeated_headers(rows, repeats, skipped, header, described)
            yield header, answers if looking else rows
    elif fmt == "txt":
        lines = _txt_rows(
            path,
            options.encoding or UTF8_BOM,
            options.header_row or 0,
            skipped if looking else None,
            skipped if options.empty_rows is not None else None,
        )
        try:  # named as the job names it: the header's name, else ``text``
            yield (comments[0] if comments else TXT_COLUMN,), lines
        finally:
            lines.close()
    else:
        with open_workbook(path) as book:
            ignored: tuple[int, ...] = ()
            if options.sheets:
                combined = book.tables(options.sheets, options.header_rows)
                each = options.sheet_description_rows
                columns, records = combined.columns, book.combined_records(combined, comments, each)
                ignored = (0,)  # the sheet's name, which no header holds
            else:
                layout = book.table(options.sheet, options.header_row, next(iter(comments), None))
                columns, records = layout.columns, book.records(layout, comments)
            answers = islice(records, options.description_rows or 0, None)
            repeats = HeaderRepeats.of(columns, comments, ignored)
            described = _described_again(options)
            kept = without_repeated_headers(answers, repeats, skipped, columns, described)
            yield columns, kept if looking else answers


def _cut(
    rows: Iterable[list[str]], plan: Callable[[], ChunkLimit], text_at: int | None
) -> Iterator[list[list[str]]]:
    """The rows in chunks, each ending where ``plan``'s limit for it says; the limit is asked
    for once the chunk's first row is read, so never for a chunk that does not exist. When
    what is left of the file is under a quarter of a full chunk and fits in its rows, the chunk
    takes it: a last chunk of a few rows would cost a chunk's fixed time for little work."""
    iterator = iter(rows)
    ahead: deque[list[str]] = deque()  # rows read to look for the end, not yet in a chunk

    def take() -> list[str] | None:
        return ahead.popleft() if ahead else next(iterator, None)

    while (first := take()) is not None:
        limit = plan()
        batch = [first]
        work = 0 if text_at is None else row_work(first[text_at])
        while not limit.full(len(batch), work) and (row := take()) is not None:
            batch.append(row)
            work += 0 if text_at is None else row_work(row[text_at])
        want = max(1, len(batch) // 4)
        if len(ahead) < want:
            ahead.extend(islice(iterator, want - len(ahead)))
            if len(ahead) < want and len(batch) + len(ahead) <= limit.max_rows:
                batch.extend(ahead)  # the end of the file, and little of it
                ahead.clear()
        yield batch


@contextmanager
def _csv_rows(
    path: Path, options: ReadOptions, skipped: SkippedRows | None = None
) -> Iterator[tuple[tuple[str, ...], Iterator[list[str]]]]:
    """The header's column names and the data rows, each as wide as the header. Skipped:
    title lines above the header (``ReadOptions.header_row``, its line), blank lines, rows
    that hold nothing (``ReadOptions.empty_rows``, counted in ``skipped``) and rows that
    describe the columns (``ReadOptions.description_rows``). ``\n``, ``\r\n`` and ``\r``
    all end a line, but are not translated (``newline=""``, as the csv module asks): a line
    break inside a quoted value stays as the file writes it (``\r\n`` or ``\n``), so a
    comment comes back exactly as it was read."""
    encoding = options.encoding or UTF8_BOM
    delimiter = options.delimiter or ","
    empties = None if options.empty_rows is None else skipped or SkippedRows()
    with path.open(encoding=encoding, newline="") as handle:
        records = _records(handle, delimiter, encoding, empties, options.escape)
        if header_line := options.header_row:  # title lines above the header
            records = dropwhile(lambda found: found[0] < header_line, records)
        first = next(records, None)
        if first is None:
            raise EmptyInputError("the CSV file has no header row")
        header = clean_header(first[1])
        rows = _fitted(records, len(header), delimiter)
        yield header, islice(rows, options.description_rows or 0, None)


def _records(
    handle: Iterable[str],
    delimiter: str,
    encoding: str,
    empties: SkippedRows | None = None,
    escape: str | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on; reading errors name that line. Each
    value is read as written where its quotes are not CSV's (``as_written``; not in a file
    that escapes its quotes, ``escape``), without a byte order mark or Ctrl-Z
    (``without_marks``). With ``empties``, a record that holds nothing (``holds_nothing``) is
    left out as a blank line is, counted there."""
    kept: list[list[str]] = [[]]  # the raw lines of the record being read
    reader = csv_reader(_keeping(handle, kept), delimiter, escape)
    line = start = 1
    last: list[str] = []
    try:
        for record in reader:
            last, kept[0] = kept[0], []
            if record:
                raw = last[0] if len(last) == 1 else "".join(last)
                if '"' in raw and escape is None:
                    record = as_written(record, raw, delimiter)
                if has_marks(raw):
                    record = without_marks(record)
                start = line
                if empties is not None and holds_nothing(record):
                    empties.empty_rows += 1
                else:
                    yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise MalformedInputError(f"line {line} cannot be read as CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"line {line} is not {ENCODING_NAMES.get(encoding, encoding)} text: "
            f"byte 0x{exc.object[exc.start]:02x} cannot be decoded"
        ) from exc
    _refuse_open_quote(last, delimiter, start, escape)


def _keeping(lines: Iterable[str], kept: list[list[str]]) -> Iterator[str]:
    """The lines, each kept in ``kept[0]`` too; a NUL character is refused with its line."""
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise nul_character(number)
        kept[0].append(line)
        yield line


def _refuse_open_quote(
    lines: Sequence[str], delimiter: str, line: int, escape: str | None = None
) -> None:
    """The csv module reads a quote still open at the end of the file as one value holding
    the rest of the file. A probe line read after the last record shows it: it is swallowed."""
    if not lines:
        return
    probe = list(csv_reader([*lines, _EOF_PROBE], delimiter, escape))
    if probe[-1] != [_EOF_PROBE.rstrip("\n")]:
        raise MalformedInputError(
            f"line {line} opens a quoted value that is never closed, so the rest of the file "
            "would be read as one value: close the quote (a quote inside a value is written "
            'twice, "") and upload again'
        )


def _fitted(
    records: Iterator[tuple[int, list[str]]], width: int, delimiter: str
) -> Iterator[list[str]]:
    """Rows cut or padded to the header's width. Only empty fields are cut: a row with more
    values than the header is refused, since one of them would be lost."""
    for line, record in records:
        if too_wide(record, width):
            raise MalformedInputError(
                f"line {line} has {len(record)} fields but the header has {width} "
                f"column{'s' if width != 1 else ''}: {_why_too_many(record, delimiter)}"
            )
        if len(record) > width:
            del record[width:]
        elif len(record) < width:
            record.extend([""] * (width - len(record)))
        yield record


def _why_too_many(record: Sequence[str], delimiter: str) -> str:
    """What to fix in a row with more values than the header. A quoted value that writes a
    quote as a backslash before it (``\\"``, as MySQL's and some web exporters' CSV do) ends
    at that quote for the csv module, which keeps the backslash, and the value's own closing
    quote is left at the end of a later value: CSV writes a quote inside a value twice."""
    if any("\\" in value for value in record) and any(
        value.rstrip().endswith('"') for value in record
    ):
        return (
            'it writes a quote inside a value as \\" (a backslash before it), which CSV reads '
            'as the value\'s end: a quote inside a value is written twice (""); export the '
            "file again with quotes doubled, and upload again"
        )
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return (
        f"a value that holds a {name} must be in double quotes; fix the line (or the header) "
        "and upload again"
    )


def _txt_rows(
    path: Path,
    encoding: str,
    header_line: int,
    skipped: SkippedRows | None = None,
    empties: SkippedRows | None = None,
) -> Generator[list[str], None, None]:
    """One comment per non-blank line after the header's line (0: none), without a byte order
    mark or Ctrl-Z (``without_marks``). With ``skipped``, a later line that is the header's
    again (``Comments``, case and spacing aside: one-column files put together) is no comment,
    counted there; with ``empties``, so is a line that was only marks (``copy``'s Ctrl-Z)."""
    heading = None
    with path.open(encoding=encoding, newline=None) as handle:
        for number, line in enumerate(handle, start=1):
            if "\x00" in line:
                raise nul_character(number)
            text = line.rstrip("\r\n")
            if has_marks(text):
                (bare,) = without_marks([text])
                if bare.strip() or not text.strip():
                    text = bare
                elif empties is not None:  # only marks; a job queued before reads it as a row
                    empties.empty_rows += 1
                    continue
            if number == header_line:
                heading = folded(text) or None
            elif number > header_line and text.strip():
                if skipped is not None and heading is not None and folded(text) == heading:
                    skipped.repeated_headers += 1
                    continue
                yield [text]
