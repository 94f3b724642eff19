"""Time and peak memory to refuse hostile workbooks, against validating a small real one.

Each workbook (built by tests/xlsxfakes.py, the builders the tests use) is validated in a fresh
process, as the API does with an upload: ``validate_input``. The baseline is the same process
validating a 1,000-row workbook, so the figures say what a bomb costs beyond reading any file.
The target (issue 10): every bomb refused in under 2 s and 300 MB.
Usage: ``python benchmarks/xlsx_bombs.py``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

import xlsxfakes  # noqa: E402

TARGET_S = 2.0
TARGET_MB = 300.0


def real_workbook(rows: int = 1000) -> bytes:
    header = [xlsxfakes.inline_row(1, ["course", "comment"])]
    body = [xlsxfakes.inline_row(i + 2, [f"C{i % 7}", f"Comment {i}"]) for i in range(rows)]
    parts = xlsxfakes.workbook_parts([("Answers", xlsxfakes.sheet_xml(header + body))])
    with tempfile.TemporaryDirectory() as folder:
        return xlsxfakes.write_parts(Path(folder) / "real.xlsx", parts).read_bytes()


BOMBS: dict[str, Callable[[], bytes]] = {
    "1 MB of repeated cells (honest sizes)": xlsxfakes.repeated_cells_bomb,
    "1 MB of repeated cells (sizes that lie)": xlsxfakes.lying_size_bomb,
    "1 MB shared-strings table": xlsxfakes.shared_strings_bomb,
    "one 30k-char string x 100k cells": xlsxfakes.amplification_bomb,
}


def validate_once(path: Path) -> None:
    """In a fresh process: validate, then print outcome, seconds and peak RSS (MiB)."""
    from pipeline.errors import InputError
    from pipeline.inputs import validate_input

    started = time.perf_counter()
    try:
        validate_input(path, "comment", filename="upload.xlsx")
        outcome = "accepted"
    except InputError as exc:
        outcome = f"refused ({type(exc).__name__})"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak:.0f} {outcome}")


def measure(path: Path) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, __file__, "--validate", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    seconds, peak, outcome = out.stdout.split(" ", 2)
    return float(seconds), float(peak), outcome.strip()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.validate:
        validate_once(args.validate)
        return
    with tempfile.TemporaryDirectory(prefix="xlsx-bombs-") as scratch:
        real = Path(scratch) / "real.xlsx"
        real.write_bytes(real_workbook())
        base_s, base_mb, outcome = measure(real)
        print(f"baseline, 1,000-row workbook ({real.stat().st_size:,} bytes): {outcome}, "
              f"{base_s:.3f} s, peak RSS {base_mb:.0f} MB")  # fmt: skip
        worst_s = worst_mb = 0.0
        for name, build in BOMBS.items():
            path = Path(scratch) / "bomb.xlsx"
            path.write_bytes(build())
            seconds, peak, outcome = measure(path)
            worst_s, worst_mb = max(worst_s, seconds), max(worst_mb, peak)
            print(
                f"  {name:<42} {path.stat().st_size:>10,} bytes: {outcome}, {seconds:.3f} s "
                f"({seconds / base_s:.1f}x), peak RSS {peak:.0f} MB ({peak - base_mb:+.0f} MB)"
            )
    verdict = "met" if worst_s < TARGET_S and worst_mb < TARGET_MB else "NOT met"
    target = f"under {TARGET_S} s and {TARGET_MB:.0f} MB"
    print(f"worst: {worst_s:.3f} s, {worst_mb:.0f} MB; target {target} {verdict}")


if __name__ == "__main__":
    main()
