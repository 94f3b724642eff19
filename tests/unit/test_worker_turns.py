"""A worker that has labelled one job for ``turn_s`` puts it behind a job that has waited as
long for its first delivery: a small file submitted behind a large one is labelled in seconds,
then the large one goes on from its committed rows. Nothing else makes a job give up its
worker: a job submitted a moment ago (a free worker may take it), one waiting for its model,
or a setting of 0."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend
from sqlalchemy import update

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.db.engine import utcnow
from pipeline.db.models import Job
from pipeline.worker import Worker

CHUNK_S = 20.0
"""How long each labelling chunk takes on the worker's clock."""


def submitted(backend: Backend, path: Path, rows: int) -> str:
    source = comments_csv(path, [f"good lecture {i}" for i in range(rows)])
    return service.submit(backend, source, "comment").request_id


def backdate(backend: Backend, request_id: str, seconds: float) -> None:
    """The job was submitted ``seconds`` ago."""
    with backend.repository.database.write() as session:
        session.execute(
            update(Job)
            .where(Job.request_id == request_id)
            .values(created_at=utcnow() - timedelta(seconds=seconds))
        )


MODEL_FAULT = "the model could not be loaded (PIPELINE_MODEL=fake): ModelLoadError: gone"
STORAGE_FAULT = "the worker could not go on: StoreUnavailableError: the object store throttles"


def labelled_in_order(
    backend: Backend, tmp_path: Path, waited_s: float, note: str | None = None
) -> tuple[str, str, list[tuple[str, int]]]:
    """A 40-row job on one worker, and a 2-row one submitted (``waited_s`` earlier) while the
    first chunk of the large one is labelled: each chunk's (job, first row) in the order
    they were committed."""
    large = submitted(backend, tmp_path / "large.csv", 40)
    clock = FakeClock()
    events: list[tuple[str, int]] = []
    small: list[str] = []
    write_chunk = backend.repository.jobs.write_chunk

    def timed(request: str, rows, spent=None):  # type: ignore[no-untyped-def]
        clock.advance(CHUNK_S)
        events.append((request, rows[0]["row_index"]))
        if not small:
            small.append(submitted(backend, tmp_path / "small.csv", 2))
            backdate(backend, small[0], waited_s)
            if note is not None:
                backend.repository.jobs.note_fault(small[0], note)
        return write_chunk(request, rows, spent)

    backend.repository.jobs.write_chunk = timed  # type: ignore[method-assign]
    Worker(backend, lambda _ref: FakePredictor(), "w", timer=clock).run(burst=True)
    return large, small[0], events


@pytest.mark.parametrize(
    "note", [None, STORAGE_FAULT], ids=["waiting", "after-a-passing-storage-fault"]
)
def test_a_small_job_waiting_a_turn_is_labelled_before_the_rest_of_a_large_one(
    tmp_path: Path, note: str | None
) -> None:
    backend = make_backend(tmp_path, turn_s=30.0, first_chunk_rows=4, chunk_target_s=0)
    large, small, events = labelled_in_order(backend, tmp_path, waited_s=31, note=note)

    # the large job's turn ends after 40 s of labelling (two chunks), not before
    assert events[:3] == [(large, 0), (large, 4), (small, 0)]
    assert [row for job, row in events if job == large] == list(range(0, 40, 4))
    for request, rows in ((large, 40), (small, 2)):
        job = backend.repository.jobs.get(request)
        assert job.status is JobStatus.SUCCEEDED and job.rows_done == rows
        assert job.error is None and job.rows_failed == 0
    results = backend.repository.results
    assert [row.row_index for batch in results.batches(large) for row in batch] == list(range(40))


@pytest.mark.parametrize(
    ("turn_s", "waited_s", "note"),
    [
        (30.0, 5.0, None),  # submitted a moment ago: a free worker may take it
        (0.0, 31.0, None),  # turns are off
        (30.0, 31.0, MODEL_FAULT),  # no worker can label it until its model is fixed
    ],
    ids=["waited-too-little", "turns-off", "waiting-for-its-model"],
)
def test_a_large_job_keeps_its_worker_otherwise(
    tmp_path: Path, turn_s: float, waited_s: float, note: str | None
) -> None:
    backend = make_backend(tmp_path, turn_s=turn_s, first_chunk_rows=4, chunk_target_s=0)
    large, small, events = labelled_in_order(backend, tmp_path, waited_s, note)

    assert [job for job, _row in events] == [large] * 10 + [small]
    assert backend.repository.jobs.get(large).status is JobStatus.SUCCEEDED


def test_turn_s_is_zero_or_more_seconds() -> None:
    from pipeline.errors import ConfigError
    from pipeline.settings import Settings

    with pytest.raises(ConfigError, match="PIPELINE_TURN_S=-1"):
        Settings(turn_s=-1)
    assert Settings(turn_s=0).turn_s == 0
