"""A model that cannot be loaded is the deployment's fault, not the file's: the job is never
failed as poison with its rows named; it waits, naming the model setting, and finishes once
the model loads; a job whose model never loads is ended by the queue's limit with a reason
that names the model; the worker that met the fault takes no job for a while."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import ModelLoadError
from pipeline.model.predictor import Predictor
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay I guess", "good", "bad", "fine", "meh", "good!"]
MISSING = "no objects under s3://hunt1-bucket/models/nope"


def submit(backend: Backend, tmp_path: Path) -> str:
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    return service.submit(backend, source, "comment").request_id


def cannot_load(_reference: str) -> Predictor:
    raise ModelLoadError(MISSING)


def test_a_job_whose_model_cannot_be_loaded_waits_without_blaming_its_rows(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_failures_per_chunk=1)
    request_id = submit(backend, tmp_path)
    for attempt in range(3):  # one failed load was enough to call the job poison
        worker = Worker(backend, cannot_load, f"w{attempt}", model_retry_s=30)
        assert worker.run(burst=True) == 1
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.QUEUED and job.attempts == 0
        assert backend.queue.receive() is None  # hidden for the retry, not handed back at once
        clock.advance(31)
    error = job.error or ""
    assert error.startswith("the model could not be loaded (PIPELINE_MODEL=fake): ModelLoadError")
    assert MISSING in error and "not of the file" in error
    assert re.search(r"\brows? \d", error) is None, "no row of the file is named"
    assert "crashed" not in error and "look for what is unusual" not in error

    predictor = FakePredictor()  # the model is back where the setting points
    assert Worker(backend, lambda _ref: predictor, "w9").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.attempts, job.error) == (
        JobStatus.SUCCEEDED,
        len(COMMENTS),
        1,
        None,
    )


def test_the_queues_limit_ends_a_job_whose_model_never_loads_naming_the_model(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_receives=3)
    request_id = submit(backend, tmp_path)
    deliveries = 0
    while not backend.repository.jobs.get(request_id).is_terminal:
        deliveries += Worker(backend, cannot_load, "w", model_retry_s=30).run(burst=True)
        clock.advance(31)
        assert deliveries <= 3, "a job whose model never loads must not be re-sent forever"
    job = backend.repository.jobs.get(request_id)
    error = job.error or ""
    assert job.status is JobStatus.FAILED and deliveries == 3 and job.attempts == 0
    assert error.startswith("the model could not be loaded (PIPELINE_MODEL=fake)")
    assert "The file was not the problem: submit it again unchanged" in error
    assert "the queue gave up after its limit of 3 deliveries" in error
    assert "crashed" not in error and re.search(r"\brows? \d", error) is None
    assert backend.queue.dead_letters() == [] and backend.queue.depth().total == 0


def test_a_model_fault_after_committed_rows_keeps_them_and_counts_no_failure(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, max_failures_per_chunk=1)
    request_id = submit(backend, tmp_path)  # chunks of 4

    class ExplainerMissing(FakePredictor):
        """Loads, then meets a missing model file on its second chunk (as an explainer's
        config read on first use would)."""

        def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
            if self.calls == 1:
                raise ModelLoadError("the explanation config is missing")
            return super().predict_proba(texts)

    Worker(backend, lambda _ref: ExplainerMissing(), "w1", model_retry_s=30).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.RUNNING and job.rows_done == 4
    assert (job.error or "").startswith("the model could not be loaded")
    clock.advance(31)
    assert Worker(backend, lambda _ref: FakePredictor(), "w2").run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.attempts) == (JobStatus.SUCCEEDED, 8, 2)


def test_a_worker_that_cannot_load_the_model_rests_instead_of_burning_the_queue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path, worker_poll_s=0.01)
    first = submit(backend, tmp_path)
    second = service.submit(
        backend, comments_csv(tmp_path / "other.csv", ["fine"]), "comment"
    ).request_id
    loads: list[str] = []

    def load(reference: str) -> Predictor:
        loads.append(reference)
        raise ModelLoadError(MISSING)

    worker = Worker(backend, load, "w1", model_retry_s=60)
    running = threading.Thread(target=worker.run)
    running.start()
    try:
        deadline = time.monotonic() + 10
        while not loads and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # many polls' worth: a worker that went on would take the second job
        beats = backend.repository.workers.all()
        assert [(beat.worker_id, beat.current_job) for beat in beats] == [("w1", None)]
    finally:
        worker.request_stop()
        running.join(timeout=10)
    assert not running.is_alive() and loads == ["fake"]
    errors = [backend.repository.jobs.get(job_id).error for job_id in (first, second)]
    assert sum(error is not None for error in errors) == 1  # one job tried, the other untouched
    assert backend.queue.depth().visible == 1
    assert any(
        record.levelname == "ERROR" and "PIPELINE_MODEL" in record.getMessage()
        for record in caplog.records
    )
