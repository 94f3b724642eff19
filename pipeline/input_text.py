"""How a text upload (CSV or one-per-line TXT) is encoded and, for a CSV, delimited (and
whether a TXT upload is a tab-separated table after all).

Found once, when the file is validated, and stored with the job, so the worker reads the file
exactly as validation did. Encodings: a byte order mark decides (UTF-8, UTF-16 LE or BE);
without one the file is UTF-8 when all of it decodes as UTF-8, else Windows-1252 (what Excel
saves as "CSV" on Windows) — unless UTF-8 characters came before the first bad byte: that is
a damaged UTF-8 file, refused with the place, not read as garbled text.

A NUL character is refused by the readers (``nul_character``), on whatever line it is, so a
file is refused the same way at validation and in the worker, on SQLite as on PostgreSQL
(which cannot store one); no comment holds one.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import EncodingError, MalformedInputError
from pipeline.input_header import TEXT_WORDS, header_holds

UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
UTF16 = "utf-16"
WINDOWS_1252 = "cp1252"
ENCODING_NAMES = {
    UTF8: "UTF-8",
    UTF8_BOM: "UTF-8 with BOM",
    UTF16: "UTF-16",
    WINDOWS_1252: "Windows-1252",
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


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte order mark at the start of the file announces, if any."""
    if head.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    return None


def sniff_encoding(path: Path) -> str:
    """The file's encoding (a name from ENCODING_NAMES), after decoding all of it: refuses an
    undecodable byte, naming its line."""
    with path.open("rb") as handle:
        announced = bom_encoding(handle.read(4))
    if announced is not None:
        _scan(path, announced)
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
    try:
        _scan(path, WINDOWS_1252)
    except _Undecodable as exc:
        raise EncodingError(
            f"the file is neither UTF-8 nor Windows-1252 text: {exc.where} cannot be read; "
            "save it as UTF-8 (CSV UTF-8 in Excel) and upload it"
        ) from exc
    return WINDOWS_1252


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

    - the first record that holds the column ``named`` (the comment column asked for);
    - under a first record of one value at most (a title), the first record of two values or
      more one of which names a comment column (``TEXT_NAMES``), past lines of two values
      such as ``Term:,Fall 2026``;
    - else the first record of two values or more after at most ``TITLE_RECORDS`` of one
      value at most, when most of the records under it have as many fields (a narrower
      header would otherwise be taken for a title);
    - else the first record: a one-column file, whose comments may hold the delimiter, and a
      first record that is only a comment column's name (``Comments``), never a title.
    """
    if not records:
        return 0
    first = [value.strip().casefold() for value in records[0] if value.strip()]
    if _only_a_comment_name(first):
        return 0
    scanned = records[: TITLE_RECORDS + 1]
    asked = (named or "").strip().casefold()
    for index, record in enumerate(scanned):
        values = {value.strip().casefold() for value in record} - {""}
        if asked and header_holds(record, asked):
            return index
        if not asked and len(first) < 2 and len(values) >= 2 and values & TEXT_WORDS:
            return index  # under a title: a table's header with a comment column
    for index, record in enumerate(scanned):
        if sum(1 for value in record if value.strip()) < 2:
            continue
        below = records[index + 1 : index + 1 + _HEADER_LOOKAHEAD]
        repeated = sum(len(other) == len(record) for other in below)
        return index if index == 0 or repeated >= _HEADER_REPEATED * len(below) > 0 else 0
    return 0


def txt_header_line(sample: str) -> int | None:
    """The line of a one-comment-per-line file's header, when its first non-blank line is only
    a comment column's name (``Comments``: a one-column sheet saved as text); None when the
    file starts with a comment."""
    for number, line in enumerate(io.StringIO(sample, newline=None), start=1):
        if line.strip():
            return number if _only_a_comment_name([line.strip().casefold()]) else None
    return None


def _only_a_comment_name(values: Sequence[str]) -> bool:
    """A line whose one value is a comment column's name (``comments``): a header."""
    return len(values) == 1 and values[0] in TEXT_WORDS


def tab_separated(sample: str, complete: bool) -> bool:
    """A TXT upload that is a table: Excel's "Unicode Text" and "Text (Tab delimited)" save a
    sheet as .txt, a tab between cells. Every sampled record has the same two or more
    tab-separated fields, and there are two records or more (a header and a row); free text,
    one comment per line, seldom holds a tab, let alone the same number on every line."""
    records = _sample_records(sample, "\t", complete)
    width = len(records[0]) if records else 0
    return len(records) > 1 and width > 1 and all(len(record) == width for record in records)


def _sample_records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    """The sample's non-blank records; the last one only when the sample is the whole file
    (otherwise it may be cut)."""
    reader = csv.reader(io.StringIO(sample, newline=None), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                return records
    except csv.Error:  # a cut quoted field: judge by the records before it
        return records
    return records if complete else records[:-1] or records


class _Undecodable(Exception):
    """A byte sequence the encoding cannot decode, and whether UTF-8 text came before it."""

    def __init__(self, where: str, after_non_ascii: bool) -> None:
        super().__init__(where)
        self.where = where
        self.after_non_ascii = after_non_ascii


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
    """Decode the whole file; raise _Undecodable at the first bad byte, naming its line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = _LineCounter()
    start = 0  # file offset of the first byte handed to the decoder this round
    non_ascii = False
    with path.open("rb") as handle:
        while True:
            block = handle.read(_READ_BLOCK)
            pending, state = decoder.getstate()
            data = pending + block  # so that an error's position is one in ``data``
            start -= len(pending)
            decoder.setstate((b"", state))
            try:
                text = decoder.decode(data, final=not block)
            except UnicodeDecodeError as exc:
                raise _undecodable(encoding, data, state, exc, start, lines, non_ascii) from exc
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
    non_ascii: bool,
) -> _Undecodable:
    """Where the bad byte is (line and offset), and whether non-ASCII text came before it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    decoder.setstate((b"", state))
    before = decoder.decode(data[: exc.start])
    lines.feed(before)
    where = f"byte 0x{data[exc.start]:02x} on line {lines.line} (offset {start + exc.start:,})"
    return _Undecodable(where, non_ascii or not before.isascii())
