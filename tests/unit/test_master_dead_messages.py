"""A queued job cancelled or erased keeps its message in the queue (SQS deletes only with the
receipt of a delivery, and a queued message has none) until a worker receives and drops it.
The master does not count such a message as work: it neither starts a worker for it nor keeps
one (or itself) up for it."""

from __future__ import annotations

import threading
from pathlib import Path

from jobfakes import FakeClock, FakeFleet, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.master import Master, ScalingInputs, ScalingLimits, desired_workers

LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=60)


def submit(backend: Backend, tmp_path: Path, name: str) -> str:
    source = comments_csv(tmp_path / f"{name}.csv", [f"comment {name}"])
    return service.submit(backend, source, "comment").request_id


def test_a_cancelled_queued_job_starts_no_worker(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    master = Master(backend, fleet, LIMITS, clock=FakeClock())
    service.cancel(backend, submit(backend, tmp_path, "a"))
    report = master.tick()
    assert report.observed.backlog == 1  # the message is still there...
    assert report.observed.live_jobs == 0 and report.observed.demand == 0  # ...for nothing
    assert report.started == [] and fleet.workers == {}


def test_an_erased_queued_job_starts_no_worker(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    master = Master(backend, fleet, LIMITS, clock=FakeClock())
    service.erase(backend, submit(backend, tmp_path, "a"))
    assert master.tick().started == [] and fleet.workers == {}


def test_only_live_jobs_count_toward_the_workers_started(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    master = Master(backend, fleet, LIMITS, clock=FakeClock())
    for name in ("a", "b"):
        service.cancel(backend, submit(backend, tmp_path, name))
    submit(backend, tmp_path, "live")
    report = master.tick()
    assert (report.observed.backlog, report.observed.demand) == (3, 1)
    assert report.started == ["w1"]


def test_a_dead_message_does_not_keep_an_idle_worker_up(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path)
    fleet = FakeFleet()
    fleet.start(1)
    master = Master(backend, fleet, LIMITS, clock=clock)
    service.cancel(backend, submit(backend, tmp_path, "a"))
    assert master.tick().stopped == []
    clock.advance(61)
    report = master.tick()
    assert report.stopped == ["w1"] and fleet.workers == {}


def test_a_dead_message_does_not_keep_the_master_running(tmp_path: Path) -> None:
    """A master on Fargate exits once idle: a dead message would otherwise keep it (and its
    cost) up until SQS expires the message, days later."""
    backend = make_backend(tmp_path)
    clock = FakeClock()

    def ticking_clock() -> float:
        clock.advance(10)
        return clock()

    service.cancel(backend, submit(backend, tmp_path, "a"))
    master = Master(
        backend, FakeFleet(), LIMITS, interval_s=0.0, exit_idle_s=30, clock=ticking_clock
    )
    running = threading.Thread(target=master.run, daemon=True)
    running.start()
    running.join(timeout=10)
    exited = not running.is_alive()
    master.request_stop()
    assert exited  # idle with no live job: it exits, the message left for a worker to drop
    assert backend.queue.depth().visible == 1


def test_without_a_count_of_live_jobs_every_message_is_demand() -> None:
    """The cost simulation has no database: its messages are all live."""
    observed = ScalingInputs(backlog=3, in_flight=0, workers=0, busy_workers=0, idle_for_s=0)
    assert observed.demand == 3 and desired_workers(observed, LIMITS) == 2


def test_live_jobs_without_a_message_yet_are_not_demand() -> None:
    """Read between a job's creation and its message: the message is counted next tick."""
    observed = ScalingInputs(0, 0, 0, 0, 0.0, live_jobs=2)
    assert observed.demand == 0 and desired_workers(observed, LIMITS) == 0
