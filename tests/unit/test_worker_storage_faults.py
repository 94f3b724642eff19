"""A fault of the service's own storage (a full disk, a database locked or down, the object
store out of reach) is not the file's: the job waits with a note that says so, no failure is
counted toward poison, nothing committed is lost, and the job finishes once it clears. Before,
two full-disk faults while publishing failed a job whose every row was labelled as poison,
telling the user to fix their rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import (
    DatabaseLockedError,
    DiskFullError,
    ServiceUnavailableError,
    StoreUnavailableError,
)
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay I guess", "good", "bad", "fine", "meh", "good!"]


@pytest.mark.parametrize(
    "fault",
    [
        DiskFullError("no space is left on the device for the results"),
        DatabaseLockedError("the database stayed locked for 30 s"),
        StoreUnavailableError("the object store throttles"),
    ],
    ids=lambda fault: type(fault).__name__,
)
def test_a_storage_fault_while_publishing_waits_and_never_blames_the_rows(
    tmp_path: Path, fault: ServiceUnavailableError
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_failures_per_chunk=1)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    put_file = backend.store.put_file
    faults = [fault, fault, fault]  # more than poison allows (one failure without progress)

    def publish(*args: Any, **kwargs: Any) -> None:
        if faults:
            raise faults.pop()
        put_file(*args, **kwargs)

    backend.store.put_file = publish  # type: ignore[method-assign]
    for attempt in range(3):
        assert Worker(backend, lambda _ref: FakePredictor(), f"w{attempt}").run(burst=True) == 1
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.RUNNING and job.rows_done == len(COMMENTS)
        error = job.error or ""
        assert error.startswith(f"the worker could not go on: {type(fault).__name__}")
        assert "not of the file" in error and "crashed" not in error
        assert re.search(r"\brows? \d", error) is None, "no row of the file is named"
        assert backend.queue.receive() is None  # hidden while the fault clears
        clock.advance(fault.retry_after_s + 1)

    assert Worker(backend, lambda _ref: FakePredictor(), "w9").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.rows_failed, job.error) == (
        JobStatus.SUCCEEDED,
        len(COMMENTS),
        0,
        None,
    )
