"""Time and memory of reading a large workbook (XLSX, ODS) against the same comments as CSV
(the baseline).

Excel stores every distinct string once in a shared-strings table, which the reader keeps
while it streams the rows; an OpenDocument spreadsheet holds each cell's text in place, but its
sheets are listed by a pass over all of them. The comment file (benchmarks/comments.py) is
written as CSV, as an XLSX with a shared-strings table, as Excel writes it, and as an ODS, as
LibreOffice Calc writes one; then a fresh process per file runs what a job does with its
input — validation, then reading every chunk — and reports its time and peak RSS.
Usage: ``python benchmarks/xlsx_memory.py --rows 1000000``.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments

TEXT = "comment"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def write_shared_strings_xlsx(source: Path, target: Path) -> Path:
    """The CSV ``source`` as a one-sheet XLSX whose cells point into a shared-strings table."""
    strings: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book:
        for name, body in _PARTS.items():
            book.writestr(name, body)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'.encode()
            )
            sheet.write(b"<sheetData>")
            frames = pd.read_csv(source, dtype=str, keep_default_na=False, chunksize=50_000)
            number = 0
            for frame in frames:
                rows = [list(frame.columns)] if number == 0 else []
                rows += frame.to_numpy().tolist()
                for values in rows:
                    number += 1
                    sheet.write(_row(number, values, strings).encode())
            sheet.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w") as table:
            table.write(
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" '
                f'uniqueCount="{len(strings)}">'.encode()
            )
            for text in strings:
                table.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>'.encode())
            table.write(b"</sst>")
    return target


def _row(number: int, values: Sequence[str], strings: dict[str, int]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + column)}{number}" t="s"><v>{_index(value, strings)}</v></c>'
        for column, value in enumerate(values)
        if value != ""
    )
    return f'<row r="{number}">{cells}</row>'


def _index(text: str, strings: dict[str, int]) -> int:
    return strings.setdefault(text, len(strings))


_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
    '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
)
_ODS_TAIL = (
    '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
    "</table:table></office:spreadsheet></office:body></office:document-content>"
)
_SPACES = re.compile(r"  +")


def write_ods(source: Path, target: Path) -> Path:
    """The CSV ``source`` as a one-sheet ODS laid out as LibreOffice Calc saves one: a string
    cell a value, a paragraph a line, runs of spaces as ``text:s``, an empty row repeated to
    the sheet's end."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book:
        mimetype = "application/vnd.oasis.opendocument.spreadsheet"
        book.writestr("mimetype", mimetype, zipfile.ZIP_STORED)
        with book.open("content.xml", "w") as content:
            content.write(_ODS_HEAD.encode())
            frames = pd.read_csv(source, dtype=str, keep_default_na=False, chunksize=50_000)
            for number, frame in enumerate(frames):
                rows = [list(frame.columns)] if number == 0 else []
                rows += frame.to_numpy().tolist()
                content.write("".join(map(_ods_row, rows)).encode())
            content.write(_ODS_TAIL.encode())
    return target


def _ods_row(values: Sequence[str]) -> str:
    cells = "".join(
        "<table:table-cell/>" if value == "" else
        '<table:table-cell office:value-type="string">'
        + "".join(f"<text:p>{_ods_line(line)}</text:p>" for line in value.split("\n"))
        + "</table:table-cell>"
        for value in values
    )  # fmt: skip
    return f"<table:table-row>{cells}</table:table-row>"


def _ods_line(line: str) -> str:
    return _SPACES.sub(lambda run: f' <text:s text:c="{len(run[0]) - 1}"/>', escape(line))


def read_like_a_job(path: Path, fmt: str) -> None:
    """Validate, then read every chunk, then print rows, seconds and peak RSS (MiB)."""
    from pipeline.inputs import Limits, iter_chunks, validate_input

    started = time.perf_counter()
    summary = validate_input(path, TEXT, (), Limits(max_bytes=10**10, max_rows=10**8))
    rows = sum(len(chunk) for chunk in iter_chunks(path, fmt, TEXT, 512))
    assert rows == summary.rows, (rows, summary.rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows} {time.perf_counter() - started:.1f} {peak:.0f}")


def measure(path: Path, fmt: str) -> tuple[int, float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--read", str(path), fmt],
        capture_output=True,
        text=True,
        check=True,
    )
    rows, seconds, peak = out.stdout.split()
    return int(rows), float(seconds), float(peak)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--read", nargs=2, metavar=("PATH", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read:
        read_like_a_job(Path(args.read[0]), args.read[1])
        return
    with tempfile.TemporaryDirectory(prefix="xlsx-memory-") as scratch:
        csv = write_comments(Path(scratch) / "comments.csv", args.rows)
        books = {
            "XLSX (shared strings)": write_shared_strings_xlsx(csv, Path(scratch) / "c.xlsx"),
            "ODS (as LibreOffice)": write_ods(csv, Path(scratch) / "c.ods"),
        }
        sizes = ", ".join(f"{name.split()[0]} {path.stat().st_size / 1e6:.0f} MB"
                          for name, path in books.items())  # fmt: skip
        print(f"{args.rows:,} comments: CSV {csv.stat().st_size / 1e6:.0f} MB, {sizes}")
        base_rows, base_s, base_mb = measure(csv, "csv")
        print(f"  CSV  (baseline): {base_s:6.1f} s, peak RSS {base_mb:5.0f} MB")
        for name, path in books.items():
            rows, seconds, peak_mb = measure(path, path.suffix[1:])
            assert rows == base_rows, (name, rows, base_rows)
            print(
                f"  {name}: {seconds:6.1f} s ({seconds / base_s:.1f}x), peak RSS "
                f"{peak_mb:5.0f} MB ({peak_mb / base_mb:.2f}x, +{peak_mb - base_mb:.0f} MB)"
            )


if __name__ == "__main__":
    main()
