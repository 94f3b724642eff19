"""A submission the database refuses (503: locked, unreachable) leaves none of the file's
comments in the object store: no job would own that copy, so neither erase nor retention could
ever reach it, and every retry of the client would store one more."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobRecord, JobRepository, JobStatus, NewJob
from pipeline.errors import DatabaseLockedError, QueueUnavailableError, StoreUnavailableError
from pipeline.service.erasure_marks import MARKS_PREFIX
from pipeline.service.jobs import submitted_key


class LockedJobs(JobRepository):
    """The job table of a database another writer holds locked: creating a job fails."""

    def create(self, new: NewJob) -> JobRecord:
        raise DatabaseLockedError("the database is locked by another writer")

    def create_unless_reusable(self, new: NewJob) -> tuple[JobRecord, bool]:
        raise DatabaseLockedError("the database is locked by another writer")


def locked(backend: Backend) -> Backend:
    jobs = LockedJobs(backend.repository.database)
    return dataclasses.replace(
        backend, repository=dataclasses.replace(backend.repository, jobs=jobs)
    )


def stored(backend: Backend) -> list[str]:
    root = backend.settings.data_dir / "objects"
    found = (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return sorted(key for key in found if not key.startswith(MARKS_PREFIX))


@pytest.mark.parametrize("fresh", [False, True])
def test_a_submit_refused_by_a_locked_database_stores_nothing(tmp_path: Path, fresh: bool) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    for _ in range(3):  # a client retrying under the lock
        with pytest.raises(DatabaseLockedError):
            service.submit(locked(backend), source, "comment", fresh=fresh)
    assert stored(backend) == []
    assert backend.queue.depth().total == 0
    accepted = service.submit(backend, source, "comment", fresh=fresh)  # the lock cleared
    assert stored(backend) == [f"uploads/{accepted.request_id}/input.csv"]


def test_a_refused_submit_of_an_upload_keeps_the_upload_for_a_retry(tmp_path: Path) -> None:
    """The job's own copy goes; the upload stays, so the same key can be submitted again."""
    backend = make_backend(tmp_path)
    key = service.upload_key_for()
    backend.store.put_bytes(key, b"course,comment\nA,good\nB,bad\n")
    with pytest.raises(DatabaseLockedError):
        service.submit_stored(locked(backend), key, "comment")
    assert stored(backend) == [key]
    accepted = service.submit_stored(backend, key, "comment")
    # the upload is gone; the marker that spends its key stays (no comment: the job's id)
    expected = [f"uploads/{accepted.request_id}/input.csv", submitted_key(key)]
    assert stored(backend) == sorted(expected)


class FailingDeletes:
    """An object store whose deletes fail: everything else is the real one's."""

    def __init__(self, store: object) -> None:
        self._store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def delete(self, key: str) -> None:
        raise StoreUnavailableError("the object store cannot be reached")


def test_a_copy_that_cannot_be_deleted_is_logged_and_the_answer_is_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    shaky = dataclasses.replace(locked(backend), store=FailingDeletes(backend.store))
    with caplog.at_level(logging.WARNING), pytest.raises(DatabaseLockedError):
        service.submit(shaky, source, "comment")  # type: ignore[arg-type]
    (left,) = stored(backend)
    assert f"the stored input {left}" in caplog.text and "not accepted" in caplog.text


def test_a_job_that_could_not_be_queued_keeps_its_input_for_erase(tmp_path: Path) -> None:
    """Past the job's creation the copy is the job's: failed, and erased with it."""
    backend = make_backend(tmp_path)

    class RefusingQueue:
        def __getattr__(self, name: str) -> object:
            return getattr(backend.queue, name)

        def send(self, body: object) -> str:
            raise QueueUnavailableError("the queue is locked")

    refusing = dataclasses.replace(backend, queue=RefusingQueue())
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    with pytest.raises(QueueUnavailableError, match="could not be queued"):
        service.submit(refusing, source, "comment")  # type: ignore[arg-type]
    (job,) = backend.repository.jobs.list_for("anonymous")
    assert job.status is JobStatus.FAILED and stored(backend) == [job.input_key]
    service.erase(backend, job.request_id)
    assert stored(backend) == []


def test_a_lost_race_whose_copy_cannot_be_deleted_still_answers_with_the_winner(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    winner = service.submit(backend, source, "comment")
    existing = backend.repository.jobs.get(winner.request_id)

    class Raced(JobRepository):
        def create_unless_reusable(self, new: NewJob) -> tuple[JobRecord, bool]:
            return existing, False  # the identical submission committed first

    raced = dataclasses.replace(
        backend,
        repository=dataclasses.replace(backend.repository, jobs=Raced(backend.repository.database)),
        store=FailingDeletes(backend.store),
    )
    caplog.set_level(logging.WARNING)
    same = comments_csv(tmp_path / "same.csv", ["good", "bad", "fine"])  # raced, not found
    answer = service.submit(raced, same, "comment")  # type: ignore[arg-type]
    assert answer.reused and answer.request_id == winner.request_id
    assert "an identical job was reused" in caplog.text
