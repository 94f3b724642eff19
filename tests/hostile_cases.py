"""The hostile and malformed files of tests/e2e/test_hostile_inputs.py, as bytes: text files
in any delimiter, line ending and encoding, files that only pretend to be text, and small
workbooks. Pure builders (no server); import them (``from hostile_cases import ...``)."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SNIFF_BYTES = 64 * 1024
"""How much of a text file is sniffed for its format, delimiter and binary content."""


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    delimiter: str = ",",
    newline: str = "\n",
    encoding: str = "utf-8",
) -> bytes:
    """A CSV file: quoted where needed, in ``delimiter``, ``newline`` and ``encoding``."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def comments(values: Sequence[str], encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """A one-column CSV whose column is ``comment``."""
    return table(["comment"], [[value] for value in values], newline=newline, encoding=encoding)


def padding_rows(size: int) -> list[str]:
    """Plain comments adding up to at least ``size`` bytes: pushes what follows them past the
    part of a file that is sniffed."""
    line = "An ordinary comment that fills the file"
    return [f"{line} #{i}" for i in range(size // len(line) + 1)]


def with_nul(before: Sequence[str], after: Sequence[str]) -> bytes:
    """A comments file with a NUL character inside the comment between ``before`` and
    ``after``."""
    return comments([*before, "bro\x00ken", *after])


def invalid_utf8_mid_file() -> bytes:
    """UTF-8 text (accented letters and all) that breaks with a lone lead byte on line 12."""
    good = comments([f"café crème #{i}" for i in range(10)])
    return good + b"caf\xc3\x28 broken\n" + "déjà vu\n".encode()


def xls_signature() -> bytes:
    """The start of an Excel 97-2003 workbook: an OLE2 compound file header."""
    return OLE2_MAGIC + bytes(504)


def zip_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "comment\nnot a workbook\n")
    return buffer.getvalue()


def opendocument_spreadsheet() -> bytes:
    """An .ods as LibreOffice writes it: the uncompressed ``mimetype`` member first, then the
    sheet in content.xml."""
    content = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        '<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
        "<table:table-cell><text:p>comment</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>Great labs</text:p></table:table-cell>"
        "</table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def pdf_document() -> bytes:
    """A small PDF: text objects around a compressed (random-looking) stream."""
    stream = random.Random(7).randbytes(20_000)
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Length 20000/Filter/FlateDecode>>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<</Root 1 0 R>>\n%%EOF\n"
    )


def png_image() -> bytes:
    return PNG_MAGIC + b"\x00\x00\x00\rIHDR" + random.Random(8).randbytes(5_000)


def header_line(size: int) -> bytes:
    """A header of one ``size``-character cell (a file without a header row, say a dump)."""
    return b"c" * size + b"\nfirst comment\n"


def wide_header(columns: int) -> bytes:
    names = ",".join(f"column{i}" for i in range(columns))
    return f"comment,{names}\nonly comment\n".encode()


def workbook(sheets: Sequence[tuple[str, Sequence[Sequence[object]]]]) -> bytes:
    """An XLSX workbook of ``sheets`` (name, rows) in tab order; an empty row is left blank."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


QUALTRICS_HEADER = (
    ("StartDate", "ResponseId", "Q1", "Q3"),
    ("Start Date", "Response ID", "Course", None),
    (
        '{"ImportId":"startDate","timeZone":"America/Denver"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"QID1"}',
        '{"ImportId":"QID3_TEXT"}',
    ),
)
"""A Qualtrics export's three header rows: column ids, question texts (None: the comment
question's), import ids."""


def qualtrics_export(
    answers: Sequence[tuple[str, str]], question: str = "Comments", xlsx: bool = False
) -> bytes:
    """A Qualtrics export (CSV, or Excel with ``xlsx``) of (course, comment) answers, whose
    comment question is ``question``."""
    head = [[question if cell is None else cell for cell in row] for row in QUALTRICS_HEADER]
    rows = [*head, *(["2026-11-02 09:00:00", f"R_{n}", c, t] for n, (c, t) in enumerate(answers))]
    return workbook([("Sheet0", rows)]) if xlsx else table(rows[0], rows[1:])


def surveymonkey_export(answers: Sequence[tuple[str, str]]) -> bytes:
    """A SurveyMonkey CSV export of (course, comment) answers: the question texts are the
    header, a row of sub-headers (``Response``, ``Open-Ended Response``…) under it."""
    header = ["Respondent ID", "Collector ID", "Which course?", "Rate it", ""]
    header.append("Any other comments?")
    sub = ["", "", "Response", "Good", "Poor", "Open-Ended Response"]
    rows = [[str(1000 + n), "7", c, "Good", "", t] for n, (c, t) in enumerate(answers)]
    return table(header, [sub, *rows])


BOUNDARY = "hostile-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart_upload(filename: bytes, content: bytes, text_column: bytes = b"comment") -> bytes:
    """A submit's multipart body written by hand, so that the file name goes as its bytes
    (an HTTP client would percent-encode a NUL in it)."""
    start = f"--{BOUNDARY}\r\n".encode()
    return (
        start
        + b'Content-Disposition: form-data; name="text_column"\r\n\r\n'
        + text_column
        + b"\r\n"
        + start
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\n\r\n'
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
