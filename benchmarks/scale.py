"""Scale: a large comment file through submit → worker → results, with every process's peak RSS.

For each size given, on a fresh embedded deployment (``sentiment-pipeline up`` as a child
process: the API and the master in one process, the worker in another):

1. write the comment file (benchmarks/comments.py, streamed);
2. submit it over HTTP with the product's client, streaming the file;
3. poll until the job succeeds; then fetch the summary grouped by course and download the
   results CSV (streamed to disk) and check it has one labelled row per input row;

while a sampler records the peak RSS of this process and of every process under it. Running
two sizes shows whether memory stays flat as the file grows (it must: the limit is 1.5 GB per
process for 1,000,000 comments) and gives the rate to extrapolate the time.
Usage: ``python benchmarks/scale.py --rows 20000 100000``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments
from embedded import Server, start_embedded
from measure import PeakRss

TEXT = "comment"
LIMIT_MB = 1536
TIMELINE = 9
"""Points of the worker's RSS timeline: every eighth of its life."""


def start_server(data_dir: Path, args: argparse.Namespace) -> Server:
    settings = {
        "PIPELINE_MODEL": args.model,
        "PIPELINE_PRECISION": args.precision,
        "PIPELINE_MAX_WORKERS": "1",
        "PIPELINE_WORKER_IDLE_TIMEOUT_S": "3600",
        "PIPELINE_MAX_UPLOAD_BYTES": str(args.max_upload_mb * 1024 * 1024),
    }
    if args.chunk_rows:
        settings["PIPELINE_CHUNK_ROWS"] = str(args.chunk_rows)
    return start_embedded(data_dir, settings)


def count_results(path: Path, rows: int) -> dict[str, int]:
    """Rows, labelled rows and row errors of the results CSV, read in chunks."""
    seen = labelled = errors = 0
    for chunk in pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=50_000):
        seen += len(chunk)
        labelled += int((chunk["label"] != "").sum())
        errors += int((chunk["error"] != "").sum())
    if seen != rows or labelled + errors != rows:
        raise SystemExit(f"results have {seen} rows ({labelled} labelled, {errors} errors)")
    return {"result_rows": seen, "labelled": labelled, "row_errors": errors}


def run_size(rows: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from pipeline.client import TERMINAL_STATUSES, PipelineClient

    source = write_comments(folder / f"comments-{rows}.csv", rows)
    figures: dict[str, Any] = {"rows": rows, "file_mb": source.stat().st_size / 1e6}
    process, url = start_server(folder / f"data-{rows}", args)
    try:
        with PeakRss(os.getpid(), tree=True, interval_s=0.2) as rss:
            started = time.perf_counter()
            with PipelineClient(url, timeout_s=600) as client:
                with source.open("rb") as handle:
                    request_id = client.submit(handle, source.name, TEXT, ["course"]).request_id
                figures["submit_s"] = time.perf_counter() - started
                status = client.status(request_id)
                while status.status not in TERMINAL_STATUSES:
                    time.sleep(args.poll_s)
                    status = client.status(request_id)
                figures["submit_to_done_s"] = time.perf_counter() - started
                if status.status != "succeeded":
                    raise SystemExit(f"the job ended {status.status}: {status.error}")
                mark = time.perf_counter()
                summary = client.summary(request_id, "course")
                figures["summary_s"] = time.perf_counter() - mark
                figures["summary_groups"] = len(summary.groups)
                mark = time.perf_counter()
                results = folder / f"results-{rows}.csv"
                with results.open("wb") as handle:
                    figures["results_mb"] = client.download_results(request_id, handle) / 1e6
                figures["download_s"] = time.perf_counter() - mark
        figures.update(count_results(results, rows))
        figures["processing_s"] = _job_seconds(status)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    figures["rate"] = rows / figures["submit_to_done_s"]
    figures["processes"] = [
        {"process": name, "peak_rss_mb": round(mb, 1)} for name, mb in rss.by_process()
    ]
    worker = next((pid for pid, name in rss.names.items() if " worker" in name), None)
    figures["worker_rss_timeline_mb"] = [] if worker is None else rss.timeline(worker, TIMELINE)
    figures["max_peak_rss_mb"] = rss.peak_mb
    return figures


def _job_seconds(status: Any) -> float:
    from datetime import datetime

    if not status.started_at or not status.finished_at:
        return float("nan")
    began = datetime.fromisoformat(status.started_at)
    return (datetime.fromisoformat(status.finished_at) - began).total_seconds()


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--chunk-rows", type=int, default=None, help="default: the product's")
    parser.add_argument("--max-upload-mb", type=int, default=400)
    parser.add_argument("--poll-s", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in args.rows:
            figures = run_size(rows, args, folder)
            _report(figures)
            results.append(figures)
    if len(results) > 1:
        _compare(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _report(f: dict[str, Any]) -> None:
    print(
        f"{f['rows']:,} comments ({f['file_mb']:.0f} MB): submit {f['submit_s']:.1f} s, "
        f"submit-to-done {f['submit_to_done_s']:.1f} s ({f['rate']:.0f} comments/s; the job "
        f"itself {f['processing_s']:.1f} s), summary by course {f['summary_s']:.2f} s, "
        f"results download {f['download_s']:.1f} s ({f['results_mb']:.0f} MB); "
        f"{f['labelled']:,} labelled + {f['row_errors']:,} row errors"
    )
    for entry in f["processes"]:
        print(f"    peak RSS {entry['peak_rss_mb']:7.0f} MB  {entry['process']}")
    timeline = " → ".join(f"{mb:.0f}" for mb in f["worker_rss_timeline_mb"])
    print(f"    worker RSS at every eighth of its life: {timeline} MB")


def _compare(results: list[dict[str, Any]]) -> None:
    """Two extrapolations to 1,000,000 rows: from the peaks of the two sizes (pessimistic: the
    smaller run is still warming up its caches), and from the worker's RSS over the last three
    quarters of the largest run (after warm-up)."""
    small, large = results[0], results[-1]
    growth = large["max_peak_rss_mb"] - small["max_peak_rss_mb"]
    per_row = growth / (large["rows"] - small["rows"])
    across_sizes = large["max_peak_rss_mb"] + per_row * (1_000_000 - large["rows"])
    print(
        f"largest process peak: {small['max_peak_rss_mb']:.0f} MB at {small['rows']:,} rows, "
        f"{large['max_peak_rss_mb']:.0f} MB at {large['rows']:,} rows ({growth:+.0f} MB); "
        f"extrapolated linearly from these: {across_sizes:.0f} MB at 1,000,000 rows"
    )
    timeline = large["worker_rss_timeline_mb"]
    if len(timeline) == TIMELINE:
        late_rows = 0.75 * large["rows"]
        late_growth = timeline[-1] - timeline[2]
        in_run = large["max_peak_rss_mb"] + late_growth / late_rows * (1_000_000 - large["rows"])
        print(
            f"worker RSS over the last 75 % of the {large['rows']:,}-row job: "
            f"{timeline[2]:.0f} → {timeline[-1]:.0f} MB ({late_growth:+.0f} MB over "
            f"{late_rows:,.0f} rows); extrapolated: {in_run:.0f} MB at 1,000,000 rows"
        )
    print(
        f"limit {LIMIT_MB} MB per process; time for 1,000,000 comments at "
        f"{large['rate']:.0f} comments/s: {1_000_000 / large['rate'] / 60:.0f} min"
    )


if __name__ == "__main__":
    main()
