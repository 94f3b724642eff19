"""Worker beats are stamped and judged by the database's clock, as leases are: a worker
whose own clock is 45 s behind the master's was taken for gone at every tick and its job
handed back under it (hunt 3); a reader's clock behind made a dead worker look alive."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from pathlib import Path

import pytest
from jobfakes import make_backend

from pipeline.db import WorkerRegistry, engine

SKEW = timedelta(seconds=45)


class Behind(datetime):
    """The wall clock of a machine ``SKEW`` behind the database's."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Behind:
        moment = datetime.now(tz) - SKEW
        return cls.fromtimestamp(moment.timestamp(), tz)


def test_a_worker_whose_clock_is_behind_is_not_taken_for_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path)
    workers = backend.repository.workers
    with monkeypatch.context() as skewed:  # the worker's machine
        skewed.setattr(engine, "datetime", Behind)
        assert workers.claim("w1", "job-1", "h", 1, "r1", stale_after_s=30) is None
        workers.beat("w1", "job-1", "h", 1, "r1")

    assert workers.busy(stale_after_s=30) == {"w1": "job-1"}  # the master's machine
    assert workers.prune(stale_after_s=30) == []


def test_a_worker_gone_quiet_is_stale_to_a_reader_whose_clock_is_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path)
    quiet = timedelta(seconds=40)
    WorkerRegistry(backend.repository.database, now=lambda: engine.utcnow() - quiet).beat(
        "w1", "job-1", "h", 1, "r1"
    )
    workers = backend.repository.workers
    with monkeypatch.context() as skewed:  # a second worker's machine, and the master's
        skewed.setattr(engine, "datetime", Behind)
        assert workers.claim("w2", "job-1", "h", 2, "r2", stale_after_s=30) is None
        assert [record.worker_id for record in workers.prune(stale_after_s=30)] == ["w1"]
