"""Workbooks for the XLSX tests and benchmarks, written part by part: ordinary ones (a cover
sheet, title rows above the header, inline strings) and hostile ones (decompression bombs,
lying ZIP headers, shared-string amplification). Import them (``from xlsxfakes import ...``);
benchmarks/xlsx_bombs.py puts tests/ on sys.path to use the same builders.
"""

from __future__ import annotations

import datetime
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.comments import Comment

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
)
PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


@dataclass(frozen=True)
class Member:
    """One ZIP member as stored: its deflated bytes and what its headers declare."""

    name: str
    data: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(content: bytes) -> Member:
    """``content`` deflated, with honest headers (for ``raw_zip``)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Member("", packer.compress(content) + packer.flush(), len(content), zlib.crc32(content))


def repeated(block: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> Member:
    """``head + block * times + tail`` deflated without compressing it all: after a full
    flush the compressor starts afresh, so each copy of ``block`` deflates to the same bytes.
    The CRC is left at 0: a reader must refuse such a member long before its end."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    copy = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush()
    return Member("", start + copy * times + end, len(head) + len(block) * times + len(tail), 0)


def raw_zip(members: Sequence[Member]) -> bytes:
    """A ZIP whose local headers and central directory say exactly what ``members`` declare
    (``zipfile`` would write the true sizes)."""
    body = bytearray()
    directory = bytearray()
    for member in members:
        name = member.name.encode()
        offset = len(body)
        fields = (20, 0, member.method, 0, 0, member.crc, len(member.data), member.size)
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, len(name), 0) + name
        body += member.data
        directory += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, len(name), 0, 0, 0, 0, 0, offset
        )
        directory += name
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0
    )
    return bytes(body + directory + end)


def named(member: Member, name: str) -> Member:
    return Member(name, member.data, member.size, member.crc, member.method)


def workbook_parts(
    sheets: Sequence[tuple[str, str]],
    shared: Sequence[str] | None = None,
    hidden: Iterable[str] = (),
) -> dict[str, str]:
    """The parts of a workbook: ``sheets`` are (name, sheet XML) in tab order."""
    hidden = set(hidden)
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
        + (' state="hidden"' if name in hidden else "")
        + "/>"
        for i, (name, _xml) in enumerate(sheets, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{i}" Type="{_DOC}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            f'xmlns:r="{_DOC}"><sheets>{entries}</sheets></workbook>'
        ),
    }
    if shared is not None:
        relations += (
            f'<Relationship Id="rIdS" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        )
        items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in shared)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" '
            f'uniqueCount="{len(shared)}">{items}</sst>'
        )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">{relations}'
        "</Relationships>"
    )
    for i, (_name, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    return parts


def write_parts(path: Path, parts: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


def sheet_xml(rows: Iterable[str], merged: Sequence[str] = ()) -> str:
    """A worksheet of ``rows``, each a ``<row>…</row>`` element, and the ``merged`` ranges
    (``A2:A4``), listed after the rows as Excel lists them."""
    merges = "".join(f'<mergeCell ref="{ref}"/>' for ref in merged)
    listed = f'<mergeCells count="{len(merged)}">{merges}</mergeCells>' if merged else ""
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(rows)}</sheetData>{listed}</worksheet>'


def inline_row(number: int, values: Sequence[str | None]) -> str:
    """A row of inline-string cells from column A; None leaves a cell out."""
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values)
        if v is not None
    )
    return f'<row r="{number}">{cells}</row>'


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def bomb_parts(sheet: Member, shared: Member | None = None) -> list[Member]:
    """A workbook of one sheet around a hostile sheet (and shared-strings) member."""
    parts = workbook_parts([("Sheet1", "")], shared=[] if shared is not None else None)
    members = [
        named(deflated(text.encode()), name)
        for name, text in parts.items()
        if name not in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml")
    ]
    members.append(named(sheet, "xl/worksheets/sheet1.xml"))
    if shared is not None:
        members.append(named(shared, "xl/sharedStrings.xml"))
    return members


SHEET_HEAD = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
SHEET_TAIL = b"</sheetData></worksheet>"


def repeated_cells_bomb(compressed_bytes: int = 1024 * 1024) -> bytes:
    """A sheet of millions of identical cells (one per row, each row number implied) deflated
    to about ``compressed_bytes``; its headers declare the true size."""
    return raw_zip(bomb_parts(_cells(compressed_bytes)))


def lying_size_bomb(compressed_bytes: int = 1024 * 1024) -> bytes:
    """The same cells, but the headers declare only 50 times the compressed size: a reader
    that trusts the declared size is fooled; the bytes actually inflated give it away."""
    sheet = _cells(compressed_bytes)
    return raw_zip(bomb_parts(Member(sheet.name, sheet.data, 50 * len(sheet.data), 0)))


