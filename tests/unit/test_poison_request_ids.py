"""A job queue message naming an id no job can have (sent by hand, by a replay tool, a corrupted
re-drive) is poison: the worker drops it before any lookup, and so does the dead-letter pass,
which goes on past a letter it cannot settle. On PostgreSQL a NUL in the id killed the worker at
each of the message's deliveries, then stopped the master's pass at that letter every 30 s, the
jobs of the letters behind it left queued (hunt 1, finding 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobRecord, JobStatus
from pipeline.errors import JobNotFound
from pipeline.request_id import queued_request_id
from pipeline.service import settle_dead_letters
from pipeline.worker import Worker

NUL_ID = "x\u0000y"
HOSTILE: list[Any] = [NUL_ID, "../uploads/x", "abc\n", "a" * 65, 123, ["r"], None]


def as_postgresql_looks_up(backend: Backend) -> None:
    """The repository's lookups as on PostgreSQL, whose driver refuses a NUL in a string."""
    get = backend.repository.jobs.get

    def lookup(request_id: str, owner: str | None = None) -> JobRecord:
        if "\x00" in request_id:
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return get(request_id, owner)

    backend.repository.jobs.get = lookup  # type: ignore[method-assign]


def submitted(backend: Backend, tmp_path: Path, name: str) -> str:
    source = comments_csv(tmp_path / f"{name}.csv", [f"{name}: a good course", "bad labs"])
    return service.submit(backend, source, "comment").request_id


def dead_lettered(backend: Backend, clock: FakeClock) -> None:
    """Every message on the queue received up to the queue's limit by workers that died, so
    the next receive moves them all to the dead letters, in the order they were sent."""
    for _ in range(backend.settings.max_receives):
        while backend.queue.receive() is not None:
            pass
        clock.advance(backend.settings.visibility_timeout_s + 1)
    assert backend.queue.receive() is None


@pytest.mark.parametrize("value", HOSTILE)
def test_only_an_id_a_job_can_have_is_read_from_a_message(value: Any) -> None:
    with pytest.raises(JobNotFound):
        queued_request_id({"request_id": value})
    assert queued_request_id({"request_id": "YbF4B0B2NooapjF_XtCQVw"}) == "YbF4B0B2NooapjF_XtCQVw"


def test_the_worker_drops_a_message_naming_no_possible_job_and_labels_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    as_postgresql_looks_up(backend)
    for value in HOSTILE:
        backend.queue.send({"request_id": value})
    request_id = submitted(backend, tmp_path, "in")
    worker = Worker(backend, lambda _ref: FakePredictor(), "w")
    assert worker.run(burst=True) == len(HOSTILE) + 1
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    assert backend.queue.depth().total == 0 and backend.queue.dead_letters() == []
    dropped = [r for r in caplog.records if "dropping message" in r.getMessage()]
    assert len(dropped) == len(HOSTILE)
    assert all("\x00" not in record.getMessage() for record in dropped)


def test_the_dead_letter_pass_drops_such_a_letter_and_fails_the_jobs_behind_it(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=2)
    as_postgresql_looks_up(backend)
    backend.queue.send({"request_id": NUL_ID})
    request_id = submitted(backend, tmp_path, "in")
    dead_lettered(backend, clock)
    assert [letter.body["request_id"] for letter in backend.queue.dead_letters()] == [
        NUL_ID,
        request_id,
    ]
    assert settle_dead_letters(backend) == [request_id]
    assert backend.repository.jobs.get(request_id).status is JobStatus.FAILED
    assert backend.queue.dead_letters() == []


def test_a_letter_that_cannot_be_settled_now_is_left_for_the_next_pass_and_stops_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=2)
    stuck, behind = submitted(backend, tmp_path, "stuck"), submitted(backend, tmp_path, "behind")
    dead_lettered(backend, clock)
    fail = backend.repository.jobs.fail

    def failing(request_id: str, reason: str) -> bool:
        if request_id == stuck:
            raise RuntimeError("this one job's row is locked by hand")
        return fail(request_id, reason)

    backend.repository.jobs.fail = failing  # type: ignore[method-assign]
    assert settle_dead_letters(backend) == [behind]
    assert [letter.body["request_id"] for letter in backend.queue.dead_letters()] == [stuck]
    assert any("could not be settled now" in r.getMessage() for r in caplog.records)
    backend.repository.jobs.fail = fail  # type: ignore[method-assign]
    assert settle_dead_letters(backend) == [stuck]
    assert backend.queue.dead_letters() == []
