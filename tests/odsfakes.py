"""OpenDocument spreadsheets for the tests and benchmarks, written part by part: a sheet's
rows as XML, so that repeat counts, merges, notes, typed cells and hostile packages can be
written exactly. LibreOffice's own files are in tests/fixtures/ods/.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
)
HIDDEN_STYLE = (
    '<style:style style:name="hidden" style:family="table">'
    '<style:table-properties table:display="false"/></style:style>'
)
MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
).replace("{MIMETYPE}", MIMETYPE)
ENCRYPTED_MANIFEST = MANIFEST.replace(
    'manifest:media-type="text/xml"/>',
    'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1" '
    'manifest:checksum="x"/></manifest:file-entry>',
)


def text_cell(text: str, attributes: str = "") -> str:
    """A string cell; each line of ``text`` is a paragraph."""
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in text.split("\n"))
    return (
        f'<table:table-cell office:value-type="string"{attributes}>{paragraphs}</table:table-cell>'
    )


def row(*cells: str | None, repeated: int | str = 1) -> str:
    """A row of cells: plain text (a string cell), raw XML (starting ``<``) or None (empty);
    ``repeated`` as it is written (a text to write a count no file should hold)."""
    xml = "".join(
        "<table:table-cell/>" if cell is None else cell if cell.startswith("<") else text_cell(cell)
        for cell in cells
    )
    attribute = f' table:number-rows-repeated="{repeated}"' if repeated != 1 else ""
    return f"<table:table-row{attribute}>{xml}</table:table-row>"


def table(name: str, rows: Iterable[str], hidden: bool = False) -> str:
    style = ' table:style-name="hidden"' if hidden else ""
    return f"<table:table table:name={quoteattr(name)}{style}>{''.join(rows)}</table:table>"


def content(tables: Sequence[str]) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}>'
        f"<office:automatic-styles>{HIDDEN_STYLE}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )


def package(content_xml: str | bytes | None, manifest: str | None = MANIFEST) -> bytes:
    """An .ods as LibreOffice lays one out: ``mimetype`` first and stored, then the parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", MIMETYPE, zipfile.ZIP_STORED)
        if manifest is not None:
            archive.writestr("META-INF/manifest.xml", manifest)
        if content_xml is not None:
            archive.writestr("content.xml", content_xml)
    return buffer.getvalue()


def number_cell(value: str, attributes: str = "") -> str:
    return f'<table:table-cell office:value-type="float" office:value="{value}"{attributes}/>'


def spreadsheet(*tables: str) -> bytes:
    return package(content(tables))


def comments_sheet(comments: Sequence[str], name: str = "Sheet1") -> bytes:
    """One sheet: a ``comment`` header, then a comment a row."""
    return spreadsheet(table(name, [row("comment"), *(row(comment) for comment in comments)]))


def repeated_rows_bomb(rows: int = 1_000_000, chars: int = 1_000) -> bytes:
    """A few hundred bytes whose one row, of a long comment, repeats a million times."""
    return spreadsheet(table("Sheet1", [row("comment"), row("x" * chars, repeated=rows)]))


def repeated_cells_bomb(rows: int = 1_000_000) -> bytes:
    """A row of a short value repeated across every column, repeated down a million rows."""
    cell = number_cell("1", ' table:number-columns-repeated="16384"')
    return spreadsheet(table("Sheet1", [row("comment"), row(cell, repeated=rows)]))
