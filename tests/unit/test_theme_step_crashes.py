"""A worker that keeps dying after every row is labelled and analysed (an OOM kill while the
themes post-pass clusters every comment at once repeats on the same data) does not fail the
job as poison blaming its rows: the themes are given up and the job completes without them,
as when the post-pass raises. Only a job that keeps dying after that fails, naming no rows."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from insightfakes import fake_analyst
from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import Conflict
from pipeline.poison import THEMES_GIVEN_UP
from pipeline.worker import Worker

COMMENTS = ["good lecture", "bad exam", "okay homework", "good exam", "bad homework", "fine"]
VISIBILITY_S = 30


class Killed(BaseException):
    """Stands in for kill -9 (no ``except Exception`` runs)."""


def submitted(tmp_path: Path) -> tuple[Backend, FakeClock, str]:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, visibility_timeout_s=VISIBILITY_S)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    return backend, clock, service.submit(backend, source, "comment").request_id


def killed_delivery(backend: Backend, clock: FakeClock, name: str) -> None:
    """One worker takes the job and dies; the clock moves past its message's visibility."""
    with pytest.raises(Killed):
        Worker(backend, lambda _ref: FakePredictor(), name, insights=fake_analyst).run(burst=True)
    clock.advance(VISIBILITY_S + 1)


def test_a_worker_killed_twice_finding_the_themes_completes_the_job_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, clock, request_id = submitted(tmp_path)
    calls: list[str] = []

    def oom_killed(*_args: object) -> None:
        calls.append(request_id)
        raise Killed

    monkeypatch.setattr("pipeline.worker.find_job_themes", oom_killed)
    for name in ("w1", "w2"):
        killed_delivery(backend, clock, name)
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.RUNNING
        assert job.rows_done == job.insights_done == len(COMMENTS)
    worker = Worker(backend, lambda _ref: FakePredictor(), "w3", insights=fake_analyst)
    assert worker.run(burst=True) == 1
    assert len(calls) == 2  # the third delivery did not try the themes again
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and job.error is None
    assert job.themes_error is not None and job.themes_error.startswith(THEMES_GIVEN_UP)
    assert "crashed twice" in job.themes_error
    key = job.result_key
    assert key is not None
    frame = pd.read_csv(io.BytesIO(backend.store.get_bytes(key)), keep_default_na=False)
    assert frame["label"].tolist()[:2] == ["positive", "negative"]
    assert len(frame) == len(COMMENTS) and set(frame["theme"]) == {""}
    with pytest.raises(Conflict, match="themes are unavailable for this job: finding the"):
        service.theme_summary(backend, None, request_id)


def test_a_job_that_keeps_dying_without_its_themes_fails_blaming_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, clock, request_id = submitted(tmp_path)

    def killed(*_args: object) -> None:
        raise Killed

    monkeypatch.setattr("pipeline.worker.find_job_themes", killed)
    monkeypatch.setattr(Worker, "_publish_results", killed)
    for name in ("w1", "w2", "w3", "w4"):
        killed_delivery(backend, clock, name)
        assert backend.repository.jobs.get(request_id).status is JobStatus.RUNNING
    Worker(backend, lambda _ref: FakePredictor(), "w5", insights=fake_analyst).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.rows_done == len(COMMENTS)
    assert job.error is not None and job.themes_error is not None
    assert job.error.startswith("the worker crashed twice after all 6 rows were labelled")
    assert "no row is to blame" in job.error
    assert "look for what is unusual" not in job.error and "on row" not in job.error


def test_a_job_without_insights_that_dies_publishing_fails_blaming_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, clock, request_id = submitted(tmp_path)

    def killed(*_args: object) -> None:
        raise Killed

    monkeypatch.setattr(Worker, "_publish_results", killed)
    for name in ("w1", "w2"):
        with pytest.raises(Killed):
            Worker(backend, lambda _ref: FakePredictor(), name).run(burst=True)
        clock.advance(VISIBILITY_S + 1)
    Worker(backend, lambda _ref: FakePredictor(), "w3").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and job.themes_error is None
    assert job.error is not None and "(while publishing the results)" in job.error
    assert "no row is to blame" in job.error and "look for what is unusual" not in job.error
