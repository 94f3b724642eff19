"""A worker warms up before its first receive: the default model is loaded once and has
labelled a few comments, so the first job loads nothing; with insights the themes' k-means has
run once too; a model that cannot load does not stop the worker, and the job meets the error
as it did before."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import ModelLoadError
from pipeline.themes import clustering
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


@pytest.mark.parametrize(("insights", "kmeans_runs"), [(True, 1), (False, 0)])
def test_with_insights_the_warm_up_runs_the_themes_k_means_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, insights: bool, kmeans_runs: int
) -> None:
    runs: list[int] = []
    real_kmeans = clustering._kmeans

    def kmeans(data: np.ndarray, k: int, seed: int) -> np.ndarray:
        runs.append(k)
        return real_kmeans(data, k, seed)

    monkeypatch.setattr(clustering, "_kmeans", kmeans)
    worker = Worker(
        make_backend(tmp_path),
        lambda _reference: FakePredictor(),
        "w1",
        insights=functools.partial(fake_analyst, insights=insights),
    )
    worker.warm_up("fake")
    assert len(runs) == kmeans_runs
