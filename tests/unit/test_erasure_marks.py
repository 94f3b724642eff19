"""An erasure survives a restore of the database from a backup taken before it.

Every erasure (owner, operator, retention) leaves a mark in the object store, which a restore
of ``pipeline.db`` does not touch. The master erases again each job whose mark exists but that
the restored database shows not erased, at its first tick, saying so at WARNING; a stranded
job of that kind is never sent a new message (so never labelled nor analysed again), and an
identical submission is never handed it."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobfakes import FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import StoreUnavailableError
from pipeline.master import Master, ScalingLimits
from pipeline.service import restored_erasures, unsent
from pipeline.service.erase import erase_expired
from pipeline.service.erasure_marks import mark_key, read_mark
from pipeline.worker import Worker

LIMITS = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
SECRET = "QUOKKARESTORE97 my tutor was unkind"
COMMENTS = [SECRET, *(f"comment {i} was {'good' if i % 2 else 'bad'}" for i in range(9))]


class Killed(BaseException):
    """Stands in for a worker's end mid-job (no ``except`` runs)."""


def backup(backend: Backend, target: Path) -> None:
    """What the docs say: SQLite's online backup of the running database."""
    source = sqlite3.connect(backend.settings.data_dir / "pipeline.db")
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    source.close()
    copy.close()


