"""A worker warms up before its first receive: the default model is loaded once and has
labelled a few comments, so the first job loads nothing; a model that cannot load does not
stop the worker, and the job meets the error as it did before."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import ModelLoadError
from pipeline.worker import Worker


def test_the_first_job_finds_the_warmed_model(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    predictor = FakePredictor()
    loads: list[str] = []

    def load(reference: str) -> FakePredictor:
        loads.append(reference)
        return predictor

    worker = Worker(backend, load, "w1")
    worker.warm_up("fake")
    assert loads == ["fake"] and predictor.calls == 1
    source = comments_csv(tmp_path / "in.csv", ["good", "bad"])
    request_id = service.submit(backend, source, "comment", []).request_id
    assert worker.run(burst=True) == 1
    assert loads == ["fake"]
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_a_model_that_cannot_load_is_logged_and_the_job_still_meets_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path)

    def load(reference: str) -> FakePredictor:
        raise ModelLoadError(f"cannot load a classifier from {reference}")

    worker = Worker(backend, load, "w1")
    with caplog.at_level(logging.ERROR, logger="pipeline.worker"):
        worker.warm_up("fake")
    assert "warming up model fake failed" in caplog.text
    source = comments_csv(tmp_path / "in.csv", ["good"])
    request_id = service.submit(backend, source, "comment", []).request_id
    worker.run(burst=True)
    assert "cannot load a classifier" in str(backend.repository.jobs.get(request_id).error)
