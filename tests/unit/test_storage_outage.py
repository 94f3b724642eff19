"""An outage of the service's own database never counts toward poison.

While the database is down the worker cannot write the note that closes its delivery
uncounted (``note_fault``); it used to exit there, and the next delivery took the delivery
still open for a crash: two outages at one row failed a healthy job as poison, telling the
user to fix rows 147–178 (hunt 3). Now the worker stays alive, rests, and writes the note
before anything else once the database answers again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import ChunkOutcome, JobStatus, WorkerTime
from pipeline.errors import DatabaseUnavailableError
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay I guess", "good", "bad", "fine", "meh", "good!"]
FAILED_CALLS = 5
"""How many calls to the database fail before it is back."""


class Outage:
    """The database goes down at the job's first chunk write after ``after_rows`` rows and
    comes back after ``FAILED_CALLS`` failed calls; the worker is asked to stop at its first
    beat once the database is back and the worker has no fault left to record."""

    def __init__(self, backend: Backend, worker: Worker, after_rows: int) -> None:
        self.down = False
        self.over = False
        self.failed_calls = 0
        jobs, workers = backend.repository.jobs, backend.repository.workers
        write_chunk, note_fault, beat = jobs.write_chunk, jobs.note_fault, workers.beat

        def writing(
            request_id: str, rows: Sequence[dict[str, Any]], spent: WorkerTime | None = None
        ) -> ChunkOutcome:
            if not self.over and rows[0]["row_index"] >= after_rows:
                self.down = True
            return write_chunk(request_id, rows, spent) if self.up() else self.fail()

        def noting(*args: Any, **kwargs: Any) -> None:
            if not self.up():
                self.fail()
            note_fault(*args, **kwargs)

        def beating(*args: Any, **kwargs: Any) -> None:
            if not self.up():
                self.fail()
            if self.over and worker._unrecorded is None:
                worker.request_stop()
            beat(*args, **kwargs)

        jobs.write_chunk = writing  # type: ignore[method-assign]
        jobs.note_fault = noting  # type: ignore[method-assign]
        workers.beat = beating  # type: ignore[method-assign]

    def up(self) -> bool:
        return not self.down

    def fail(self) -> NoReturn:
        self.failed_calls += 1
        self.down = self.failed_calls < FAILED_CALLS
        self.over = not self.down
        raise DatabaseUnavailableError("the database cannot be reached; try again later")


def test_two_database_outages_at_one_row_never_fail_the_job_as_poison(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(
        tmp_path, clock=clock, first_chunk_rows=2, heartbeat_s=0.01, chunk_target_s=0
    )
    request_id = service.submit(backend, comments_csv(tmp_path / "in.csv", COMMENTS), "comment")
    stood_at = []
    for attempt in range(2):  # each outage at the same row: crashes counted, it was poison
        worker = Worker(backend, lambda _ref: FakePredictor(), f"w{attempt}")
        outage = Outage(backend, worker, after_rows=2)
        worker.run()  # it returns: the worker outlived the outage
        assert outage.over
        job = backend.repository.jobs.get(request_id.request_id)
        stood_at.append(job.rows_done)
        assert (job.status, job.awaits_delivery) == (JobStatus.RUNNING, True)
        assert (job.error or "").startswith("the worker could not go on: DatabaseUnavailable")
        clock.advance(DatabaseUnavailableError.retry_after_s + 1)  # its message hidden meanwhile

    assert stood_at[0] == stood_at[1] < len(COMMENTS)
    assert Worker(backend, lambda _ref: FakePredictor(), "w9").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id.request_id)
    assert (job.status, job.rows_done, job.error) == (JobStatus.SUCCEEDED, len(COMMENTS), None)


def test_a_late_note_leaves_a_delivery_another_worker_took_meanwhile(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "in.csv", COMMENTS), "comment"
    ).request_id
    jobs, workers = backend.repository.jobs, backend.repository.workers
    assert workers.claim("w2", request_id, "h", 1, "r2", stale_after_s=30) is None
    jobs.take_delivery(request_id, Worker(backend, lambda _ref: FakePredictor(), "w1")._poison)

    jobs.note_fault(request_id, "the worker could not go on: …", late_from="w1", stale_after_s=30)

    job = jobs.get(request_id)
    assert (job.awaits_delivery, job.error) == (False, None), "w2's delivery stays open"
    jobs.note_fault(request_id, "the worker could not go on: …", late_from="w2", stale_after_s=30)
    assert jobs.get(request_id).awaits_delivery