def restored(backend: Backend, copy: Path, tmp_path: Path, queue: bool = True) -> Backend:
    """The service stopped, the backup copied over ``pipeline.db`` (without ``queue``, the
    queue's file lost too), the service started."""
    backend.repository.database.engine.dispose()
    data = backend.settings.data_dir
    for suffix in ("-wal", "-shm", *(() if queue else ("",))):
        (data / f"pipeline.db{suffix}").unlink(missing_ok=True)
        if not queue:
            (data / f"queue.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, data / "pipeline.db")
    return make_backend(tmp_path, insights=backend.settings.insights)


def far_later(backend: Backend) -> datetime:
    """Past every grace the master gives a job before it sends it a message again."""
    return datetime.now(UTC) + timedelta(seconds=unsent.stranded_after_s(backend.settings) + 60)


def labelled(backend: Backend, source: Path) -> str:
    request_id = service.submit(backend, source, "comment").request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    return request_id


def rows_of(backend: Backend, request_id: str) -> int:
    return sum(len(batch) for batch in backend.repository.results.batches(request_id))


def test_a_restored_database_has_the_erased_job_erased_again_at_the_masters_first_tick(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    request_id = labelled(backend, comments_csv(tmp_path / "c.csv", COMMENTS))
    kept = labelled(backend, comments_csv(tmp_path / "k.csv", ["another file"]))
    backup(backend, tmp_path / "backup.db")
    service.erase(backend, request_id, "anonymous")
    erased_on = backend.repository.jobs.get(request_id).erased_at
    assert erased_on is not None

    again = restored(backend, tmp_path / "backup.db", tmp_path)
    assert again.repository.jobs.get(request_id).erased_at is None  # what a restore did
    assert rows_of(again, request_id) == len(COMMENTS)
    later = far_later(again)
    master = Master(again, FakeFleet(), LIMITS, calendar=lambda: later)
    with caplog.at_level(logging.WARNING):
        report = master.tick()

    assert report.erased_again == (request_id,)
    job = again.repository.jobs.get(request_id)
    assert job.erased_at == erased_on, "erased when it first was, not now"
    assert rows_of(again, request_id) == 0
    assert again.queue.depth().total == 0 and report.stranded_jobs == ()
    assert (
        f"job {request_id} was erased on {erased_on:%Y-%m-%d %H:%M} UTC (at its owner's "
        "request) but the database was restored from before it: erased again"
    ) in caplog.text
    assert rows_of(again, kept) == 1 and again.repository.jobs.get(kept).erased_at is None
    assert master.tick().erased_again == ()


def test_a_job_running_when_the_backup_was_taken_is_erased_again_and_never_sent(
    tmp_path: Path,
) -> None:
    """The hunt's case: the backup taken mid-job, the job finished and erased, the backup
    restored; the master took the job for stranded and had it labelled and analysed again."""
    backend = make_backend(tmp_path)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "c.csv", COMMENTS), "comment"
    ).request_id

    def die(_rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        Worker(backend, lambda _ref: FakePredictor(), "w0", on_rows=die).run(burst=True)
    backup(backend, tmp_path / "backup.db")
    service.erase(backend, request_id)  # the operator's
    again = restored(backend, tmp_path / "backup.db", tmp_path, queue=False)
    assert again.repository.jobs.get(request_id).status is JobStatus.RUNNING

    assert unsent.resend_stranded(again, set(), far_later(again)) == []  # checked on its own
    assert again.repository.jobs.get(request_id).erased_at is not None
    assert again.queue.depth().total == 0


def test_an_identical_submission_is_not_handed_the_job_a_restore_brought_back(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, insights=False)  # the job is otherwise as one now
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    request_id = labelled(backend, source)
    assert service.submit(backend, source, "comment").reused
    backup(backend, tmp_path / "backup.db")
    service.erase(backend, request_id, "anonymous")
    again = restored(backend, tmp_path / "backup.db", tmp_path)

    submitted = service.submit(again, source, "comment")

    assert (submitted.reused, submitted.request_id != request_id) == (False, True)
    assert again.repository.jobs.get(request_id).erased_at is not None
    assert rows_of(again, request_id) == 0


def test_every_erasure_leaves_a_mark_that_holds_no_comment_nor_file_name(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    by_owner = labelled(backend, comments_csv(tmp_path / "QUOKKANAME.csv", COMMENTS))
    by_operator = labelled(backend, comments_csv(tmp_path / "b.csv", ["b"]))
    expired = labelled(backend, comments_csv(tmp_path / "c.csv", ["c"]))
    service.erase(backend, by_owner, "anonymous")
    service.erase(backend, by_operator)
    erase_expired(backend, 1, datetime.now(UTC) + timedelta(days=2))

    reasons = {}
    for request_id in (by_owner, by_operator, expired):
        mark = read_mark(backend.store, request_id)
        assert mark is not None and mark.erased_at is not None
        reasons[request_id] = mark.reason
        body = backend.store.get_bytes(mark_key(request_id)).decode()
        assert "QUOKKA" not in body and "anonymous" not in body
        assert set(json.loads(body)) == {"request_id", "erased_at", "reason"}
    assert reasons == {
        by_owner: "at its owner's request",
        by_operator: "by the operator",
        expired: "at the end of its retention (PIPELINE_RETENTION_DAYS)",
    }
    assert read_mark(backend.store, "never-erased") is None


def test_the_masters_pass_goes_over_every_job_a_batch_a_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(restored_erasures, "CHECK_BATCH", 2)
    backend = make_backend(tmp_path)
    jobs = [labelled(backend, comments_csv(tmp_path / f"{i}.csv", [f"c{i}"])) for i in range(5)]
    backup(backend, tmp_path / "backup.db")
    last = max(jobs)  # checked in id order: the last batch
    service.erase(backend, last)
    again = restored(backend, tmp_path / "backup.db", tmp_path)
    clock = [0.0]
    check = restored_erasures.RestoredErasureCheck(lambda: clock[0])

    found = [check.tick(again) for _ in range(3)]

    assert found == [[], [], [last]]
    assert check.tick(again) == []  # the pass is over: the next in CHECK_EVERY_S
    assert again.repository.jobs.get(last).erased_at is not None


def test_a_store_out_of_reach_does_not_stop_the_masters_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    labelled(backend, comments_csv(tmp_path / "c.csv", COMMENTS))

    def away(_key: str) -> bytes:
        raise StoreUnavailableError("the object store cannot be reached")

    monkeypatch.setattr(backend.store, "get_bytes", away)
    with caplog.at_level(logging.WARNING):
        report = Master(dataclasses.replace(backend), FakeFleet(), LIMITS).tick()
    assert report.erased_again == ()
    assert "checking the jobs against their erasure marks stopped" in caplog.text
