"""How a text upload (CSV or one-per-line TXT) is encoded and, for a CSV, delimited (and
whether a TXT upload is a table after all).

Found once, when the file is validated, and stored with the job, so the worker reads the file
exactly as validation did. Encodings: a byte order mark decides (UTF-8, UTF-16 LE or BE);
without one the file is UTF-8 when all of it decodes as UTF-8 — unless UTF-8 characters came
before the first bad byte: that is a damaged UTF-8 file, refused with the place, not read as
garbled text. Else it is in a legacy code page (``pipeline.input_codepages``): Windows-1252
(what Excel saves as "CSV" on Western Windows), an East Asian one or Mac Roman; one read with
a single-byte code page that holds UTF-8 text (``Ã©``) is refused as mixed, as the other order
is.

A NUL character is refused by the readers (``nul_character``), on whatever line it is, so a
file is refused the same way at validation and in the worker, on SQLite as on PostgreSQL
(which cannot store one); no comment holds one.

Every CSV reader is made here (``csv_reader``), with the csv module's field size limit raised
first: the limit is the interpreter's, so a reader made anywhere else would refuse a long
comment or not depending on what the process read before.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import EncodingError, MalformedInputError
from pipeline.input_codepages import (
    CODE_PAGE_NAMES,
    MAC_ROMAN,
    WINDOWS_1252,
    legacy_encoding,
    reads_as_mac_roman,
    utf8_in_line,
)
from pipeline.input_header import TEXT_WORDS, header_holds

if TYPE_CHECKING:
    from _csv import Reader

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
UTF16 = "utf-16"
ENCODING_NAMES = {
    UTF8: "UTF-8",
    UTF8_BOM: "UTF-8 with BOM",
    UTF16: "UTF-16",
    **CODE_PAGE_NAMES,
}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_BYTES = 64 * 1024
TITLE_RECORDS = 10
"""Records of one value (a report's title, its date) looked past for a CSV's header."""
_HEADER_LOOKAHEAD = 5
HEADER_SCAN_RECORDS = TITLE_RECORDS + 1 + _HEADER_LOOKAHEAD
"""The first records ``header_index`` reads."""
_READ_BLOCK = 1024 * 1024
_SAMPLE_RECORDS = 200
_HEADER_REPEATED = 0.8
_FIELD_LIMIT = 2**31 - 1
"""The csv module refuses fields over 128 KiB by default; a long comment is a row error
(``PIPELINE_MAX_COMMENT_CHARS``), and only the upload's size limit bounds a field."""
BOM = "\ufeff"
DOS_EOF = "\x1a"
"""Ctrl-Z, which ``copy *.csv all.csv`` (Windows, text mode) ends the file it writes with."""
_MARKS = BOM + DOS_EOF
_QUOTE_CLOSED_EARLY = r'(?<=[^"{d}\r\n])"[^"{d}\r\n]'
"""A quote inside a value (neither a value's first character nor one written twice) that
more of the value follows: where a value that opened with a quote may have closed it early
(``"Great" teacher``)."""
_LINE_ENDS = ("\r", "\n")
"""What ends a line of a file read with ``newline=""`` (``\\r\\n`` is both, in turn)."""


BACKSLASH = "\\"
"""The escape of a file that writes special characters after a backslash (``\\"``, ``\\n``,
``\\N``) rather than quoting them, as database exports do (``ReadOptions.escape``)."""
_NULL = "\\N"
"""How MySQL and PostgreSQL write NULL in a file they escape with backslashes: no answer, not
the letter N."""
_LETTER_ESCAPE = re.compile(r"\\(\r\n|.)")
"""A backslash and the character (or Windows line end) after it, left to right, so ``\\\\n``
is an escaped backslash before the letter n, not a line break."""
_LETTER_ESCAPES = {"n": "\\\n", "t": "\\\t", "r": "\\\r", "0": "", "\r\n": "\\\n"}
"""Line break, tab, carriage return and NUL written as letters (PostgreSQL's ``COPY``,
JSON-minded web exporters), as the escaped character itself, which the reader then keeps in
the value (MySQL's ``INTO OUTFILE`` writes that form); NUL is dropped. An escaped Windows
line end (the file's line ends made ``\\r\\n`` by a Windows program) is an escaped line feed:
escaped, the carriage return alone would let the line feed after it end the row."""
_ESCAPED_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\(?:\r\n|\r|\n)")
"""A line break after an odd run of backslashes: MySQL's ``INTO OUTFILE`` keeping a comment's
line break inside its row."""


def csv_reader(lines: Iterable[str], delimiter: str, escape: str | None = None) -> Reader:
    """A csv module reader of ``lines`` (the file opened with ``newline=""``, so that a line
    break inside a quoted value is kept as written), whose fields may be as long as the
    file. With ``escape`` (``BACKSLASH``), the escape before a character makes it part of
    the value (``\\"``, ``\\\\``, a line break), ``\\n``, ``\\t`` and ``\\r`` are a line break, a
    tab and a carriage return, and a value that is NULL (``\\N``) is empty; without, a quote
    inside a value is CSV's own, doubled (``""``)."""
    csv.field_size_limit(_FIELD_LIMIT)
    if escape is None:
        return csv.reader(lines, delimiter=delimiter)
    return csv.reader(
        (_unescaped(line, delimiter) if escape in line else line for line in lines),
        delimiter=delimiter,
        escapechar=escape,
        doublequote=False,
    )


def _unescaped(line: str, delimiter: str) -> str:
    """``line`` with a whole ``\\N`` value emptied and letter escapes (``_LETTER_ESCAPES``) made
    the escaped character, for the reader's escape to keep."""
    if _NULL in line:
        line = _nulls(delimiter).sub("", line)
    return _LETTER_ESCAPE.sub(lambda m: _LETTER_ESCAPES.get(m.group(1), m.group(0)), line)


@cache
def _nulls(delimiter: str) -> re.Pattern[str]:
    """A whole unquoted value that is ``\\N``: between delimiters or a line's ends."""
    d = re.escape(delimiter)
    return re.compile(rf"(?:^|(?<={d})){re.escape(_NULL)}(?={d}|\r|\n|$)")


def backslash_escaped(sample: str, complete: bool, delimiter: str) -> bool:
    """Whether the file escapes special characters with a backslash, as database exports do,
    rather than quoting them, judged on its sample read both ways. Read with the escape, no
    row may have more values than the header; and one of these holds:

    - a quote inside a value is written ``\\"`` (MySQL's ``INTO OUTFILE … ENCLOSED BY``, some
      web exporters): read as CSV, a row has more values than the header, as the quote ends
      the value early;
    - a whole value is ``\\N``, NULL (MySQL, PostgreSQL's ``COPY``), and read as CSV no value
      holds a quote (which a CSV that doubles its quotes would);
    - a line break follows a backslash (MySQL's ``INTO OUTFILE`` keeps a comment's line break
      so): read as CSV, a row is cut short there, and read with the escape, every row has the
      header's width.

    A value that ends in a backslash (``"C:\\temp\\"``, ``C:\\temp\\`` last on its line) in a
    file that does not escape does not pass: read with the escape, its quote never closes, or
    its row runs into the next."""
    quote = '\\"' in sample
    null = any(_nulls(delimiter).search(line) for line in sample.splitlines())
    broken = _ESCAPED_BREAK.search(sample) is not None
    if not (quote or null or broken):
        return False
    plain = _sample_records(sample, delimiter, complete)
    escaped = _sample_records(sample, delimiter, complete, BACKSLASH)
    if not escaped or _overflows(escaped):
        return False
    if quote and _overflows(plain):
        return True
    if null and not any('"' in value for record in plain for value in record):
        return True
    return broken and _uneven(plain) and not _uneven(escaped)


def _uneven(records: Sequence[Sequence[str]]) -> bool:
    """A record below the header with another number of values than the header."""
    width, rows = _under_header(records)
    return any(len(record) != width for record in rows)


def _overflows(records: Sequence[Sequence[str]]) -> bool:
    """A record below the header too wide for it (``too_wide``)."""
    width, rows = _under_header(records)
    return any(too_wide(record, width) for record in rows)


def _under_header(records: Sequence[Sequence[str]]) -> tuple[int, Sequence[Sequence[str]]]:
    """The header's width and the records below it (``header_index``); none without records."""
    if not records:
        return 0, ()
    start = header_index(records)
    return len(records[start]), records[start + 1 :]


def too_wide(record: Sequence[str], width: int) -> bool:
    """A record with more values than the header's ``width``, one of those past it not empty
    (empty ones are a trailing delimiter, and are cut): read as it is, a value would be lost."""
    return len(record) > width and any(value.strip() for value in record[width:])


def without_marks(record: list[str]) -> list[str]:
    """``record`` without the marks that are no text: a byte order mark at a value's start
    (each part of a ``cat *.csv`` of Excel's "CSV UTF-8" files starts with one, so its header
    would read ``\\ufeffCourse``) and Ctrl-Z at either end of one (``copy``'s end of file).
    Callers look for either mark in the text first (``has_marks``): few files hold one."""
    return [value.lstrip(_MARKS).rstrip(DOS_EOF) for value in record]


def has_marks(text: str) -> bool:
    """Whether ``text`` holds a byte order mark or Ctrl-Z (``without_marks``)."""
    return BOM in text or DOS_EOF in text


def holds_nothing(record: Sequence[str]) -> bool:
    """A record whose every value is blank: a line of delimiters only (``;;``, which Excel
    writes for a formatted empty row under the table), no row."""
    return not any(value.strip() for value in record)


def as_written(record: list[str], raw: str, delimiter: str) -> list[str]:
    """``record`` (the csv module's reading of the ``raw`` lines it was read from) with each
    value that opens with a quote and goes on after the closing one (``"Great" teacher``,
    from a program that does not quote values) as the file writes it, quotes and all: the
    csv module drops those quotes, and with them what a sarcastic comment means. A value
    quoted as CSV writes one (closed right before the delimiter or the line's end) is
    read as CSV reads it."""
    if not _closed_early(delimiter).search(raw):
        return record
    spans = _raw_values(raw, delimiter)
    if len(spans) != len(record):
        return record
    return [text if early else value for value, (text, early) in zip(record, spans, strict=True)]


@cache
def _closed_early(delimiter: str) -> re.Pattern[str]:
    return re.compile(_QUOTE_CLOSED_EARLY.format(d=re.escape(delimiter)))


def _raw_values(raw: str, delimiter: str) -> list[tuple[str, bool]]:
    """Each value's text in ``raw`` (one record, ``\\n``, ``\\r\\n`` or ``\\r`` ending
    its lines) as the csv module bounds it, and whether it is quoted and goes on after its
    closing quote."""
    values: list[tuple[str, bool]] = []
    start, size = 0, len(raw)
    while True:
        early = False
        if raw.startswith('"', start):
            end, early = _quoted_end(raw, start + 1, delimiter)
        else:
            end = _value_end(raw, start, delimiter)
        values.append((raw[start:end], early))
        if end >= size or raw[end] in _LINE_ENDS:
            return values
        start = end + 1


def _quoted_end(raw: str, at: int, delimiter: str) -> tuple[int, bool]:
    """Where a value that opens with a quote before ``at`` ends, and whether it goes on after
    its closing quote (the csv module then reads the rest as unquoted text)."""
    while (close := raw.find('"', at)) >= 0:
        if raw.startswith('"', close + 1):
            at = close + 2  # a quote written twice: one quote in the value
            continue
        if close + 1 == len(raw) or raw[close + 1] in (delimiter, *_LINE_ENDS):
            return close + 1, False
        return _value_end(raw, close + 1, delimiter), True
    return len(raw), False


def _value_end(raw: str, at: int, delimiter: str) -> int:
    """Where an unquoted value from ``at`` ends: at the delimiter or the line's end."""
    stops = (delimiter, *_LINE_ENDS)
    ends = [found for found in (raw.find(stop, at) for stop in stops) if found >= 0]
    return min(ends, default=len(raw))


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte order mark at the start of the file announces, if any."""
    if head.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    return None


def sniff_encoding(path: Path) -> str:
    """The file's encoding (a name from ENCODING_NAMES), after decoding all of it: refuses an
    undecodable byte, naming its line, and a file of two encodings."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    announced = bom_encoding(head)
    if announced is not None:
        try:
            _scan(path, announced)
        except _Undecodable as exc:
            raise EncodingError(_marked_refusal(announced, exc)) from exc
        return announced
    try:
        _scan(path, UTF8)
    except _Undecodable as exc:
        if exc.after_non_ascii:
            raise EncodingError(
                f"the file is UTF-8 text except for {exc.where}: save it again as UTF-8 "
                "(CSV UTF-8 in Excel) and upload it"
            ) from exc
    else:
        return UTF8
    lines = _non_ascii_lines(path)
    encoding = legacy_encoding(lines, cr_only=b"\r" in head and b"\n" not in head)
    name = ENCODING_NAMES[encoding]
    try:
        _scan(path, encoding)
    except _Undecodable as exc:
        mac = " (Mac Roman, as Excel for Mac saves CSV?)" if reads_as_mac_roman(lines) else ""
        raise EncodingError(
            f"the file is neither UTF-8 nor {name} text{mac}: {exc.where} cannot be read; "
            "save it as UTF-8 (CSV UTF-8 in Excel) and upload it"
        ) from exc
    if encoding in (WINDOWS_1252, MAC_ROMAN) and (inside := _utf8_inside(path, encoding)):
        raise EncodingError(
            f"the file is {name} text, but UTF-8 text is in it from {inside}: it joins parts "
            "saved in two encodings; save each as UTF-8 (CSV UTF-8 in Excel), join them "
            "again and upload that"
        )
    return encoding


def _marked_refusal(announced: str, exc: _Undecodable) -> str:
    """Why a file whose byte order mark names ``announced`` is refused: cut off when its
    last bytes are half a character, else holding another encoding's text."""
    name = ENCODING_NAMES[announced]
    if exc.at_end:  # a cut-off copy of Excel's "Unicode Text", a lone half
        hint = "the file may be cut off"
    elif announced == UTF8_BOM:
        hint = "part of it is in another encoding (Windows-1252?)"
    else:
        hint = "it holds bytes that are no such text"
    return (
        f"the file starts as {name} text (its byte order mark says so) but {exc.where} "
        f"cannot be read as such: {hint}; save it again (CSV UTF-8 in Excel) and upload it"
    )


_EVIDENCE_BYTES = 256 * 1024
"""Bytes of a legacy file's lines holding a byte over 0x7F that its code page is judged on."""
_LINE_BREAK = re.compile(rb"\r\n?|\n")
_LINE_BREAK_KEPT = re.compile(rb"(\r\n?|\n)")


def _non_ascii_lines(path: Path) -> list[bytes]:
    """The file's lines that hold a byte over 0x7F, up to ``_EVIDENCE_BYTES`` of them:
    wherever they are, so that a few such lines deep in a long file are judged too."""
    found: list[bytes] = []
    size = 0
    rest = b""
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            lines = _LINE_BREAK.split(rest + block)
            rest = lines.pop()
            for line in (line for line in lines if not line.isascii()):
                found.append(line)
                size += len(line)
                if size >= _EVIDENCE_BYTES:
                    return found
    if not rest.isascii():
        found.append(rest)
    return found


def _utf8_inside(path: Path, encoding: str) -> str | None:
    """Where the first UTF-8 line of a file read with a single-byte ``encoding`` is, and its
    first UTF-8 character (``line 3 (offset 41, 'Ã©')``); None when it holds none. A line
    counts only when it is UTF-8 as a whole (``utf8_in_line``): two exports joined."""
    number, start, rest = 1, 0, b""
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            data = rest + block
            held = 1 if data.endswith(b"\r") else 0  # a CR whose LF may come next
            pieces = _LINE_BREAK_KEPT.split(data[: len(data) - held])
            rest = pieces.pop() + data[len(data) - held :]
            for line, end in zip(pieces[::2], pieces[1::2], strict=True):
                if not line.isascii() and (found := utf8_in_line(line)) is not None:
                    return _utf8_place(found, number, start, encoding)
                number += 1
                start += len(line) + len(end)
    if not rest.isascii() and (found := utf8_in_line(rest)) is not None:
        return _utf8_place(found, number, start, encoding)
    return None


def _utf8_place(found: re.Match[bytes], number: int, start: int, encoding: str) -> str:
    shown = found.group().decode(encoding, errors="replace")
    return f"line {number} (offset {start + found.start():,}, {shown!r})"


def read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The decoded start of the file, and whether it is the whole file."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES + 1)
    complete = len(head) <= SAMPLE_BYTES
    decoder = codecs.getincrementaldecoder(encoding)(errors="ignore")
    return decoder.decode(head[:SAMPLE_BYTES], final=complete), complete


def sniff_delimiter(sample: str, complete: bool) -> str:
    """The delimiter (one of DELIMITERS) under which the header (``header_index``: under any
    title lines) has the most columns that the data rows repeat; a one-column file gets one
    that splits none of its rows (comments full of commas stay whole); the comma when nothing
    fits."""
    best, best_score = ",", (-1.0, -len(sample), 0)
    one_column: list[str] = []
    for delimiter in DELIMITERS:
        records = _sample_records(sample, delimiter, complete)
        if not records:
            return ","
        start = header_index(records)
        width, data = len(records[start]), records[start + 1 :]
        if width == 1:
            if all(len(record) == 1 for record in data):
                one_column.append(delimiter)
            continue
        exact = sum(len(record) == width for record in data) / len(data) if data else 1.0
        score = (exact, -start, width)  # the header after the fewest title lines first
        if score > best_score:
            best, best_score = delimiter, score
    if best_score[0] < 0 and one_column:
        return one_column[0]
    return best


def header_index(records: Sequence[Sequence[str]], named: str | None = None) -> int:
    """Which of a CSV's first records is its header. Reports exported as CSV often start with
    a title, a date, ``Course:,CHEM110`` lines and blank lines. The header is:

    - the first record that holds the column ``named`` (the comment column asked for) and
      heads a table (``_heads_a_table``), else the first that holds it;
    - with none named, the first record that names a comment column (``TEXT_NAMES``) and
      heads a table: under a metadata block (``Course:,CHEM 110``) or a title that is itself
      a comment column's name (a report titled ``Comments``), as a workbook's header is found;
    - under a first record of one value at most (a title), the first record of two values or
      more one of which names a comment column, past lines of two values such as
      ``Term:,Fall 2026``;
    - else the first record of two values or more after at most ``TITLE_RECORDS`` of one
      value at most, when most of the records under it have as many fields (a narrower
      header would otherwise be taken for a title);
    - else the first record: a one-column file, whose comments may hold the delimiter, and a
      first record that is only a comment column's name (``Comments``) with no table under
      it, never a title.
    """
    if not records:
        return 0
    scanned = records[: TITLE_RECORDS + 1]
    asked = (named or "").strip().casefold()
    if asked:
        naming = [index for index, record in enumerate(scanned) if header_holds(record, asked)]
        if naming:
            return next((i for i in naming if _heads_a_table(records, i)), naming[0])
    else:
        for index, record in enumerate(scanned):
            if _names_a_comment_column(record) and _heads_a_table(records, index):
                return index
    first = [value.strip().casefold() for value in records[0] if value.strip()]
    if _only_a_comment_name(first):
        return 0
    if not asked and len(first) < 2:
        for index, record in enumerate(scanned):
            if _filled(record) >= 2 and _names_a_comment_column(record):
                return index  # under a title: a table's header with a comment column
    for index, record in enumerate(scanned):
        if _filled(record) < 2:
            continue
        below = records[index + 1 : index + 1 + _HEADER_LOOKAHEAD]
        repeated = sum(len(other) == len(record) for other in below)
        return index if index == 0 or repeated >= _HEADER_REPEATED * len(below) > 0 else 0
    return 0


def _heads_a_table(records: Sequence[Sequence[str]], index: int) -> bool:
    """Whether ``records[index]`` is a table's header: two values or more, as many fields as
    most of the records under it, and every record above it narrower (a title, a line of
    metadata) — a record above as wide might be the header, and the one at ``index`` a row."""
    record = records[index]
    width = _filled(record)
    if width < 2:
        return False
    below = records[index + 1 : index + 1 + _HEADER_LOOKAHEAD]
    if sum(len(other) == len(record) for other in below) < _HEADER_REPEATED * len(below):
        return False
    return all(_filled(above) < width for above in records[:index])


def _names_a_comment_column(record: Sequence[str]) -> bool:
    return any(value.strip().casefold() in TEXT_WORDS for value in record)


def _filled(record: Sequence[str]) -> int:
    """The record's values that are not blank."""
    return sum(1 for value in record if value.strip())


def txt_header_line(sample: str) -> tuple[int, str] | None:
    """The line of a one-comment-per-line file's header and the name it gives the column,
    when its first non-blank line is only a comment column's name (``Comments``: a one-column
    sheet saved as text); None when the file starts with a comment."""
    for number, line in enumerate(io.StringIO(sample, newline=None), start=1):
        name = line.lstrip(_MARKS).strip()
        if name:
            return (number, name) if _only_a_comment_name([name.casefold()]) else None
    return None


def _only_a_comment_name(values: Sequence[str]) -> bool:
    """A line whose one value is a comment column's name (``comments``): a header."""
    return len(values) == 1 and values[0] in TEXT_WORDS


def txt_table_delimiter(sample: str, complete: bool) -> str | None:
    """The delimiter of a TXT upload that is a table, None for one comment per line. Excel's
    "Unicode Text" and "Text (Tab delimited)" save a sheet as .txt, a tab between cells: every
    sampled record has the same two or more tab-separated fields, there are two records or
    more (a header and a row), and the first is a header, none of its values repeated in its
    column below (``Great\tcourse`` over ``bad\tcourse`` are two comments); free text, one
    comment per line, seldom holds a tab, let alone the same number on every line. A CSV
    named .txt (``export.txt``) is a comma- or semicolon-separated table whose header names
    a comment column (``course,comment``): commas are common in comments, that header is
    not."""
    for delimiter in ("\t", ",", ";"):
        records = _sample_records(sample, delimiter, complete)
        if not _one_table(records):
            continue
        if delimiter == "\t" or _names_a_comment_column(records[0]):
            return delimiter
    return None


def _one_table(records: Sequence[Sequence[str]]) -> bool:
    """Two records or more, all as wide (two values or more), the first a header: no value
    of it is in its column below, but in a record that repeats it whole (files joined)."""
    width = len(records[0]) if records else 0
    if len(records) < 2 or width < 2 or any(len(record) != width for record in records):
        return False
    header = [value.strip().casefold() for value in records[0]]
    rows = ([value.strip().casefold() for value in record] for record in records[1:])
    return not any(
        value == name
        for row in rows
        if row != header
        for value, name in zip(row, header, strict=True)
        if name
    )


def _sample_records(
    sample: str, delimiter: str, complete: bool, escape: str | None = None
) -> list[list[str]]:
    """The sample's records that hold something (``holds_nothing``), as the readers find
    them; the last one only when the sample is the whole file (otherwise it may be cut)."""
    reader = csv_reader(io.StringIO(sample, newline=None), delimiter, escape)
    marked = has_marks(sample)
    records: list[list[str]] = []
    try:
        for record in reader:
            if marked:
                record = without_marks(record)
            if not holds_nothing(record):
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                return records
    except csv.Error:  # a cut quoted field: judge by the records before it
        return records
    return records if complete else records[:-1] or records


class _Undecodable(Exception):
    """A byte sequence the encoding cannot decode, whether non-ASCII text came before it,
    and whether it is the file's last bytes (half a character: a cut-off file)."""

    def __init__(self, where: str, after_non_ascii: bool, at_end: bool) -> None:
        super().__init__(where)
        self.where = where
        self.after_non_ascii = after_non_ascii
        self.at_end = at_end


class _LineCounter:
    """Counts line ends (``\\n``, ``\\r\\n`` or ``\\r``) in text fed in pieces."""

    def __init__(self) -> None:
        self.ends = 0
        self._pending_cr = False

    def feed(self, text: str) -> None:
        if not text:
            return
        ends = text.count("\n") + text.count("\r") - text.count("\r\n")
        if self._pending_cr and text.startswith("\n"):
            ends -= 1
        self.ends += ends
        self._pending_cr = text.endswith("\r")

    @property
    def line(self) -> int:
        """The 1-based number of the line the next character is on."""
        return self.ends + 1


def nul_character(line: int) -> MalformedInputError:
    return MalformedInputError(
        f"line {line} holds a NUL character (byte 0), which no text holds: remove it (or "
        "export the file again) and upload it"
    )


def _scan(path: Path, encoding: str) -> None:
    """Decode the whole file; raise _Undecodable at the first bad byte, naming its line. A
    UTF-8 byte order mark is passed over here, not by the decoder, whose error positions
    would then count from after it."""
    start = 0  # file offset of the first byte handed to the decoder this round
    if encoding == UTF8_BOM:
        encoding, start = UTF8, len(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = _LineCounter()
    non_ascii = False
    with path.open("rb") as handle:
        handle.seek(start)
        while True:
            block = handle.read(_READ_BLOCK)
            pending, state = decoder.getstate()
            data = pending + block  # so that an error's position is one in ``data``
            start -= len(pending)
            decoder.setstate((b"", state))
            try:
                text = decoder.decode(data, final=not block)
            except UnicodeDecodeError as exc:
                where, after = _undecodable(encoding, data, state, exc, start, lines)
                cut = not block and exc.end >= len(data)
                raise _Undecodable(where, non_ascii or after, cut) from exc
            lines.feed(text)
            non_ascii = non_ascii or not text.isascii()
            start += len(data)
            if not block:
                return


def _undecodable(
    encoding: str,
    data: bytes,
    state: int,
    exc: UnicodeDecodeError,
    start: int,
    lines: _LineCounter,
) -> tuple[str, bool]:
    """Where the bad byte is (line and offset), and whether non-ASCII text came before it in
    ``data`` (the caller knows of the rounds before)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    decoder.setstate((b"", state))
    before = decoder.decode(data[: exc.start])
    lines.feed(before)
    where = f"byte 0x{data[exc.start]:02x} on line {lines.line} (offset {start + exc.start:,})"
    return where, not before.isascii()