def _cells(compressed_bytes: int) -> Member:
    block = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 2000
    copy = len(repeated(block, 1).data) - len(repeated(b"", 1).data)
    header = SHEET_HEAD + b'<row><c t="inlineStr"><is><t>comment</t></is></c></row>'
    return repeated(block, max(1, compressed_bytes // copy), header, SHEET_TAIL)


def shared_strings_bomb(compressed_bytes: int = 1024 * 1024) -> bytes:
    """A shared-strings table of millions of strings (and no uniqueCount to warn of them)."""
    block = b"<si><t>x</t></si>" * 5000
    copy = len(repeated(block, 1).data) - len(repeated(b"", 1).data)
    head = f'<sst xmlns="{MAIN}">'.encode()
    table = repeated(block, max(1, compressed_bytes // copy), head, b"</sst>")
    sheet = deflated(SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL)
    return raw_zip(bomb_parts(sheet, table))


def amplification_bomb(rows: int = 100_000, chars: int = 30_000) -> bytes:
    """One long shared string named by every cell of a short sheet: a few kilobytes that
    stand for ``rows * chars`` characters."""
    header = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    block = b'<row><c t="s"><v>1</v></c></row>'
    sheet = deflated(SHEET_HEAD + header + block * rows + SHEET_TAIL)
    table = f'<sst xmlns="{MAIN}"><si><t>comment</t></si><si><t>{"x" * chars}</t></si></sst>'
    return raw_zip(bomb_parts(sheet, deflated(table.encode())))


def evaluation_export(path: Path) -> Path:
    """A cover sheet, then the answers under a title and a blank row, then a hidden sheet."""
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["About this export"])
    cover.append(["Generated by the evaluation system"])
    answers = book.create_sheet("Answers")
    answers.append(["Course evaluation export 2026"])
    answers.append([])
    answers.append(["Course", "Comment", "Score", "Submitted", "Complete"])
    answers.append(["CS101", "Great lectures", 5, datetime.datetime(2026, 3, 1, 9, 30), True])
    answers.append(["CS101", "Too fast", 2.5, datetime.date(2026, 3, 2), False])
    answers.append([])
    answers.append(["MATH201", None, 3, None, None])
    notes = book.create_sheet("Notes")
    notes.append(["Comment", "Author"])
    notes.append(["Remember to export again", "admin"])
    secret = book.create_sheet("Secret")
    secret.append(["Comment"])
    secret.append(["hidden answer"])
    secret.sheet_state = "hidden"
    book.save(path)
    return path


def per_course_workbook(path: Path) -> Path:
    """One sheet per course, as an evaluation office prepares them: a cover in front, a
    course under a title row, one whose columns differ in case and add one, a totals sheet
    without comments at the end and a hidden sheet that is not read unless named."""
    book = Workbook()
    cover = book.active
    cover.title = "Read me"
    cover.append(["One sheet per course, Fall 2026"])
    biology = book.create_sheet("BIOL 1010")
    biology.append(["BIOL 1010 comments"])
    biology.append([])
    biology.append(["Instructor", "Comment"])
    biology.append(["Dr Okafor", "Great labs"])
    biology.append(["Dr Okafor", "Exams too long"])
    chemistry = book.create_sheet("CHEM 2210")
    chemistry.append(["instructor", "comment", "Section"])
    chemistry.append(["Prof Li", "Slides came late", "002"])
    totals = book.create_sheet("Totals")
    totals.append(["Course", "Responses"])
    totals.append(["BIOL 1010", 2])
    hidden = book.create_sheet("Old")
    hidden.append(["Comment"])
    hidden.append(["last year's answer"])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def course_report(path: Path) -> Path:
    """A report-style export: a cover, title rows, a course merged down its comments, a
    comment of two lines with a reviewer's note, runs of spaces, dates, times, numbers,
    percentages and booleans, repeated rows and a hidden sheet."""
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Course evaluation export"])
    cover.append(["Fall 2026"])
    sheet = book.create_sheet("Responses")
    sheet.append(["Course Evaluation Report"])
    sheet.append(["Term: Fall 2026"])
    sheet.append([])
    sheet.append(["Course", "Submitted", "Score", "Share", "Recommend", "Comment"])
    two_lines = "The labs were great!\nBut the exams were unfair."
    sheet.append(["CHEM 110", datetime.datetime(2026, 3, 1, 9, 30), 4, 0.45, True, two_lines])
    sheet.append([None, datetime.date(2026, 3, 2), 2.5, 0.5, False, "Too  much   homework"])
    sheet.append([None, datetime.date(2026, 3, 2), 3, 0.5, False, "Good"])
    sheet.append(["MATH 221", datetime.date(2026, 3, 2), 3, 0.5, False, "Good"])
    sheet.append(["MATH 221", datetime.date(2026, 3, 2), 3, 0.5, False, "Good"])
    sheet.append(["MATH 221", datetime.time(9, 30), 3, 0.5, False, "  spaced   out  "])
    sheet.merge_cells("A5:A7")
    sheet["F5"].comment = Comment("a reviewer's note", "Dean")
    hidden = book.create_sheet("Secret")
    hidden.sheet_state = "hidden"
    hidden.append(["Comment"])
    hidden.append(["hidden"])
    book.save(path)
    return path


def openpyxl_workbook(
    path: Path, sheets: dict[str, Sequence[Sequence[object]]], hidden: str = ""
) -> Path:
    """A workbook written by openpyxl, a sheet per entry in order (``hidden``: that one
    hidden), as a user's Excel saves one."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        if name == hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path
