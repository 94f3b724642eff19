"""The reconcile loop against a fake fleet: scale with the queue, spare busy workers, go to
zero when idle, exit when idle for long enough, and fail jobs whose messages died."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from jobfakes import FakeClock, FakeFleet, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.master import Master, ScalingLimits
from pipeline.ports import WorkerInfo

LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=60)


def queue_jobs(backend: Backend, tmp_path: Path, count: int) -> list[str]:
    ids = []
    for n in range(count):
        source = comments_csv(tmp_path / f"in{n}.csv", [f"comment {n}"])
        ids.append(service.submit(backend, source, "comment").request_id)
    return ids


def test_backlog_starts_workers_up_to_the_limit(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    master = Master(backend, fleet, LIMITS, clock=FakeClock())
    assert master.tick().desired == 0 and fleet.workers == {}
    queue_jobs(backend, tmp_path, 3)
    report = master.tick()
    assert report.observed.backlog == 3 and report.desired == 2
    assert report.started == ["w1", "w2"] and len(fleet.workers) == 2
    assert master.tick().started == []


def test_idle_workers_go_after_the_timeout_but_busy_ones_stay(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    fleet.start(2)
    master = Master(backend, fleet, LIMITS, clock=clock)
    backend.repository.workers.beat("w1", "some-job", host="h", pid=1)
    clock.advance(61)
    report = master.tick()
    assert report.stopped == [] and report.observed.busy_workers == 1  # busy resets idleness
    backend.repository.workers.beat("w1", None, host="h", pid=1)
    clock.advance(30)
    assert master.tick().stopped == []
    clock.advance(31)
    report = master.tick()
    assert report.desired == 0 and sorted(report.stopped) == ["w1", "w2"]
    assert fleet.workers == {}


def test_a_busy_worker_is_spared_when_the_others_are_stopped(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    fleet.start(2)
    master = Master(backend, fleet, ScalingLimits(0, 2, idle_timeout_s=0), clock=clock)
    backend.repository.workers.beat("w2", "job", host="h", pid=2)
    report = master.tick()
    assert report.desired == 1 and report.stopped == ["w1"]
    assert list(fleet.workers) == ["w2"]


def test_the_master_exits_by_itself_once_idle_long_enough(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    clock = FakeClock()

    def ticking_clock() -> float:
        clock.advance(10)
        return clock()

    fleet = FakeFleet()
    fleet.start(1)
    master = Master(backend, fleet, LIMITS, interval_s=0.001, exit_idle_s=120, clock=ticking_clock)
    master.run()  # returns: the worker was stopped after 60 s, then 120 s passed idle
    assert fleet.stopped == ["w1"] and clock.now >= 1_000 + 120


def test_dead_letters_become_failed_jobs_with_the_reason(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=2, visibility_timeout_s=30)
    (request_id,) = queue_jobs(backend, tmp_path, 1)
    for _ in range(2):
        assert backend.queue.receive() is not None
        clock.advance(31)  # the worker holding it died each time
    assert backend.queue.receive() is None  # third delivery: moved to the dead letters
    assert len(backend.queue.dead_letters()) == 1
    report = Master(backend, FakeFleet(), LIMITS, clock=clock).tick()
    assert report.failed_jobs == [request_id]
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED
    assert "gave up after the queue's limit of 2 deliveries" in (job.error or "")
    assert backend.queue.dead_letters() == []


class CountingFleet(FakeFleet):
    """Counts reconcile ticks (each lists the workers once)."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks = 0
        self.listed = threading.Event()

    def list_workers(self) -> list[WorkerInfo]:
        self.ticks += 1
        self.listed.set()
        return super().list_workers()


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_submission_wakes_the_master_instead_of_waiting_out_the_interval(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    fleet = CountingFleet()
    master = Master(backend, fleet, LIMITS, interval_s=600)
    thread = threading.Thread(target=master.run, daemon=True)
    thread.start()
    assert fleet.listed.wait(10)
    assert wait_for(lambda: thread.is_alive() and fleet.ticks == 1)
    time.sleep(0.2)  # the first tick (no job yet) has finished; the next is 600 s away
    queue_jobs(backend, tmp_path, 1)
    master.wake()
    assert wait_for(lambda: len(fleet.workers) == 1), "the woken master started no worker"
    assert fleet.ticks == 2
    master.request_stop()
    thread.join(timeout=10)
    assert not thread.is_alive(), "a stop request must not wait out the interval either"


class WatchingFleet(CountingFleet):
    """A fleet that sees its workers' processes end, as the local one does."""

    def __init__(self) -> None:
        super().__init__()
        self.notify: Callable[[], None] | None = None

    def notify_exits(self, notify: Callable[[], None]) -> bool:
        self.notify = notify
        return True


def test_a_worker_process_ending_wakes_the_master_at_once(tmp_path: Path) -> None:
    """The master hands a dead worker's message back at the tick the fleet's notice starts,
    not at the end of its interval."""
    fleet = WatchingFleet()
    master = Master(make_backend(tmp_path), fleet, LIMITS, interval_s=600)
    assert fleet.notify is not None
    thread = threading.Thread(target=master.run, daemon=True)
    thread.start()
    assert wait_for(lambda: fleet.ticks == 1)
    fleet.notify()
    assert wait_for(lambda: fleet.ticks == 2), "the master waited out its interval"
    master.request_stop()
    thread.join(timeout=10)
