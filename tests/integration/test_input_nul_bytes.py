"""A NUL byte anywhere in a text file is refused the same way on SQLite and on PostgreSQL
(which cannot store one in a text column): at submit, naming its line, with nothing queued;
and in the worker, for a stored input that never went through that check, the job fails at
once with the line instead of crashing on every delivery (the chunks before it are kept)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from jobfakes import FakePredictor, make_backend
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import MalformedInputError
from pipeline.worker import Worker

# The NUL sits on line 702, past the first 64 KiB that format detection looks at.
FILLER = b"course,comment\n" + (b"C1," + b"a perfectly ordinary comment " * 4 + b"\n") * 700
WITH_NUL = FILLER + b"C2,bad\x00comment\n"
NUL_LINE = "line 702 holds a NUL character"


@contextmanager
def backend_on(database: str, folder: Path) -> Iterator[Backend]:
    if database == "sqlite":
        yield make_backend(folder, chunk_rows=500, chunk_target_s=0)
        return
    with fresh_database("pipeline_nul") as url:
        backend = make_backend(folder, database_url=url, chunk_rows=500, chunk_target_s=0)
        try:
            yield backend
        finally:
            backend.repository.database.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_nul_past_the_first_64_kib_is_refused_at_submit(tmp_path: Path, database: str) -> None:
    assert WITH_NUL.index(b"\x00") > 64 * 1024
    source = tmp_path / "comments.csv"
    source.write_bytes(WITH_NUL)
    with backend_on(database, tmp_path) as backend:
        with pytest.raises(MalformedInputError, match=NUL_LINE):
            service.submit(backend, source, "comment")
        assert backend.repository.jobs.list_for(service.ANONYMOUS) == []
        assert backend.queue.depth().total == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_stored_input_with_a_nul_fails_its_job_at_once(tmp_path: Path, database: str) -> None:
    source = tmp_path / "comments.csv"
    source.write_bytes(FILLER)
    with backend_on(database, tmp_path) as backend:
        request_id = service.submit(backend, source, "comment").request_id
        job = backend.repository.jobs.get(request_id)
        backend.store.put_bytes(job.input_key, WITH_NUL)  # as if queued before the check
        Worker(backend, lambda _ref: FakePredictor(), "w1").run(burst=True)
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.FAILED and job.attempts == 1
        assert NUL_LINE in (job.error or "")
        assert job.rows_done == 500  # the chunks before it stay labelled and readable
