"""The master lease on SQLite with clocks moved by hand: taking, renewing, expiry, takeover,
release, contenders; a Leadership that never lets two masters tick; and two Masters over one
database with fake fleets, of which only the lease holder starts workers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobfakes import Clocks, FakeFleet, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import LeaseRecord, LeaseRepository
from pipeline.errors import ConfigError
from pipeline.master import Master, ScalingLimits
from pipeline.master.leadership import MASTER_LEASE, Leadership

TTL_S = 10.0
LIMITS = ScalingLimits(min_workers=0, max_workers=2, idle_timeout_s=60)


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path)


@pytest.fixture
def leases(backend: Backend, clocks: Clocks) -> LeaseRepository:
    return LeaseRepository(backend.repository.database, now=clocks.now)


def held_by(lease: LeaseRecord | None) -> str | None:
    return None if lease is None else lease.holder


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_first_contender_takes_the_lease_for_its_ttl(
    leases: LeaseRepository, clocks: Clocks
) -> None:
    lease = leases.acquire("master", "a", TTL_S)
    assert lease == LeaseRecord("master", "a", clocks.wall, clocks.wall + timedelta(seconds=TTL_S))
    assert leases.get("master") == lease


def test_a_second_contender_gets_the_holder_and_changes_nothing(
    leases: LeaseRepository, clocks: Clocks
) -> None:
    first = leases.acquire("master", "a", TTL_S)
    clocks.advance(TTL_S - 0.001)
    assert leases.acquire("master", "b", TTL_S) == first
    assert leases.get("master") == first


def test_renewing_extends_the_expiry_and_keeps_when_it_was_taken(
    leases: LeaseRepository, clocks: Clocks
) -> None:
    taken_at = clocks.wall
    leases.acquire("master", "a", TTL_S)
    clocks.advance(6)
    renewed = leases.acquire("master", "a", TTL_S)
    assert renewed is not None
    assert renewed.acquired_at == taken_at
    assert renewed.expires_at == clocks.wall + timedelta(seconds=TTL_S)
    clocks.advance(6)  # past the first expiry, within the renewed one
    assert held_by(leases.acquire("master", "b", TTL_S)) == "a"


def test_once_expired_another_contender_takes_it_over_and_the_old_holder_cannot_renew(
    leases: LeaseRepository, clocks: Clocks
) -> None:
    leases.acquire("master", "a", TTL_S)
    clocks.advance(TTL_S)
    taken = leases.acquire("master", "b", TTL_S)
    assert taken == LeaseRecord("master", "b", clocks.wall, clocks.wall + timedelta(seconds=TTL_S))
    assert held_by(leases.acquire("master", "a", TTL_S)) == "b"


def test_release_frees_it_at_once_but_only_for_its_holder(
    leases: LeaseRepository, clocks: Clocks
) -> None:
    leases.acquire("master", "a", TTL_S)
    assert leases.release("master", "b") is False
    assert held_by(leases.get("master")) == "a"
    assert leases.release("master", "a") is True
    assert leases.get("master") is None
    assert held_by(leases.acquire("master", "b", TTL_S)) == "b"  # no time passed
    assert leases.release("master", "a") is False


def test_leases_of_different_names_are_independent(leases: LeaseRepository) -> None:
    assert held_by(leases.acquire("master", "a", TTL_S)) == "a"
    assert held_by(leases.acquire("other", "b", TTL_S)) == "b"


def test_contenders_racing_from_threads_leave_exactly_one_holder(backend: Backend) -> None:
    leases = backend.repository.leases  # the database's clock
    contenders = [f"m{n}" for n in range(8)]
    start = threading.Barrier(len(contenders))
    seen: dict[str, str | None] = {}

    def contend(holder: str) -> None:
        start.wait()
        seen[holder] = held_by(leases.acquire("master", holder, TTL_S))

    threads = [threading.Thread(target=contend, args=(holder,)) for holder in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [holder for holder, seen_holder in seen.items() if seen_holder == holder]
    assert len(winners) == 1
    assert set(seen.values()) == set(winners)


def test_the_database_clock_sets_expiries_when_none_is_injected(backend: Backend) -> None:
    lease = backend.repository.leases.acquire("master", "a", TTL_S)
    assert lease is not None
    assert lease.expires_at - lease.acquired_at == timedelta(seconds=TTL_S)
    assert abs(lease.acquired_at - datetime.now(UTC)) < timedelta(minutes=1)


def leadership(leases: LeaseRepository, clocks: Clocks, holder: str) -> Leadership:
    return Leadership(leases, TTL_S, holder=holder, clock=clocks.monotonic)


def test_one_master_leads_the_other_waits_and_logs_that_once(
    leases: LeaseRepository, clocks: Clocks, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = leadership(leases, clocks, "a"), leadership(leases, clocks, "b")
    caplog.set_level(logging.INFO, logger="pipeline.master.leadership")
    assert a.hold() is True
    for _ in range(3):
        clocks.advance(2)
        assert a.hold() is True
        assert b.hold() is False
    waits = [r.getMessage() for r in caplog.records if "master b waits" in r.getMessage()]
    assert len(waits) == 1 and "master a holds the lease" in waits[0]
    assert a.leading and not b.leading


def test_a_standby_takes_over_once_the_leader_stops_renewing(
    leases: LeaseRepository, clocks: Clocks, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = leadership(leases, clocks, "a"), leadership(leases, clocks, "b")
    assert a.hold() is True
    clocks.advance(2)
    assert b.hold() is False
    clocks.advance(TTL_S - 2)  # a was killed: nobody renewed since it took the lease
    assert b.hold() is True
    caplog.set_level(logging.WARNING, logger="pipeline.master.leadership")
    assert a.hold() is False  # a was only paused, not dead: it must not tick now
    assert not a.leading
    assert any("master a lost the master lease to b" in r.getMessage() for r in caplog.records)


def test_a_clean_stop_hands_the_lease_over_at_once(leases: LeaseRepository, clocks: Clocks) -> None:
    a, b = leadership(leases, clocks, "a"), leadership(leases, clocks, "b")
    assert a.hold() is True and b.hold() is False
    a.release()
    assert b.hold() is True
    a.release()  # not holding it any more: b keeps it
    assert held_by(leases.get(MASTER_LEASE)) == "b"


class SlowLeases(LeaseRepository):
    """A renewal that takes ``delay_s`` of the master's clock (a database lock held long)."""

    def __init__(self, inner: LeaseRepository, clocks: Clocks, delay_s: float) -> None:
        self._inner = inner
        self._clocks = clocks
        self.delay_s = delay_s

    def acquire(self, name: str, holder: str, ttl_s: float) -> LeaseRecord | None:
        lease = self._inner.acquire(name, holder, ttl_s)
        self._clocks.monotonic.advance(self.delay_s)
        return lease


