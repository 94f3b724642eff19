"""Progress you can watch: how soon a job shows progress, how often it moves, how soon its ETA
can be trusted — with chunks sized by time (the default) against fixed chunks of 512 rows
(``PIPELINE_CHUNK_TARGET_S=0 PIPELINE_CHUNK_ROWS=512``, the behaviour before).

For each configuration, on a fresh embedded product (``python -m pipeline up`` as a child
process, one worker kept warm so start-up is not measured here): a 64-row job warms the worker,
then for each size and run a realistic comment file (benchmarks/comments.py) is submitted and
its status polled every ``--poll-s`` (0.2 s). From the polls:

- first progress: submit → the first poll showing rows done;
- update interval: time between polls that saw ``rows_done`` move (median and max, from the
  first progress to the last row; the poll period bounds the resolution);
- ETA: the time from submit after which every ETA the service gave stayed within 20 % of the
  real time left (until the job succeeded, insights included, as the service's ETA counts
  since hunt 1; polls with under 2 s left are not judged), and the share of polls whose ETA
  was within 20 %, for the service's ETA and for the formula before (rows left × time since
  the job started / rows done, judged against the last row's commit, which is all it counts),
  computed from the same polls;
- submit → done (every row committed and the job succeeded);
- the machine's 1-minute load average at submit.

Usage: ``python benchmarks/progress_interval.py --rows 300 10000 --runs 3``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments
from embedded import Server, start_embedded

TEXT = "comment"
WARM_UP_ROWS = 64
ACCURACY = 0.2
JUDGED_FROM_S = 2.0
"""Polls with less real time left than this are not judged: 20 % of a second is a poll."""
CONFIGS: dict[str, dict[str, str]] = {
    "before": {"PIPELINE_CHUNK_TARGET_S": "0", "PIPELINE_CHUNK_ROWS": "512"},
    "after": {},
}
"""Before: fixed chunks of 512 rows; after: the product's defaults (chunks sized by time)."""


@dataclass(frozen=True)
class Poll:
    at_s: float
    """Seconds since submit."""
    wall: float
    """``time.time()`` of the poll, to compare with the service's timestamps."""
    status: str
    rows_done: int
    eta_s: float | None
    started_at: float | None
    """The job's start as a ``time.time()`` value; None before."""


def analyse(polls: Sequence[Poll], rows_total: int) -> dict[str, Any]:
    """The figures of one job from its polls (pure: no I/O)."""
    done_at = next(p.at_s for p in polls if p.rows_done >= rows_total)
    succeeded_at = polls[-1].at_s
    moved = [(prev, p) for prev, p in pairwise(polls) if p.rows_done > prev.rows_done]
    moves = [p.at_s for _prev, p in moved]
    first = next(p.at_s for p in polls if p.rows_done > 0)
    intervals = [b - a for a, b in pairwise(moves)]
    return {
        "first_progress_s": first,
        "updates": len(moves),
        "steps": [p.rows_done - prev.rows_done for prev, p in moved],
        "median_interval_s": statistics.median(intervals) if intervals else None,
        "max_interval_s": max(intervals) if intervals else None,
        "eta_settled_s": settled(polls, succeeded_at, lambda p: p.eta_s),
        "old_eta_settled_s": settled(polls, done_at, lambda p: old_eta(p, rows_total)),
        "eta_good_share": good_share(polls, succeeded_at, lambda p: p.eta_s),
        "old_eta_good_share": good_share(polls, done_at, lambda p: old_eta(p, rows_total)),
        "rows_done_s": done_at,
        "succeeded_s": succeeded_at,
    }


def old_eta(poll: Poll, rows_total: int) -> float | None:
    """The ETA before: rows left at the rate since the job started, up to this poll."""
    if poll.started_at is None or poll.rows_done <= 0:
        return None
    return (rows_total - poll.rows_done) * (poll.wall - poll.started_at) / poll.rows_done


def judged(polls: Sequence[Poll], done_at: float) -> list[Poll]:
    return [p for p in polls if p.status == "running" and done_at - p.at_s >= JUDGED_FROM_S]


def within(poll: Poll, done_at: float, eta: Callable[[Poll], float | None]) -> bool:
    guess = eta(poll)
    left = done_at - poll.at_s
    return guess is not None and abs(guess - left) <= ACCURACY * left


def settled(
    polls: Sequence[Poll], done_at: float, eta: Callable[[Poll], float | None]
) -> float | None:
    """Seconds from submit after which every judged ETA is within ACCURACY of the time left;
    None when the last judged one was not (or no poll could be judged: a short job)."""
    since: float | None = None
    for poll in judged(polls, done_at):
        if not within(poll, done_at, eta):
            since = None
        elif since is None:
            since = poll.at_s
    return since


def good_share(
    polls: Sequence[Poll], done_at: float, eta: Callable[[Poll], float | None]
) -> float | None:
    """The share of judged polls whose ETA was within ACCURACY of the time left."""
    polled = judged(polls, done_at)
    if not polled:
        return None
    return sum(within(poll, done_at, eta) for poll in polled) / len(polled)


