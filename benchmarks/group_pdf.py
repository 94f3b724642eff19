"""What one course's own PDF report costs when the course has many comments: the PDF as served
(its listing cut to ``PDF_LISTED_MOST`` distinct comments) against the baseline of the same PDF
listing every comment, on the same job, each in a fresh process (time and peak memory).

``--rows`` distinct comments of one course, labelled by ``erase.KeywordPredictor`` (the
report's cost is the layout, not the model), in a fresh embedded backend. Each variant runs
``--repeats`` times in its own process; the fastest time and its peak resident memory count,
and the ratio is the figure to read (the machines are shared and differ).

Usage: ``python benchmarks/group_pdf.py [--rows 20000] [--repeats 2] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from erase import KeywordPredictor  # labels by a word ("rushed": negative): no model

from pipeline.bootstrap import init_backend
from pipeline.report import job as report_job
from pipeline.service import submit
from pipeline.settings import Settings
from pipeline.worker import Worker

WORDS = ("rushed", "clear", "fine")


def labelled_job(folder: Path, rows: int) -> str:
    """A finished job of ``rows`` distinct comments of one course; its request id."""
    source = folder / "course.csv"
    lines = ["course,comment"]
    lines += [f"CHEM110,{WORDS[i % 3]} point number {i} about the labs" for i in range(rows)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    backend = init_backend(Settings(data_dir=folder / "data", insights=False))
    request_id = submit(backend, source, "comment", group_by=["course"]).request_id
    Worker(backend, lambda _ref: KeywordPredictor(), "bench").run(burst=True)
    return request_id


def one_pdf(folder: Path, request_id: str, listed_most: int) -> dict[str, float]:
    """Make the course's PDF once in this process: seconds, pages' bytes, peak memory."""
    report_job.PDF_LISTED_MOST = listed_most
    backend = init_backend(Settings(data_dir=folder / "data", insights=False))
    start = time.perf_counter()
    made = report_job.report_file(backend, request_id, None, "course", "pdf", "CHEM110")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "bytes": len(made.content), "peak_mb": peak_mb}


def measured(folder: Path, request_id: str, listed_most: int, repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` fresh processes, with its peak memory."""
    runs = []
    for _ in range(repeats):
        answer = subprocess.run(
            [sys.executable, __file__, "--one", str(folder), request_id, str(listed_most)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(answer.stdout))
    return min(runs, key=lambda run: run["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        folder, request_id, listed_most = args.one
        print(json.dumps(one_pdf(Path(folder), request_id, int(listed_most))))
        return
    with tempfile.TemporaryDirectory(prefix="group-pdf-") as name:
        folder = Path(name)
        request_id = labelled_job(folder, args.rows)
        served = measured(folder, request_id, report_job.PDF_LISTED_MOST, args.repeats)
        every = measured(folder, request_id, args.rows + 1, args.repeats)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}",
        "rows": args.rows,
        "listed_most": report_job.PDF_LISTED_MOST,
        "served": served,
        "every_comment": every,
        "time_ratio": served["seconds"] / every["seconds"],
        "memory_ratio": served["peak_mb"] / every["peak_mb"],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
