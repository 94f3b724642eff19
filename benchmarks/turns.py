"""Turns: how long a small file waits behind large ones when every worker is busy.

Each run starts the embedded product (``sentiment-pipeline up``, its two warm workers) with one
``PIPELINE_TURN_S`` value, submits ``--large`` files of ``--large-rows`` comments (as many as
the workers, so each takes one), waits until both are being labelled for ``--head-start-s``,
then submits a file of ``--small-rows`` comments and measures:

- **small: submit → labelled**, the small job's own ``labelled_at`` (what its user waits for);
- **large: submit → labelled**, the slower large job's (what the turns cost them: a resume
  re-reads its input up to its committed rows);
- the product's CPU seconds over the whole run.

``PIPELINE_TURN_S=0`` is the behaviour before turns (a job is labelled to its end once taken),
run in the same session, interleaved, so the ratios compare like with like on a shared machine.

Usage: ``python benchmarks/turns.py --turn-s 0 30 --runs 1``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import SEED, write_comments
from embedded import start_embedded
from first_results import product_cpu_s, wait_quiet

TEXT = "comment"
TERMINAL = ("succeeded", "failed", "cancelled")


def submit(client: httpx.Client, source: Path) -> tuple[str, datetime]:
    with source.open("rb") as handle:
        answer = client.post(
            "/v1/jobs",
            files={"file": (source.name, handle)},
            data={"text_column": TEXT, "fresh": "true"},
        )
    answer.raise_for_status()
    return answer.json()["request_id"], datetime.now(UTC)


def labelled_after(client: httpx.Client, request_id: str, submitted: datetime) -> float:
    """Seconds from ``submitted`` to the job's last label, once it has ended."""
    while (status := client.get(f"/v1/jobs/{request_id}").json())["status"] not in TERMINAL:
        time.sleep(0.5)
    if status["status"] != "succeeded":
        raise SystemExit(f"job {request_id} ended {status['status']}: {status['error']}")
    labelled = datetime.fromisoformat(status.get("labelled_at") or status["finished_at"])
    return (labelled - submitted).total_seconds()


def wait_running(client: httpx.Client, request_ids: list[str], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = [client.get(f"/v1/jobs/{r}").json() for r in request_ids]
        if all(state.get("rows_done", 0) > 0 for state in states):
            return
        time.sleep(0.5)
    raise SystemExit("the large jobs never started")


def one_run(
    turn_s: str, large: list[Path], small: Path, args: argparse.Namespace
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="turns-") as scratch:
        settings = {"PIPELINE_TURN_S": turn_s, "PIPELINE_AUTH": "none"}
        process, url = start_embedded(Path(scratch) / "data", settings)
        try:
            wait_quiet(process.pid, 0.2, 180)
            cpu_before = product_cpu_s(process.pid)
            with httpx.Client(base_url=url, timeout=60) as client:
                large_jobs = [submit(client, path) for path in large]
                wait_running(client, [request_id for request_id, _ in large_jobs])
                time.sleep(args.head_start_s)
                small_id, small_at = submit(client, small)
                small_s = labelled_after(client, small_id, small_at)
                large_s = max(labelled_after(client, r, at) for r, at in large_jobs)
            return {
                "small_submit_to_labelled_s": small_s,
                "large_submit_to_labelled_s": large_s,
                "product_cpu_s": product_cpu_s(process.pid) - cpu_before,
            }
        finally:
            process.terminate()
            process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turn-s", nargs="+", default=["0", "30"])
    parser.add_argument("--large", type=int, default=2)
    parser.add_argument("--large-rows", type=int, default=4000)
    parser.add_argument("--small-rows", type=int, default=300)
    parser.add_argument("--head-start-s", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="turns-files-") as folder:
        large = [Path(folder) / f"large{i}.csv" for i in range(args.large)]
        for index, path in enumerate(large):
            write_comments(path, args.large_rows, seed=SEED + index)
        small = Path(folder) / "small.csv"
        write_comments(small, args.small_rows, seed=SEED + 99)
        runs = []
        for _ in range(args.runs):
            for turn in args.turn_s:
                runs.append((turn, one_run(turn, large, small, args)))
                print(json.dumps({"turn_s": turn, **runs[-1][1]}), flush=True)
    by_turn = {
        turn: {
            key: statistics.median(figures[key] for t, figures in runs if t == turn)
            for key in runs[0][1]
        }
        for turn in args.turn_s
    }
    baseline = by_turn[args.turn_s[0]]
    for turn, figures in by_turn.items():
        ratios = ", ".join(f"{key} {value / baseline[key]:.2f}x" for key, value in figures.items())
        print(f"PIPELINE_TURN_S={turn}: {json.dumps(figures)}; against the first: {ratios}")


if __name__ == "__main__":
    main()
