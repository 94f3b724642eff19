"""A job whose model changes while it is labelled (the served folder retrained into, a model
published again at the same prefix, then a worker restarted) keeps the model its committed
rows came from: a worker with another version, or another label set, leaves the job waiting
(its rows kept, no failure counted, no row named) and takes other jobs; the model put back,
the job finishes with every row from one model; never put back, the queue's limit ends the
job with a reason that says to submit the file again as a fresh job."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jobfakes import LABELS, FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.db.jobs import JobRepository
from pipeline.model_fault import CHANGED_PREFIX, ModelChanged
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay I guess", "good", "bad", "fine", "meh", "good!"]


class BinaryPredictor(FakePredictor):
    """A retrained two-label model put where the job's model was."""

    labels = ("negative", "positive")
    version = "binary-2"

    def predict_proba(self, texts: object) -> object:
        raise AssertionError("a job begun by another model must not be labelled by this one")


class RetrainedPredictor(FakePredictor):
    """The same labels as the job's model, another version: it labels the jobs it begins."""

    version = "fake-2"


def half_labelled(backend: Backend, tmp_path: Path, name: str = "in.csv") -> str:
    """A job whose first chunk (4 of 8 rows) the original model labelled before its worker
    stopped (``up`` stopped to replace the served model)."""
    source = comments_csv(tmp_path / name, COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    workers: list[Worker] = []
    workers.append(
        Worker(
            backend,
            lambda _ref: FakePredictor(),
            "first",
            on_rows=lambda _rows: workers[0].request_stop(),
        )
    )
    workers[0].run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.model_version) == (JobStatus.RUNNING, 4, "fake-1")
    return request_id


def assert_waits_blaming_no_row(backend: Backend, request_id: str, attempts: int) -> str:
    job = backend.repository.jobs.get(request_id)
    error = job.error or ""
    assert job.status is JobStatus.RUNNING and job.rows_done == 4
    assert job.attempts == attempts and job.model_version == "fake-1"
    assert error.startswith(f"{CHANGED_PREFIX} (PIPELINE_MODEL=fake): its first 4 rows were ")
    assert "crashed" not in error and "look for what is unusual" not in error
    assert re.search(r"\brows? \d", error) is None, "no row of the file is named"
    return error


def test_a_job_resumed_under_a_model_with_other_labels_waits_without_blaming_its_rows(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_failures_per_chunk=1)
    request_id = half_labelled(backend, tmp_path)
    for attempt in range(3):  # one crash was enough to fail it as poison, naming rows
        assert Worker(backend, lambda _ref: BinaryPredictor(), f"w{attempt}").run(burst=True) == 1
        error = assert_waits_blaming_no_row(backend, request_id, attempts=1)
        assert backend.queue.receive() is None  # hidden for a while, not handed back at once
        clock.advance(61)
    assert (
        "labelled by fake-1 (labels negative, neutral, positive), and the model there now is "
        "binary-2 (labels negative, positive)"
    ) in error
    assert "put the model it started with back" in error and "fresh job (--fresh" in error

    assert Worker(backend, lambda _ref: FakePredictor(), "back").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.error) == (JobStatus.SUCCEEDED, 8, None)
    rows = [row for batch in backend.repository.results.batches(request_id) for row in batch]
    assert {row.model_version for row in rows} == {"fake-1"} and len(rows) == 8


def test_a_job_resumed_under_another_version_is_not_labelled_by_two_models(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=3)
    request_id = half_labelled(backend, tmp_path)
    deliveries = 0
    while not backend.repository.jobs.get(request_id).is_terminal:
        deliveries += Worker(backend, lambda _ref: RetrainedPredictor(), "new").run(burst=True)
        if deliveries == 1:
            error = assert_waits_blaming_no_row(backend, request_id, attempts=1)
            assert "labelled by fake-1, and the model there now is fake-2;" in error
        clock.advance(61)
        assert deliveries <= 3, "the queue's limit must end a job whose model never returns"
    job = backend.repository.jobs.get(request_id)
    error = job.error or ""
    assert job.status is JobStatus.FAILED and job.model_version == "fake-1"
    assert error.startswith(f"{CHANGED_PREFIX} (PIPELINE_MODEL=fake)")
    assert "The file was not the problem: submit it again as a fresh job (--fresh" in error
    assert "the queue gave up after its limit of 3 deliveries" in error
    assert "crashed" not in error and re.search(r"\brows? \d", error) is None
    rows = [row for batch in backend.repository.results.batches(request_id) for row in batch]
    assert {row.model_version for row in rows} == {"fake-1"} and len(rows) == 4


def test_the_worker_that_meets_a_changed_model_labels_other_jobs_meanwhile(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    waiting = half_labelled(backend, tmp_path)
    other = service.submit(
        backend, comments_csv(tmp_path / "other.csv", ["good", "bad"]), "comment"
    ).request_id

    assert Worker(backend, lambda _ref: RetrainedPredictor(), "new").run(burst=True) == 2

    assert backend.repository.jobs.get(waiting).status is JobStatus.RUNNING
    done = backend.repository.jobs.get(other)
    assert (done.status, done.model_version) == (JobStatus.SUCCEEDED, "fake-2")


def test_rows_committed_after_the_delivery_read_the_job_still_keep_its_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker checks the job it read at receive time; rows committed after that read (by
    the worker that held the job until then) are caught under the job row's lock."""
    backend = make_backend(tmp_path, max_failures_per_chunk=1)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    jobs = backend.repository.jobs
    take_delivery = jobs.take_delivery

    def meanwhile(*args: object, **kwargs: object) -> object:
        half_done = jobs.begin_attempt(request_id, "fake-1", LABELS)
        assert half_done is not None
        jobs.write_chunk(request_id, [_row(0)])
        return take_delivery(*args, **kwargs)

    monkeypatch.setattr(jobs, "take_delivery", meanwhile)
    assert Worker(backend, lambda _ref: RetrainedPredictor(), "new").run(burst=True) == 1
    job = jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and job.rows_done == 1
    assert (job.error or "").startswith(f"{CHANGED_PREFIX} (PIPELINE_MODEL=fake): its first 1 ")


def test_any_model_may_begin_a_job_no_row_of_which_is_committed(tmp_path: Path) -> None:
    """A delivery that began and died before its first chunk leaves no row of its model, so
    the next one may bring another (it used to be refused for another label set)."""
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    jobs: JobRepository = backend.repository.jobs
    assert jobs.begin_attempt(request_id, "fake-1", LABELS) is not None
    again = jobs.begin_attempt(request_id, "binary-2", ("negative", "positive"), 0.6)
    assert again is not None
    assert (again.model_version, again.labels, again.low_confidence) == (
        "binary-2",
        ("negative", "positive"),
        0.6,
    )
    jobs.write_chunk(request_id, [_row(0, "binary-2")])
    with pytest.raises(ModelChanged, match="labelled by binary-2, and the model there now is"):
        jobs.begin_attempt(request_id, "binary-3", ("negative", "positive"))
    assert jobs.get(request_id).model_version == "binary-2"


def _row(index: int, version: str = "fake-1") -> dict[str, object]:
    return {
        "row_index": index,
        "text": COMMENTS[index],
        "data": {"course": "C0"},
        "label": "positive",
        "scores": {"negative": 0.1, "positive": 0.9},
        "error": None,
        "model_version": version,
    }
