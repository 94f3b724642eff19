"""A job whose model cannot be loaded holds up only the jobs of that model: a worker whose own
model (PIPELINE_MODEL) loads goes on with every other job, and does not load the failed model
again for each of its jobs until ``model_retry_s`` has passed. A job submitted under a mistyped
setting, since fixed, used to make its worker take no job for a minute at each of the job's ten
deliveries: three jobs of the fixed setting waited almost five minutes (hunt 1, finding 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import ModelLoadError
from pipeline.model.predictor import Predictor
from pipeline.worker import Worker

TYPO = "s3://hunt1-bucket/models/v9"
MISSING = "no objects under s3://hunt1-bucket/models/v9"


def submitted(backend: Backend, tmp_path: Path, name: str, model: str | None = None) -> str:
    """A job recorded with ``model`` (the setting its API had then), else the backend's."""
    if model is not None:
        settings = dataclasses.replace(backend.settings, model=model)
        backend = dataclasses.replace(backend, settings=settings)
    source = comments_csv(tmp_path / f"{name}.csv", [f"{name} was good", "the labs were bad"])
    return service.submit(backend, source, "comment").request_id


class Models:
    """Loads the worker's own model; the mistyped one has no objects."""

    def __init__(self) -> None:
        self.loads: list[str] = []

    def __call__(self, reference: str) -> Predictor:
        self.loads.append(reference)
        if reference == TYPO:
            raise ModelLoadError(MISSING)
        return FakePredictor()


def test_the_jobs_of_the_workers_own_model_go_on_past_a_job_whose_model_cannot_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)
    stuck = submitted(backend, tmp_path, "stuck", model=TYPO)
    others = [submitted(backend, tmp_path, f"other{i}") for i in range(3)]
    models = Models()
    assert Worker(backend, models, "w", model_retry_s=60).run(burst=True) == 4
    for request_id in others:
        assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    job = backend.repository.jobs.get(stuck)
    assert job.status is JobStatus.QUEUED and job.attempts == 0
    assert (job.error or "").startswith(f"the model could not be loaded (PIPELINE_MODEL={TYPO})")
    assert backend.queue.depth().in_flight == 1  # hidden until its model is tried again
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("this worker goes on with other jobs" in line for line in logged)


def test_a_model_that_failed_is_not_loaded_again_for_each_of_its_jobs(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    stuck = [submitted(backend, tmp_path, f"stuck{i}", model=TYPO) for i in range(3)]
    other = submitted(backend, tmp_path, "other")
    models = Models()
    assert Worker(backend, models, "w", model_retry_s=60).run(burst=True) == 4
    assert models.loads.count(TYPO) == 1
    assert backend.repository.jobs.get(other).status is JobStatus.SUCCEEDED
    for request_id in stuck:
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.QUEUED and job.attempts == 0
        assert MISSING in (job.error or "")
    assert backend.queue.depth().in_flight == len(stuck)


def test_a_model_that_cannot_load_leaves_the_loaded_model_in_place(tmp_path: Path) -> None:
    """A job of a mistyped model between two of the worker's own must not cost the worker its
    own model: it would load it again from scratch after every failed try (review)."""
    backend = make_backend(tmp_path)
    first = submitted(backend, tmp_path, "first")
    submitted(backend, tmp_path, "stuck", model=TYPO)
    later = submitted(backend, tmp_path, "later")
    models = Models()
    assert Worker(backend, models, "w", model_retry_s=60).run(burst=True) == 3
    assert len(models.loads) == 2 and models.loads[1] == TYPO  # the own model loaded once
    for request_id in (first, later):
        assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
