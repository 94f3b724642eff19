"""Two real ``sentiment-pipeline master`` processes over one embedded data folder: one holds
the lease, the other waits and says so once; after a kill -9 of the holder the standby takes
the lease over, and a stopped master releases it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from master_processes import holder_pid, prepare, start_master, stop, wait_for

pytestmark = pytest.mark.slow

WAIT_S = 120.0


def test_the_standby_takes_over_after_a_kill_and_a_stop_releases_the_lease(
    tmp_path: Path,
) -> None:
    leases = prepare(tmp_path)
    first = start_master(tmp_path, "first")
    second = None
    try:
        assert wait_for(lambda: holder_pid(leases) == first.pid, WAIT_S), "first never led"
        second = start_master(tmp_path, "second")
        assert wait_for(lambda: "waits: master" in (tmp_path / "second.log").read_text(), WAIT_S)
        assert holder_pid(leases) == first.pid

        first.send_signal(signal.SIGKILL)
        first.wait()
        assert wait_for(lambda: holder_pid(leases) == second.pid, WAIT_S), "no takeover"

        stop(second)
        assert second.returncode == 0
        assert leases.get("master") is None, "a clean stop releases the lease"
        log = (tmp_path / "second.log").read_text()
        assert log.count("waits: master") == 1
        assert "holds the master lease: it reconciles now" in log
    finally:
        stop(first)
        if second is not None:
            stop(second)
