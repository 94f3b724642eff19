"""A dead-lettered job's reason names the queue's configured limit of deliveries, on either
backend: SQS's receive count on the dead-letter queue also counts the master's own reads of
it (ApproximateReceiveCount survives the redrive), so it said 11 for a limit of 10, and one
more each time a master read the dead letter without settling it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from jobfakes import FakeClock, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.ports import QueueMessage
from pipeline.service import settle_dead_letters


class CountsItsReads(SqliteJobQueue):
    """The SQLite queue with SQS's count on the dead-letter queue: each read is a receive."""

    reads = 0

    def dead_letters(self, limit: int = 10) -> list[QueueMessage]:
        self.reads += 1
        return [
            dataclasses.replace(letter, receive_count=letter.receive_count + self.reads)
            for letter in super().dead_letters(limit)
        ]


def dead_lettered_job(backend: Backend, clock: FakeClock, tmp_path: Path) -> str:
    """A job whose every delivery died before the worker could judge it, until the queue
    moved its message to the dead letters."""
    source = comments_csv(tmp_path / "in.csv", ["good", "bad"])
    request_id = service.submit(backend, source, "comment").request_id
    for _ in range(backend.settings.max_receives):
        assert backend.queue.receive() is not None
        clock.advance(31)  # the worker holding it died
    assert backend.queue.receive() is None
    return request_id


def test_the_reason_names_the_configured_limit_not_the_dead_letters_count(
    tmp_path: Path,
) -> None:
    reasons = []
    for name, kind in (("sqlite", SqliteJobQueue), ("sqs-like", CountsItsReads)):
        clock = FakeClock()
        backend = make_backend(tmp_path / name, clock=clock, max_receives=3)
        queue = kind(backend.settings.data_dir / "queue.db", 30, 3, clock=clock)
        backend = dataclasses.replace(backend, queue=queue)
        request_id = dead_lettered_job(backend, clock, tmp_path / name)
        for _ in range(2):  # masters that read the dead letter without settling it
            assert len(backend.queue.dead_letters()) == 1
        assert settle_dead_letters(backend) == [request_id]
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.FAILED
        reasons.append(job.error)
    said = "gave up after the queue's limit of 3 deliveries (PIPELINE_MAX_RECEIVES) before the job"
    assert reasons == [f"{said} could finish", f"{said} could finish"]


def test_the_reason_keeps_the_last_error(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=2, visibility_timeout_s=30)
    request_id = dead_lettered_job(backend, clock, tmp_path)
    backend.repository.jobs.note_error(request_id, "OperationalError: the database went away")
    settle_dead_letters(backend)
    assert backend.repository.jobs.get(request_id).error == (
        "gave up after the queue's limit of 2 deliveries (PIPELINE_MAX_RECEIVES) before the "
        "job could finish (last error: OperationalError: the database went away)"
    )