def test_a_renewal_that_returns_late_does_not_tick(leases: LeaseRepository, clocks: Clocks) -> None:
    slow = SlowLeases(leases, clocks, delay_s=TTL_S / 2)
    a = Leadership(slow, TTL_S, holder="a", clock=clocks.monotonic)
    assert a.hold() is False  # held, but too little of it is left to start a tick
    assert a.leading
    slow.delay_s = 0.1
    assert a.hold() is True


class BrokenLeases(LeaseRepository):
    def __init__(self) -> None:
        pass

    def acquire(self, name: str, holder: str, ttl_s: float) -> LeaseRecord | None:
        raise ConnectionError("database unreachable")


def test_a_renewal_that_fails_stops_leading(leases: LeaseRepository, clocks: Clocks) -> None:
    a = leadership(leases, clocks, "a")
    assert a.hold() is True
    a.leases = BrokenLeases()
    with pytest.raises(ConnectionError):
        a.hold()
    assert not a.leading


def queue_jobs(backend: Backend, tmp_path: Path, count: int) -> None:
    for n in range(count):
        service.submit(backend, comments_csv(tmp_path / f"in{n}.csv", [f"c{n}"]), "comment")


def two_masters(
    backend: Backend, clocks: Clocks, leases: LeaseRepository
) -> tuple[Master, FakeFleet, Master, FakeFleet]:
    fleet_a, fleet_b = FakeFleet(), FakeFleet()
    lead_a, lead_b = leadership(leases, clocks, "a"), leadership(leases, clocks, "b")
    a = Master(backend, fleet_a, LIMITS, clock=clocks.monotonic, leadership=lead_a)
    b = Master(backend, fleet_b, LIMITS, clock=clocks.monotonic, leadership=lead_b)
    return a, fleet_a, b, fleet_b


def test_of_two_masters_only_the_lease_holder_starts_workers(
    backend: Backend, clocks: Clocks, leases: LeaseRepository, tmp_path: Path
) -> None:
    a, fleet_a, b, fleet_b = two_masters(backend, clocks, leases)
    queue_jobs(backend, tmp_path, 3)
    for _ in range(5):
        assert a.tick_if_leading() is not None
        assert b.tick_if_leading() is None
        clocks.advance(2)
    assert len(fleet_a.workers) == 2 and fleet_b.workers == {}


def test_the_standby_leads_within_ttl_plus_an_interval_of_the_leaders_death(
    backend: Backend, clocks: Clocks, leases: LeaseRepository, tmp_path: Path
) -> None:
    a, fleet_a, b, fleet_b = two_masters(backend, clocks, leases)
    assert a.tick_if_leading() is not None  # a leads, then dies: it never renews again
    queue_jobs(backend, tmp_path, 1)
    waited = 0.0
    while b.tick_if_leading() is None:
        clocks.advance(2)
        waited += 2
    assert TTL_S <= waited <= TTL_S + 2
    assert len(fleet_b.workers) == 1 and fleet_a.workers == {}


def test_a_master_run_holds_the_lease_and_releases_it_when_stopped(backend: Backend) -> None:
    a = Master(backend, FakeFleet(), LIMITS, interval_s=0.01)
    thread = threading.Thread(target=a.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: held_by(backend.repository.leases.get(MASTER_LEASE)) is not None)
        assert held_by(backend.repository.leases.get(MASTER_LEASE)) == a.leadership.holder
    finally:
        a.request_stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert backend.repository.leases.get(MASTER_LEASE) is None


def test_a_lease_shorter_than_two_intervals_is_refused(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, master_lease_s=3.0, master_interval_s=2.0)
    with pytest.raises(ConfigError, match="PIPELINE_MASTER_LEASE_S=3 must be at least twice"):
        Master.from_settings(backend, FakeFleet())