def watch(client: Any, request_id: str, poll_s: float, began: float) -> list[Poll]:
    from pipeline.client import TERMINAL_STATUSES

    polls = []
    while True:
        status = client.status(request_id)
        started = datetime.fromisoformat(status.started_at) if status.started_at else None
        polls.append(
            Poll(
                at_s=time.perf_counter() - began,
                wall=time.time(),
                status=status.status,
                rows_done=status.rows_done,
                eta_s=status.eta_s,
                started_at=None if started is None else started.timestamp(),
            )
        )
        if status.status in TERMINAL_STATUSES:
            if status.status != "succeeded":
                raise SystemExit(f"job {request_id} ended {status.status}: {status.error}")
            return polls
        time.sleep(poll_s)


def submit_and_watch(client: Any, source: Path, poll_s: float) -> tuple[list[Poll], int]:
    began = time.perf_counter()
    with source.open("rb") as handle:
        request_id = client.submit(handle, source.name, TEXT, fresh=True).request_id
    polls = watch(client, request_id, poll_s, began)
    return polls, client.status(request_id).rows_total


def start_servers(args: argparse.Namespace) -> dict[str, Server]:
    """One embedded product per configuration, each with one worker kept warm."""
    servers = {}
    for name, env in CONFIGS.items():
        settings = {
            "PIPELINE_MAX_WORKERS": "1",
            "PIPELINE_MIN_WORKERS": "1",
            "PIPELINE_WORKER_IDLE_TIMEOUT_S": "3600",
            **env,
        }
        servers[name] = start_embedded(args.folder / f"data-{name}", settings)
    return servers


def run_all(files: Mapping[int, Path], args: argparse.Namespace) -> dict[str, dict[int, Any]]:
    """Every run of every size on both configurations, taking turns job by job (the machine's
    load drifts: turns keep it from favouring one), after a warm-up job on each."""
    from pipeline.client import PipelineClient

    figures: dict[str, dict[int, list[dict[str, Any]]]] = {
        name: {rows: [] for rows in args.rows} for name in CONFIGS
    }
    servers = start_servers(args)
    try:
        clients = {name: PipelineClient(url, timeout_s=600) for name, (_, url) in servers.items()}
        for client in clients.values():
            submit_and_watch(client, files[WARM_UP_ROWS], args.poll_s)
        for _ in range(args.runs):
            for rows in args.rows:
                for name, client in clients.items():
                    load = os.getloadavg()[0]
                    polls, total = submit_and_watch(client, files[rows], args.poll_s)
                    figures[name][rows].append({**analyse(polls, total), "load_1m": load})
                    print(f"  {name}, {rows:,} rows: {_line(figures[name][rows][-1])}", flush=True)
        for client in clients.values():
            client.close()
    finally:
        for process, _url in servers.values():
            process.send_signal(signal.SIGTERM)
        for process, _url in servers.values():
            process.wait(timeout=120)
    return figures


def _line(f: Mapping[str, Any]) -> str:
    def s(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f} s"

    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    steps = f.get("steps")
    shown = "" if steps is None else f" (rows per update: {', '.join(map(str, steps[:12]))}"
    shown += "…)" if steps is not None and len(steps) > 12 else ")" if steps is not None else ""
    return (
        f"first progress {s(f['first_progress_s'])}, {f['updates']:.0f} updates{shown}, "
        f"interval median {s(f['median_interval_s'])} max {s(f['max_interval_s'])}, ETA within "
        f"20 % from {s(f['eta_settled_s'])} and in {share(f['eta_good_share'])} of polls "
        f"(formula before: from {s(f['old_eta_settled_s'])}, in "
        f"{share(f['old_eta_good_share'])}), all rows {s(f['rows_done_s'])}, succeeded "
        f"{s(f['succeeded_s'])}; load average {f['load_1m']:.1f} at submit"
    )


def medians(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The median of every figure over the runs (the steps of each run are not figures)."""
    out: dict[str, Any] = {}
    for key in runs[0].keys() - {"steps"}:
        values = [run[key] for run in runs if run[key] is not None]
        out[key] = statistics.median(values) if values else None
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--poll-s", type=float, default=0.2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="progress-") as scratch:
        args.folder = Path(scratch)
        files = {
            rows: write_comments(args.folder / f"comments-{rows}.csv", rows)
            for rows in [WARM_UP_ROWS, *args.rows]
        }
        figures = run_all(files, args)
    results: dict[str, Any] = {
        name: {rows: medians(runs) for rows, runs in by_rows.items()}
        for name, by_rows in figures.items()
    }
    print(f"medians of {args.runs} runs, polls every {args.poll_s} s:")
    for name, by_rows in results.items():
        for rows, median in by_rows.items():
            print(f"{name}, {rows:,} rows: {_line(median)}")
    for rows in args.rows:
        ratios = [
            after["succeeded_s"] / before["succeeded_s"]
            for before, after in zip(figures["before"][rows], figures["after"][rows], strict=True)
        ]
        print(
            f"{rows:,} rows, submit → succeeded after / before, job by job: "
            f"{', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f})"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
