"""A worker warms up before its first receive: the default model is loaded once and has
labelled a few comments, so the first job loads nothing; with insights the themes' k-means has
run once too, unless a job is already waiting (its labels come first, the insight models load
after them); a model that cannot load does not stop the worker, and the job meets the error
as it did before."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import ModelLoadError, QueueUnavailableError
from pipeline.insights.chunk import ChunkAnalyst
from pipeline.ports import QueueDepth
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


def _counting_analyst(built: list[object]) -> Callable[[object], ChunkAnalyst]:
    def build(predictor: object) -> ChunkAnalyst:
        built.append(predictor)
        return fake_analyst(predictor)

    return build


def test_a_worker_started_for_a_waiting_job_labels_it_before_loading_the_insight_models(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good", "bad"])
    request_id = service.submit(backend, source, "comment", []).request_id
    predictor = FakePredictor()
    built: list[object] = []
    worker = Worker(backend, lambda _r: predictor, "w1", insights=_counting_analyst(built))
    worker.warm_up("fake")
    assert predictor.calls == 1 and built == [], "labels warmed, insight models left for later"
    assert worker.run(burst=True) == 1
    assert built == [predictor], "the job's insights loaded them once, after its labels"
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.insights_done == 2


def test_when_the_queue_cannot_say_whether_a_job_waits_the_whole_warm_up_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path)

    def unknown() -> QueueDepth:
        raise QueueUnavailableError("the queue is not answering")

    monkeypatch.setattr(backend.queue, "depth", unknown)
    built: list[object] = []
    worker = Worker(backend, lambda _r: FakePredictor(), "w1", insights=_counting_analyst(built))
    worker.warm_up("fake")
    assert len(built) == 1
