"""What a whole job's report costs as the column it is grouped by holds more values: the PDF
(and the HTML page it is laid out from) by a column of ``--groups`` values each, on the same
job, each in a fresh process (time and peak resident memory): what ``PDF_GROUPS_MOST`` and
``HTML_GROUPS_MOST`` (``pipeline/report/job.py``) are chosen from.

``--rows`` realistic course comments (``benchmarks/comments.py``) labelled by the shipped model
with insights on (aspects and themes: a group's page shows its aspects), in a fresh embedded
backend. The file has one column per group count, ``g<N>``, whose row ``i`` holds the value
``i % N``: one labelling, every group count (``--keep`` keeps it for the next run). A report
that runs past ``--timeout`` seconds is stopped and recorded as such. Memory is the resident
set before the report and its peak while the report is made (``VmHWM`` reset first).

Usage: ``python benchmarks/report_groups.py [--rows 2000] [--groups 25,50,100,200,400]
[--formats pdf,html] [--html-only 1000,2000] [--timeout 900] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import comment_pool


def labelled_job(folder: Path, rows: int, groups: list[int]) -> str:
    """A succeeded job of ``rows`` comments with a column ``g<N>`` per group count; its id."""
    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.db import JobStatus
    from pipeline.insights.loading import insights_source
    from pipeline.model.predictor import Predictor
    from pipeline.worker import Worker

    pool = comment_pool()
    source = folder / "comments.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*(f"g{n}" for n in groups), "comment"])
        for i in range(rows):
            writer.writerow([*(f"C{i % n:04d}" for n in groups), pool[(i * 7919) % len(pool)]])
    settings = _settings(folder)
    backend = init_backend(settings)
    request_id = service.submit(backend, source, "comment", [f"g{groups[0]}"]).request_id
    predictor = Predictor.load("default")
    Worker(backend, lambda _ref: predictor, "bench", insights=insights_source(settings)).run(
        burst=True
    )
    job = backend.repository.jobs.get(request_id)
    if job.status is not JobStatus.SUCCEEDED:
        raise RuntimeError(f"the job ended {job.status}: {job.error}")
    return request_id


def _rows(folder: Path, request_id: str) -> int:
    """The job's rows (a kept job's may differ from ``--rows``)."""
    from pipeline.bootstrap import init_backend

    backend = init_backend(_settings(folder))
    try:
        return backend.repository.jobs.get(request_id).rows_total
    finally:
        backend.repository.database.dispose()


def _settings(folder: Path) -> Any:
    from pipeline.settings import Settings

    return Settings(data_dir=folder / "data", model="default", insights=True)


def one_report(folder: Path, request_id: str, column: str, report_format: str) -> dict[str, Any]:
    """Make the report by ``column`` once in this process: seconds, bytes, peak memory."""
    from pipeline.bootstrap import init_backend
    from pipeline.report import job as report_job

    report_job.PDF_GROUPS_MOST = report_job.HTML_GROUPS_MOST = 10**9  # measure past the caps
    backend = init_backend(_settings(folder))
    before_mb = _memory_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak from here on: the report's
    start = time.perf_counter()
    made = report_job.report_file(backend, request_id, None, column, report_format)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 1),
        "bytes": len(made.content),
        "before_mb": round(before_mb),
        "peak_mb": round(_memory_mb("VmHWM")),
        "load": round(os.getloadavg()[0], 1),
    }


def _memory_mb(field: str) -> float:
    """This process's resident memory (``VmRSS``) or its peak (``VmHWM``), in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def measured(
    folder: Path, request_id: str, column: str, report_format: str, timeout: float
) -> dict[str, Any]:
    """One fresh process's figures; ``{"over_s": timeout}`` when it ran past ``timeout``."""
    command = [sys.executable, __file__, "--one", str(folder), request_id, column, report_format]
    try:
        answer = subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"over_s": timeout}
    return dict(json.loads(answer.stdout.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--groups", default="25,50,100,200,400")
    parser.add_argument("--formats", default="pdf,html")
    parser.add_argument("--html-only", default="", help="more group counts, HTML alone")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--keep", type=Path, help="label into this folder and keep it; reuse it when labelled"
    )
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        folder, request_id, column, report_format = args.one
        print(json.dumps(one_report(Path(folder), request_id, column, report_format)))
        return
    groups = [int(n) for n in args.groups.split(",")]
    html_only = [int(n) for n in args.html_only.split(",") if n]
    formats = args.formats.split(",")
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="report-groups-") as name:
        folder = args.keep or Path(name)
        started = time.perf_counter()
        kept = folder / "request_id"
        if kept.is_file():  # labelled by an earlier run with --keep
            request_id, labelled_s = kept.read_text(), None
        else:
            request_id = labelled_job(folder, args.rows, [*groups, *html_only])
            labelled_s = round(time.perf_counter() - started)
            kept.write_text(request_id)
        rows = _rows(folder, request_id)
        for n in [*groups, *html_only]:
            for report_format in formats if n in groups else ["html"]:
                found = measured(folder, request_id, f"g{n}", report_format, args.timeout)
                figures[f"{n} {report_format}"] = found
                print(n, report_format, found, file=sys.stderr, flush=True)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.system()}",
        "rows": rows,
        "labelled_s": labelled_s,
        "reports": figures,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
