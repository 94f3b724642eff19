"""The master lease on SQLite (embedded) and the real PostgreSQL (AWS's RDS), by the database's
own clock: the contract, contenders racing from threads on their own connections (exactly one
wins, also when taking over an expired lease), and two Masters running side by side with fake
fleets: only the holder starts workers, and the standby takes over when the holder dies or
stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from jobfakes import FakeFleet, comments_csv
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import Backend, init_backend
from pipeline.db import LeaseRepository
from pipeline.master import Master, ScalingLimits
from pipeline.master.leadership import MASTER_LEASE, Leadership
from pipeline.settings import Settings


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'lease.sqlite'}"


@contextmanager
def postgresql_database(_folder: Path) -> Iterator[str]:
    with fresh_database("pipeline_lease") as url:
        yield url


DATABASES: dict[str, Callable[[Path], AbstractContextManager[str]]] = {
    "sqlite": sqlite_database,
    "postgresql": postgresql_database,
}


@pytest.fixture(params=sorted(DATABASES))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with DATABASES[request.param](tmp_path) as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, model="fake")
        backend = init_backend(settings)
        yield backend
        backend.repository.database.dispose()


@pytest.fixture
def leases(backend: Backend) -> LeaseRepository:
    return backend.repository.leases


def holder(leases: LeaseRepository, name: str = "master") -> str | None:
    lease = leases.get(name)
    return None if lease is None else lease.holder


def wait_until(condition: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_take_renew_refuse_release(leases: LeaseRepository) -> None:
    taken = leases.acquire("master", "a", 30)
    assert taken is not None and taken.holder == "a"
    assert (taken.expires_at - taken.acquired_at).total_seconds() == 30
    refused = leases.acquire("master", "b", 30)
    assert refused is not None and refused.holder == "a"
    renewed = leases.acquire("master", "a", 30)
    assert renewed is not None
    assert renewed.acquired_at == taken.acquired_at and renewed.expires_at >= taken.expires_at
    assert leases.release("master", "b") is False
    assert leases.release("master", "a") is True
    assert holder(leases) is None


def test_an_expired_lease_is_taken_over_by_the_database_clock(leases: LeaseRepository) -> None:
    leases.acquire("master", "a", 0.2)
    assert wait_until(lambda: _holder_after_try(leases, "b") == "b", timeout_s=30)
    again = leases.acquire("master", "a", 0.2)
    assert again is not None and again.holder == "b"


def _holder_after_try(leases: LeaseRepository, contender: str) -> str | None:
    lease = leases.acquire("master", contender, 30)
    return None if lease is None else lease.holder


def race(leases: LeaseRepository, contenders: list[str]) -> dict[str, str | None]:
    """Every contender asks at the same moment, each from its own thread and connection."""
    start = threading.Barrier(len(contenders))
    seen: dict[str, str | None] = {}

    def contend(name: str) -> None:
        start.wait()
        lease = leases.acquire("master", name, 30)
        seen[name] = None if lease is None else lease.holder

    threads = [threading.Thread(target=contend, args=(name,)) for name in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen


def test_contenders_racing_for_a_free_lease_leave_exactly_one_holder(
    leases: LeaseRepository,
) -> None:
    for round_ in range(5):
        contenders = [f"r{round_}-m{n}" for n in range(6)]
        seen = race(leases, contenders)
        winners = [name for name, seen_holder in seen.items() if seen_holder == name]
        assert len(winners) == 1, seen
        assert set(seen.values()) == set(winners) and holder(leases) == winners[0]
        assert leases.release("master", winners[0])


def test_contenders_racing_for_an_expired_lease_leave_exactly_one_holder(
    leases: LeaseRepository,
) -> None:
    for round_ in range(3):
        leases.acquire("master", f"old{round_}", 0.05)
        assert wait_until(lambda: _expired(leases))
        contenders = [f"r{round_}-m{n}" for n in range(6)]
        seen = race(leases, contenders)
        winners = [name for name, seen_holder in seen.items() if seen_holder == name]
        assert len(winners) == 1, seen
        assert holder(leases) == winners[0]
        leases.release("master", winners[0])


def _expired(leases: LeaseRepository) -> bool:
    """True once a probe (which then gives it back) can take the lease."""
    if _holder_after_try(leases, "probe") != "probe":
        return False
    leases.release("master", "probe")
    return True


LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=600)
TTL_S = 3.0
"""Thirty ticks: a holder renews every tick, so only a stall of seconds lets the standby in
while the holder lives (at 1.0, a 2-core machine running two test runs at once stalled one
renewal long enough, and both masters started workers)."""
INTERVAL_S = 0.1


class RunningMaster:
    """A Master in a thread with its own fake fleet, as a process of its own would run it."""

    def __init__(self, backend: Backend, name: str) -> None:
        self.fleet = FakeFleet()
        self.leadership = Leadership(backend.repository.leases, TTL_S, holder=name)
        self.master = Master(
            backend, self.fleet, LIMITS, interval_s=INTERVAL_S, leadership=self.leadership
        )
        self.thread = threading.Thread(target=self.master.run, name=name, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.master.request_stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()

    def die(self) -> None:
        """Stop ticking and renewing without releasing the lease, as after kill -9."""
        self.leadership.release = lambda: None  # type: ignore[method-assign]
        self.stop()


def queue_jobs(backend: Backend, folder: Path, count: int) -> None:
    for n in range(count):
        service.submit(backend, comments_csv(folder / f"in{n}.csv", [f"c{n}"]), "comment")


def test_two_masters_only_the_holder_starts_workers_and_the_standby_takes_over(
    backend: Backend, tmp_path: Path
) -> None:
    leases = backend.repository.leases
    masters = [RunningMaster(backend, "a"), RunningMaster(backend, "b")]
    try:
        queue_jobs(backend, tmp_path, 3)
        assert wait_until(lambda: sum(len(m.fleet.workers) for m in masters) == 2)
        time.sleep(3 * INTERVAL_S)  # a few more ticks of both: the standby starts nothing
        leader = next(m for m in masters if m.fleet.workers)
        standby = next(m for m in masters if m is not leader)
        assert standby.fleet.workers == {} and standby.fleet.stopped == []
        assert holder(leases, MASTER_LEASE) == leader.leadership.holder
        leader.die()  # its fleet's workers die with it (the local fleet's workers do)
        assert wait_until(lambda: len(standby.fleet.workers) == 2)
        assert holder(leases, MASTER_LEASE) == standby.leadership.holder
        standby.stop()
        assert holder(leases, MASTER_LEASE) is None  # released on a clean stop
    finally:
        for running in masters:
            running.master.request_stop()


def test_a_clean_stop_hands_over_without_waiting_for_the_lease_to_expire(
    backend: Backend, tmp_path: Path
) -> None:
    leases = backend.repository.leases
    first = RunningMaster(backend, "first")
    assert wait_until(lambda: holder(leases, MASTER_LEASE) == "first")
    second = RunningMaster(backend, "second")
    try:
        time.sleep(3 * INTERVAL_S)  # second tried a few times, as a standby
        assert holder(leases, MASTER_LEASE) == "first" and not second.leadership.leading
        first.stop()
        assert holder(leases, MASTER_LEASE) != "first"
        queue_jobs(backend, tmp_path, 1)
        assert wait_until(lambda: len(second.fleet.workers) == 1)
        assert first.fleet.workers == {}
    finally:
        first.master.request_stop()
        second.stop()
