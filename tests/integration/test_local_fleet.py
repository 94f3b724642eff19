"""The local process fleet with a stand-in worker command: start, list, SIGTERM, shutdown, and
the processes that ended (for the master to hand back what they held)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from pipeline.adapters.local_fleet import LocalProcessFleet

# Prints its worker id, then waits; SIGTERM makes it say so and exit 0 (like a worker would).
STAND_IN = """
import os, signal, sys, time
print(os.environ["PIPELINE_WORKER_ID"], flush=True)
signal.signal(signal.SIGTERM, lambda *_: (print("stopping", flush=True), sys.exit(0)))
time.sleep(120)
"""


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def has_output(log: Path) -> bool:
    return log.exists() and log.read_text().strip() != ""


def test_workers_start_list_and_stop(tmp_path: Path) -> None:
    fleet = LocalProcessFleet([sys.executable, "-c", STAND_IN], os.environ, tmp_path / "logs")
    started = fleet.start(2)
    assert len(set(started)) == 2
    listed = {worker.worker_id: worker for worker in fleet.list_workers()}
    assert set(listed) == set(started)
    assert all(w.state == "running" and w.details["pid"] > 0 for w in listed.values())
    for worker_id in started:
        log = tmp_path / "logs" / f"{worker_id}.log"
        wait_until(partial(has_output, log))
        assert log.read_text().splitlines()[0] == worker_id
    fleet.stop([started[0]])
    wait_until(lambda: [w.worker_id for w in fleet.list_workers()] == [started[1]])
    assert "stopping" in (tmp_path / "logs" / f"{started[0]}.log").read_text()
    fleet.shutdown(grace_s=10)
    assert fleet.list_workers() == []


def test_workers_whose_process_ended_are_reported_once(tmp_path: Path) -> None:
    """The master hands back what a dead worker held: the fleet tells it which processes
    ended (killed, or stopped), each once, and lists them no more."""
    fleet = LocalProcessFleet([sys.executable, "-c", STAND_IN], os.environ, tmp_path / "logs")
    killed, stopped, running = fleet.start(3)
    assert fleet.exited() == []
    pids = {worker.worker_id: worker.details["pid"] for worker in fleet.list_workers()}
    os.kill(pids[killed], signal.SIGKILL)
    wait_until(lambda: killed not in {w.worker_id for w in fleet.list_workers()})
    fleet.stop([stopped])
    wait_until(lambda: [w.worker_id for w in fleet.list_workers()] == [running])
    assert sorted(fleet.exited()) == sorted([killed, stopped])
    assert fleet.exited() == []
    fleet.shutdown(grace_s=10)
    assert fleet.exited() == [running]


def test_the_fleet_says_at_once_that_a_worker_process_ended(tmp_path: Path) -> None:
    """Each ended process wakes whoever asked (the master), and is then listed by ``exited``."""
    fleet = LocalProcessFleet([sys.executable, "-c", STAND_IN], os.environ, tmp_path / "logs")
    ended = threading.Semaphore(0)
    assert fleet.notify_exits(ended.release)
    killed, kept = fleet.start(2)
    assert not ended.acquire(timeout=0.5)  # nothing ended yet
    pids = {worker.worker_id: worker.details["pid"] for worker in fleet.list_workers()}
    os.kill(pids[killed], signal.SIGKILL)
    assert ended.acquire(timeout=30)
    assert fleet.exited() == [killed]
    assert [worker.worker_id for worker in fleet.list_workers()] == [kept]
    fleet.shutdown(grace_s=10)
    assert ended.acquire(timeout=30)
    assert fleet.exited() == [kept]
