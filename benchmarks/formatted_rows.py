"""Time of reading a short sheet that sits above many formatted empty rows, against the same
sheet without them (the baseline), both read as a job reads its input: the app's look at the
file (``inspect_input``), validation, then every chunk.

Excel writes a cell, empty but styled, for every row a format (a border, wrap text, a fill)
was applied to, so a sheet of 40 comments can carry 200,000 rows that hold nothing. They
are read to the sheet's end every time the reader looks for the table's header.
Usage: ``python benchmarks/formatted_rows.py --empty-rows 200000``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from xlsx_memory import write_shared_strings_xlsx

from pipeline.inputs import inspect_input, iter_chunks, validate_input

TEXT = "comment"


def with_formatted_rows(book: Path, empty_rows: int, target: Path) -> Path:
    """``book`` with ``empty_rows`` rows of one styled empty cell after its last row."""
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                last = body.count(b"<row ")
                tail = "".join(
                    f'<row r="{n}"><c r="B{n}" s="1"/></row>'
                    for n in range(last + 1, last + 1 + empty_rows)
                )
                body = body.replace(b"</sheetData>", tail.encode() + b"</sheetData>")
            out.writestr(item, body)
    return target


def read_like_a_job(path: Path) -> int:
    inspect_input(path, text_column=TEXT)
    summary = validate_input(path, TEXT)
    chunks = iter_chunks(path, "xlsx", TEXT, 512, options=summary.options)
    rows = sum(len(chunk) for chunk in chunks)
    assert rows == summary.rows, (rows, summary.rows)
    return rows


def best_of(repeats: int, work: Callable[[], int]) -> tuple[int, float]:
    times, rows = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = work()
        times.append(time.perf_counter() - started)
    return rows, min(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=40)
    parser.add_argument("--empty-rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from comments import write_comments

    with tempfile.TemporaryDirectory(prefix="formatted-rows-") as scratch:
        folder = Path(scratch)
        csv = write_comments(folder / "comments.csv", args.comments)
        plain = write_shared_strings_xlsx(csv, folder / "plain.xlsx")
        formatted = with_formatted_rows(plain, args.empty_rows, folder / "formatted.xlsx")
        rows, baseline = best_of(args.repeats, lambda: read_like_a_job(plain))
        same, seconds = best_of(args.repeats, lambda: read_like_a_job(formatted))
        assert same == rows
    print(f"{rows} comments; best of {args.repeats}")
    print(f"without formatted rows: {baseline:.3f} s")
    print(f"over {args.empty_rows:,} formatted empty rows: {seconds:.3f} s")
    print(f"ratio: {seconds / baseline:.1f}x")


if __name__ == "__main__":
    main()
