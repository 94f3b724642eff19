"""Async overhead: submit-to-done through the embedded product vs the model's own time.

Runs, in one process tree and one after the other on the same realistic comment file
(benchmarks/comments.py), with the product's default settings unless flags say otherwise:

1. the pure model time of ``analyze``: the predictor (loaded beforehand, load timed apart)
   labelling every chunk in this process, nothing else; timed before and after step 2 and
   averaged, so a busy machine skews both sides alike;
2. ``sentiment-pipeline up`` as a child process (API + master + one worker process), timing
   submit → succeeded over HTTP twice: cold (the master starts a worker, which loads the model)
   and warm (the worker is already up, ``fresh=true`` forces a second run).

The ratios submit-to-done / pure-model-time are the figures to compare between runs; absolute
seconds depend on the machine. Usage: ``python benchmarks/async_overhead.py --rows 2000``.
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
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments
from embedded import Server, start_embedded

TEXT = "comment"


def load_predictor(model: str, batch_size: int, precision: str) -> tuple[Any, float]:
    from pipeline.model.predictor import Predictor

    started = time.perf_counter()
    predictor = Predictor.load(model, batch_size=batch_size, device="cpu", precision=precision)
    return predictor, time.perf_counter() - started


def pure_model_time(source: Path, predictor: Any, chunk_rows: int) -> float:
    """What analyze spends in the model: label every chunk, write nothing."""
    from pipeline.inputs import iter_chunks
    from pipeline.labelling import label_frame

    predictor.predict_proba(["warm-up"] * 64)
    started = time.perf_counter()
    for chunk in iter_chunks(source, "csv", TEXT, chunk_rows):
        label_frame(predictor, chunk, TEXT)
    return time.perf_counter() - started


def submit_to_done(client: httpx.Client, source: Path, fresh: bool) -> dict[str, float]:
    started = time.perf_counter()
    with source.open("rb") as handle:
        answer = client.post(
            "/v1/jobs",
            files={"file": (source.name, handle)},
            data={"text_column": TEXT, "fresh": str(fresh).lower()},
        )
    answer.raise_for_status()
    request_id = answer.json()["request_id"]
    while True:
        status = client.get(f"/v1/jobs/{request_id}").json()
        if status["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if status["status"] != "succeeded":
        raise SystemExit(f"the job ended {status['status']}: {status['error']}")
    created, began, ended = (
        datetime.fromisoformat(status[k]) for k in ("created_at", "started_at", "finished_at")
    )
    return {
        "submit_to_done_s": elapsed,
        "queued_s": (began - created).total_seconds(),
        "processing_s": (ended - began).total_seconds(),
    }


def run_server(data_dir: Path, args: argparse.Namespace) -> Server:
    return start_embedded(
        data_dir,
        {
            "PIPELINE_MODEL": args.model,
            "PIPELINE_DEVICE": "cpu",
            "PIPELINE_PRECISION": args.precision,
            "PIPELINE_CHUNK_ROWS": str(args.chunk_rows),
            "PIPELINE_BATCH_SIZE": str(args.batch_size),
            "PIPELINE_MAX_WORKERS": "1",
            "PIPELINE_MASTER_INTERVAL_S": str(args.master_interval_s),
            "PIPELINE_WORKER_POLL_S": str(args.worker_poll_s),
            "PIPELINE_WORKER_IDLE_TIMEOUT_S": "600",
        },
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    from pipeline.settings import Settings

    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="comments in the file")
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--precision", default=defaults.precision)
    parser.add_argument("--chunk-rows", type=int, default=defaults.chunk_rows)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--worker-poll-s", type=float, default=defaults.worker_poll_s)
    parser.add_argument("--master-interval-s", type=float, default=defaults.master_interval_s)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    with tempfile.TemporaryDirectory(prefix="async-overhead-") as folder:
        source = write_comments(Path(folder) / "comments.csv", args.rows)
        figures: dict[str, Any] = {"rows": args.rows, "chunk_rows": args.chunk_rows}
        predictor, figures["model_load_s"] = load_predictor(
            args.model, args.batch_size, args.precision
        )
        figures["precision"] = predictor.precision
        figures["model_s_before"] = pure_model_time(source, predictor, args.chunk_rows)
        process, url = run_server(Path(folder) / "data", args)
        try:
            with httpx.Client(base_url=url, timeout=300) as client:
                cold = submit_to_done(client, source, fresh=False)
                warm = submit_to_done(client, source, fresh=True)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
        figures["model_s_after"] = pure_model_time(source, predictor, args.chunk_rows)
    # timed before and after the service runs and averaged: a busy machine skews both sides alike
    figures["model_s"] = (figures["model_s_before"] + figures["model_s_after"]) / 2
    figures.update({f"cold_{k}": v for k, v in cold.items()})
    figures.update({f"warm_{k}": v for k, v in warm.items()})
    figures["cold_ratio"] = cold["submit_to_done_s"] / figures["model_s"]
    figures["warm_ratio"] = warm["submit_to_done_s"] / figures["model_s"]
    _report(figures)
    return figures


def _report(f: dict[str, Any]) -> None:
    rate = f["rows"] / f["model_s"]
    print(
        f"{f['rows']:,} comments (benchmarks/comments.py), chunks of {f['chunk_rows']}, "
        f"precision {f['precision']}"
    )
    print(f"  model load (in process)           {f['model_load_s']:8.2f} s")
    print(
        f"  pure model time (analyze's model) {f['model_s']:8.2f} s  ({rate:,.0f} comments/s; "
        f"{f['model_s_before']:.2f} s before, {f['model_s_after']:.2f} s after the service)"
    )
    for run in ("cold", "warm"):
        print(
            f"  submit-to-done, {run} worker        {f[f'{run}_submit_to_done_s']:8.2f} s  "
            f"= {f[f'{run}_ratio']:.2f} x model time  (queued {f[f'{run}_queued_s']:.2f} s, "
            f"processing {f[f'{run}_processing_s']:.2f} s)"
        )
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in f.items()}))


if __name__ == "__main__":
    main()
