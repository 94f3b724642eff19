"""A live job whose queue message is gone (``queue.db`` removed while ``up`` ran, or the
database restored from a backup the queue does not match) is not stranded "waiting for a
worker" for ever, nor handed to every identical submission: once no live worker has held it and
nothing has happened to it for twice the visibility timeout, with no message waiting in the
queue, the master sends it a new message (so does an identical submission), and it resumes
from its committed rows, each row once. A job merely waiting behind others, or held by a live
worker, is never sent a second message, and a job sent one is not sent another before as long
again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobfakes import FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.master import Master, ScalingLimits
from pipeline.service import unsent
from pipeline.worker import Worker

LIMITS = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
COMMENTS = [f"comment {i} was {'good' if i % 2 else 'bad'}" for i in range(10)]


class Killed(BaseException):
    """Stands in for the worker's end as the queue's file goes (no ``except`` runs)."""


def stranded_job(tmp_path: Path, source: Path) -> tuple[Backend, str]:
    """Submit ``source``; a worker commits its first chunk and dies; the queue's file is then
    removed and ``up`` restarted (its ``init`` makes an empty queue): the job is running with
    no message. The restarted backend, and the job's id."""
    backend = make_backend(tmp_path)
    request_id = service.submit(backend, source, "comment").request_id

    def die(_rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        Worker(backend, lambda _ref: FakePredictor(), "w0", on_rows=die).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and job.rows_done == 4
    queue_file = backend.settings.data_dir / "queue.db"
    for suffix in ("", "-wal", "-shm"):
        queue_file.with_name(f"queue.db{suffix}").unlink(missing_ok=True)
    restarted = make_backend(tmp_path)
    assert restarted.queue.depth().total == 0
    return restarted, request_id


def past_the_window(backend: Backend, seconds: float = 5.0) -> datetime:
    return datetime.now(UTC) + timedelta(
        seconds=unsent.stranded_after_s(backend.settings) + seconds
    )


def finish(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def stored_rows(backend: Backend, request_id: str) -> list[int]:
    return [
        row.row_index for batch in backend.repository.results.batches(request_id) for row in batch
    ]


def test_the_master_sends_a_new_message_to_a_running_job_whose_message_is_gone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend, request_id = stranded_job(tmp_path, comments_csv(tmp_path / "c.csv", COMMENTS))
    soon = past_the_window(backend, -10)
    assert Master(backend, FakeFleet(), LIMITS, calendar=lambda: soon).tick().stranded_jobs == ()
    later = past_the_window(backend)
    master = Master(backend, FakeFleet(), LIMITS, calendar=lambda: later)
    with caplog.at_level(logging.WARNING, logger="pipeline.service.unsent"):
        report = master.tick()
    assert report.stranded_jobs == (request_id,)
    assert report.observed.backlog == 1 and report.started == ["w1"]
    assert f"job {request_id} is running but no worker holds it" in caplog.text
    assert "from its 4 committed rows" in caplog.text
    assert master.tick().stranded_jobs == ()  # sent: not again, whatever the tick
    much_later = later + timedelta(hours=1)
    assert unsent.resend_stranded(backend, set(), much_later) == []  # its message waits
    assert backend.queue.depth().visible == 1
    finish(backend)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.rows_done == len(COMMENTS)
    assert stored_rows(backend, request_id) == list(range(len(COMMENTS)))  # each row once


def test_an_identical_submission_gets_the_stranded_job_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    backend, request_id = stranded_job(tmp_path, source)
    again = service.submit(backend, source, "comment")
    assert (again.request_id, again.reused) == (request_id, True)
    assert backend.queue.depth().total == 0  # too soon to tell the message is gone
    monkeypatch.setattr(unsent, "stranded_after_s", lambda _settings: 0.0)
    again = service.submit(backend, source, "comment")
    assert (again.request_id, again.reused) == (request_id, True)
    assert backend.queue.depth().visible == 1
    finish(backend)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED
    assert stored_rows(backend, request_id) == list(range(len(COMMENTS)))


def test_jobs_waiting_behind_others_are_not_sent_a_second_message(tmp_path: Path) -> None:
    """No worker is free: their messages wait in the queue, however long."""
    backend = make_backend(tmp_path)
    for name in ("a", "b", "c"):
        service.submit(backend, comments_csv(tmp_path / f"{name}.csv", [name]), "comment")
    far = past_the_window(backend, 3600)
    assert unsent.resend_stranded(backend, set(), far) == []
    assert backend.queue.depth().visible == 3


def test_a_job_a_live_worker_holds_is_not_sent_a_message(tmp_path: Path) -> None:
    """Its worker's beat is fresh (a long post-pass writes no row for minutes): the job is
    its, whatever the queue holds."""
    backend, request_id = stranded_job(tmp_path, comments_csv(tmp_path / "c.csv", COMMENTS))
    backend.repository.workers.beat("busy", request_id, host="h", pid=1, receipt="r")
    master = Master(backend, FakeFleet(), LIMITS, calendar=lambda: past_the_window(backend))
    assert master.tick().stranded_jobs == ()
    assert backend.queue.depth().total == 0
    backend.repository.workers.remove("busy")  # it ended
    assert master.tick().stranded_jobs == (request_id,)


@pytest.mark.parametrize("end", ["cancel", "erase"])
def test_a_cancelled_or_erased_job_is_left_alone(tmp_path: Path, end: str) -> None:
    backend, request_id = stranded_job(tmp_path, comments_csv(tmp_path / "c.csv", COMMENTS))
    getattr(backend.repository.jobs, end)(request_id)
    assert unsent.resend_stranded(backend, set(), past_the_window(backend)) == []
    assert backend.queue.depth().total == 0


def test_the_window_is_twice_the_visibility_timeout_and_never_under_the_unsent_grace(
    tmp_path: Path,
) -> None:
    assert unsent.stranded_after_s(make_backend(tmp_path / "a").settings) == 120.0
    slow = make_backend(tmp_path / "b", visibility_timeout_s=300).settings
    assert unsent.stranded_after_s(slow) == 600.0
    quick = make_backend(tmp_path / "c", visibility_timeout_s=5).settings
    assert unsent.stranded_after_s(quick) == unsent.UNSENT_GRACE_S


def test_a_queued_job_of_a_database_restored_from_a_backup_is_sent_a_message(
    tmp_path: Path,
) -> None:
    """The backup holds a job submitted (and sent) after the queue last held it."""
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    message = backend.queue.receive()
    assert message is not None
    backend.queue.delete(message.receipt)  # the queue does not hold it
    report = Master(backend, FakeFleet(), LIMITS, calendar=lambda: past_the_window(backend)).tick()
    assert report.stranded_jobs == (request_id,) and report.observed.backlog == 1
    finish(backend)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
