"""What scaling to zero costs and saves: the master's policy over a day of job arrivals.

Replays one day of submissions through ``pipeline.master.simulation`` (the master's own
``desired_workers`` policy in simulated time, on a model of the template's ECS capacity
provider) for several idle timeouts, and compares each with GPU instances left on all day:
GPU instance-hours billed, their cost, and how long jobs wait for a worker (p50, p95, max).

The default trace is synthetic and seeded: ``--jobs`` submissions, most in working hours,
sizes log-normal around ``--median-rows`` comments. ``--trace FILE`` replays a CSV with the
columns ``arrival_s`` (seconds after midnight) and ``rows`` instead, e.g. from the jobs table.
Every figure is an estimate that follows from the assumptions printed with it.

Usage: ``python benchmarks/cost_simulation.py`` (``--help`` for the assumptions to change).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path

from pipeline.master.policy import ScalingLimits
from pipeline.master.simulation import DAY_S, Arrival, FleetModel, percentile, simulate

# Relative submission rate per hour of the day (a university's course feedback: office hours,
# an evening bump, almost nothing at night).
HOURLY_WEIGHT = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 2.5, 4.0, 4.5, 4.0,
    3.0, 3.5, 4.0, 4.0, 3.5, 2.5, 1.5, 1.5, 2.0, 1.5, 0.8, 0.4,
]  # fmt: skip


def synthetic_day(jobs: int, median_rows: int, seed: int) -> list[Arrival]:
    rng = random.Random(seed)
    hours = rng.choices(range(24), weights=HOURLY_WEIGHT, k=jobs)
    arrivals = []
    for hour in hours:
        rows = int(rng.lognormvariate(math.log(median_rows), 1.3))
        arrivals.append(Arrival(at_s=hour * 3600 + rng.uniform(0, 3600), rows=max(1, rows)))
    return sorted(arrivals, key=lambda arrival: arrival.at_s)


def read_trace(path: Path) -> list[Arrival]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Arrival(float(row["arrival_s"]), int(row["rows"])) for row in rows]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trace", type=Path, help="CSV with arrival_s,rows (else synthetic)")
    parser.add_argument("--jobs", type=int, default=60, help="synthetic jobs in the day")
    parser.add_argument("--median-rows", type=int, default=5000, help="synthetic median size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-workers", type=int, default=2, help="MaxWorkers")
    parser.add_argument(
        "--idle-timeouts", default="60,300,900", help="WorkerIdleTimeoutSeconds to compare"
    )
    parser.add_argument("--price", type=float, default=0.526, help="$/hour (g4dn.xlarge)")
    parser.add_argument("--rows-per-second", type=float, default=2000, help="per worker")
    parser.add_argument("--cold-start-s", type=float, default=300, help="new GPU instance")
    parser.add_argument("--warm-start-s", type=float, default=30, help="instance still up")
    parser.add_argument("--scale-in-delay-s", type=float, default=900, help="ECS scale-in")
    parser.add_argument("--tick-s", type=float, default=2, help="master interval")
    args = parser.parse_args(argv)

    trace = (
        read_trace(args.trace)
        if args.trace
        else synthetic_day(args.jobs, args.median_rows, args.seed)
    )
    model = FleetModel(
        rows_per_second=args.rows_per_second,
        cold_start_s=args.cold_start_s,
        warm_start_s=args.warm_start_s,
        scale_in_delay_s=args.scale_in_delay_s,
        price_per_hour=args.price,
        tick_s=args.tick_s,
    )
    rows = sum(arrival.rows for arrival in trace)
    print(
        f"trace: {len(trace)} jobs, {rows:,} comments "
        f"({'file ' + str(args.trace) if args.trace else f'synthetic, seed {args.seed}'}); "
        f"pure labelling time {rows / args.rows_per_second / 3600:.2f} worker-hours"
    )
    print(
        f"model: {args.rows_per_second:,.0f} comments/s per worker, cold start "
        f"{args.cold_start_s:.0f} s, warm start {args.warm_start_s:.0f} s, scale-in delay "
        f"{args.scale_in_delay_s:.0f} s, ${args.price}/h, at most {args.max_workers} workers"
    )
    always_on = simulate(trace, ScalingLimits(1, 1, 0.0), model, horizon_s=DAY_S)
    policies = [
        (f"scale to zero, idle {float(t):.0f} s", ScalingLimits(0, args.max_workers, float(t)))
        for t in args.idle_timeouts.split(",")
    ]
    if args.max_workers > 1:
        every = ScalingLimits(args.max_workers, args.max_workers, 0.0)
        policies.append((f"always on, {args.max_workers} instances", every))
    header = (
        f"{'policy':<30} {'GPU hours':>9} {'cost $':>7} {'vs 1 on':>7} "
        f"{'p50 wait':>9} {'p95 wait':>9} {'max wait':>9} {'launches':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, limits in [("always on, 1 instance", None), *policies]:
        result = always_on if limits is None else simulate(trace, limits, model, DAY_S)
        print(
            f"{name:<30} {result.worker_hours:>9.2f} {result.cost:>7.2f} "
            f"{result.cost / always_on.cost:>7.0%} "
            f"{_duration(percentile(result.waits_s, 50)):>9} {_duration(result.p95_wait_s):>9} "
            f"{_duration(result.max_wait_s):>9} {result.instances_launched:>8}"
        )
    return 0


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


if __name__ == "__main__":
    raise SystemExit(main())
