"""A reconcile tick that fails on every interval (the database is down) is logged in full
once, then as one line a minute, and its end is said once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from jobfakes import FakeClock, FakeFleet, make_backend

from pipeline.master import Master, ScalingLimits
from pipeline.master.tick_failures import TickFailures

LOGGER = "pipeline.master.loop"


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.exc_info]


def test_the_same_failure_every_tick_is_one_traceback_then_a_line_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    failures = TickFailures(logging.getLogger(LOGGER), clock)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for _ in range(100):  # 200 s of 2 s ticks
            failures.failed(RuntimeError("could not connect to server"), 2.0)
            clock.advance(2)
        failures.succeeded()
    assert len(tracebacks(caplog)) == 1
    lines = [record.getMessage() for record in caplog.records if not record.exc_info]
    repeats = [line for line in lines if "still failing" in line]
    assert len(repeats) == 3  # at 60, 120 and 180 s
    assert "could not connect to server" in repeats[0] and "31 ticks in a row" in repeats[0]
    assert lines[-1] == "reconcile tick succeeded after 100 failed in a row over 200 s"


def test_a_new_kind_of_failure_gets_its_own_traceback_and_a_new_streak_starts_afresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    failures = TickFailures(logging.getLogger(LOGGER), clock)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        failures.failed(RuntimeError("database is locked"), 2.0)
        failures.failed(OSError("no space left on device"), 2.0)
        failures.failed(RuntimeError("database is locked"), 2.0)
        failures.succeeded()
        failures.succeeded()  # nothing more to say
        failures.failed(RuntimeError("database is locked"), 2.0)
    assert [str(record.exc_info[1]) for record in tracebacks(caplog) if record.exc_info] == [
        "database is locked",
        "no space left on device",
        "database is locked",
    ]
    assert sum("succeeded after 3 failed" in r.getMessage() for r in caplog.records) == 1


def test_a_message_that_changes_only_in_its_numbers_is_the_same_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = TickFailures(logging.getLogger(LOGGER), FakeClock())
    with caplog.at_level(logging.INFO, logger=LOGGER):
        for tick in range(20):
            failures.failed(RuntimeError(f"connection {4000 + tick} to port 5432 refused"), 2.0)
    assert len(tracebacks(caplog)) == 1


def test_the_running_master_logs_one_traceback_for_a_database_that_stays_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    master = Master(
        make_backend(tmp_path),
        FakeFleet(),
        ScalingLimits(0, 1, idle_timeout_s=60),
        interval_s=0.001,
        clock=clock,
    )
    ticks = 0

    def failing_tick() -> None:
        nonlocal ticks
        ticks += 1
        clock.advance(2)
        if ticks == 40:
            master.request_stop()
        raise RuntimeError("could not connect to server")

    monkeypatch.setattr(master, "tick", failing_tick)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        master.run()
    assert ticks == 40
    assert len(tracebacks(caplog)) == 1
    assert sum("still failing" in record.getMessage() for record in caplog.records) == 1
