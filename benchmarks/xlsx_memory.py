"""Memory of reading a large XLSX against the same comments as CSV (the baseline).

Excel stores every distinct string once in a shared-strings table, which openpyxl's read-only
mode keeps in memory while it streams the rows; this measures what that costs. The comment file
(benchmarks/comments.py) is written as CSV and as an XLSX with a shared-strings table, as Excel
writes it; then a fresh process per file runs what a job does with its input — validation, then
reading every chunk — and reports its peak RSS.
Usage: ``python benchmarks/xlsx_memory.py --rows 1000000``.
"""

from __future__ import annotations

import argparse
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
        xlsx = write_shared_strings_xlsx(csv, Path(scratch) / "comments.xlsx")
        print(f"{args.rows:,} comments: CSV {csv.stat().st_size / 1e6:.0f} MB, "
              f"XLSX {xlsx.stat().st_size / 1e6:.0f} MB")  # fmt: skip
        base_rows, base_s, base_mb = measure(csv, "csv")
        rows, seconds, peak_mb = measure(xlsx, "xlsx")
    assert rows == base_rows
    print(f"  CSV  (baseline): {base_s:6.1f} s, peak RSS {base_mb:5.0f} MB")
    print(
        f"  XLSX (shared strings): {seconds:6.1f} s ({seconds / base_s:.1f}x), peak RSS "
        f"{peak_mb:5.0f} MB ({peak_mb / base_mb:.2f}x, +{peak_mb - base_mb:.0f} MB)"
    )


if __name__ == "__main__":
    main()
