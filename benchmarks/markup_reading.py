"""Validating a CSV whose comments carry an LMS editor's HTML, against the same comments without
it, in one run (``pipeline/input_markup.py`` reads each marked-up comment as its text).

Two files of the same rows (comments.py's realistic profile): one as written, one with each
comment wrapped as Moodle's editor writes it (``<p dir="ltr" style="text-align: left;">…
&nbsp;…<br></p>``). ``validate_input`` reads every comment of each (as the API does with an
upload; the worker reads them the same way). Checked before timing: the marked-up file reads
back as the plain comments. Usage: ``python benchmarks/markup_reading.py [--rows 100000]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from comments import comment_pool, iter_rows
from measure import Stage, best_of, timed

from pipeline.inputs import iter_chunks, validate_input

COLUMNS = ("row_id", "course", "instructor", "term", "comment")


def marked_up(comment: str) -> str:
    """``comment`` as a rich-text editor exports it, first space a non-breaking one."""
    return f'<p dir="ltr" style="text-align: left;">{comment.replace(" ", "&nbsp;", 1)}<br></p>'


def write(path: Path, rows: Sequence[list[str]], markup: bool) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([*row[:-1], marked_up(row[-1]) if markup else row[-1]])
    return path


def read_back(path: Path) -> list[str]:
    summary = validate_input(path, "comment")
    chunks = iter_chunks(path, "csv", "comment", 4096, options=summary.options)
    return [text for frame in chunks for text in frame["comment"].tolist()]


def fastest(path: Path, rows: int, repeats: int) -> float:
    def once() -> Stage:
        with timed("validate", rows) as stage:
            validate_input(path, "comment")
        return stage

    return best_of(repeats, once).seconds


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts")
    args = parser.parse_args(argv)
    rows = [[str(v) for v in row] for row in iter_rows(args.rows, comment_pool())]
    with tempfile.TemporaryDirectory(prefix="markup-") as folder:
        plain = write(Path(folder) / "plain.csv", rows, markup=False)
        html = write(Path(folder) / "html.csv", rows, markup=True)
        if read_back(html) != read_back(plain):
            raise SystemExit("the marked-up file does not read back as the plain comments")
        plain_s = fastest(plain, args.rows, args.repeat)
        html_s = fastest(html, args.rows, args.repeat)
    figures = {
        "rows": args.rows,
        "plain_s": round(plain_s, 4),
        "markup_s": round(html_s, 4),
        "ratio": round(html_s / plain_s, 2),
        "markup_us_per_comment": round((html_s - plain_s) / args.rows * 1e6, 2),
    }
    print(
        f"validate_input, {args.rows} comments: without markup {plain_s:.3f} s, with "
        f"{html_s:.3f} s ({figures['ratio']:.2f}x, "
        f"{figures['markup_us_per_comment']:.1f} µs more a comment)"
    )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
