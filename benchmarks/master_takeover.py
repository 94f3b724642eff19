"""How long jobs go without a master when the one reconciling dies or stops, with a standby.

Two ``sentiment-pipeline master`` processes run over one embedded data folder (built by
tests/master_processes.py, the helpers the e2e test uses). Each round: the holder of the master
lease is killed with SIGKILL, and the time until the standby holds the lease is taken; a new
standby is started, and the new holder is stopped with SIGTERM (a clean stop releases the
lease), timed the same way. The holder is read from the database every 20 ms.
Expected: a kill costs what was left of the lease (between TTL - interval and TTL) plus up to
an interval before the standby's next try; a clean stop up to an interval.
Usage: ``python benchmarks/master_takeover.py [--repeat 3] [--lease-s 10] [--interval-s 2]``.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from master_processes import holder_pid, prepare, start_master, stop, wait_for  # noqa: E402

from pipeline.db import LeaseRepository  # noqa: E402

WAIT_S = 300.0


def standby(data_dir: Path, name: str, settings: dict[str, str]) -> subprocess.Popen[bytes]:
    """A master started and seen waiting (it logs so once it found the lease held)."""
    process = start_master(data_dir, name, settings)
    log = data_dir / f"{name}.log"
    if wait_for(lambda: log.exists() and "waits: master" in log.read_text(), WAIT_S) is None:
        raise SystemExit(f"{name} never waited for the lease; see {log}")
    return process


def takeover_s(
    leases: LeaseRepository,
    leader: subprocess.Popen[bytes],
    successor: subprocess.Popen[bytes],
    how: signal.Signals,
) -> float:
    """Seconds from sending ``how`` to ``leader`` until ``successor`` holds the lease."""
    if holder_pid(leases) != leader.pid:
        raise SystemExit(f"master {leader.pid} does not hold the lease")
    sent = time.monotonic()
    leader.send_signal(how)
    taken = wait_for(lambda: holder_pid(leases) == successor.pid, WAIT_S)
    leader.wait()
    if taken is None:
        raise SystemExit(f"master {successor.pid} never took the lease over")
    return taken - sent


def main(argv: Sequence[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lease-s", type=float, default=10.0)
    parser.add_argument("--interval-s", type=float, default=2.0)
    args = parser.parse_args(argv)
    settings = {
        "PIPELINE_MASTER_LEASE_S": str(args.lease_s),
        "PIPELINE_MASTER_INTERVAL_S": str(args.interval_s),
    }
    figures: dict[str, list[float]] = {"kill -9": [], "SIGTERM": []}
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        leases = prepare(data_dir)
        processes = [start_master(data_dir, "m0", settings)]
        try:
            if wait_for(lambda: holder_pid(leases) == processes[0].pid, WAIT_S) is None:
                raise SystemExit(f"the first master never led; see {data_dir / 'm0.log'}")
            for n in range(args.repeat):
                leader = processes[-1]
                processes.append(standby(data_dir, f"m{2 * n + 1}", settings))
                seconds = takeover_s(leases, leader, processes[-1], signal.SIGKILL)
                figures["kill -9"].append(seconds)
                leader = processes[-1]
                processes.append(standby(data_dir, f"m{2 * n + 2}", settings))
                figures["SIGTERM"].append(takeover_s(leases, leader, processes[-1], signal.SIGTERM))
                print(
                    f"round {n + 1}: kill -9 {seconds:.2f} s, "
                    f"SIGTERM {figures['SIGTERM'][-1]:.2f} s",
                    flush=True,
                )
        finally:
            for process in processes:
                stop(process)
    print(f"lease {args.lease_s:g} s, interval {args.interval_s:g} s, {args.repeat} rounds:")
    for how, values in figures.items():
        print(
            f"  {how}: median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    return figures


if __name__ == "__main__":
    main()
