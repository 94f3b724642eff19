"""Workers with the real (tiny) model: one in-process on a small file, and two worker
processes sharing a queue of several jobs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import comments_csv

from pipeline import service
from pipeline.bootstrap import Backend, init_backend, settings_environment
from pipeline.db import JobStatus
from pipeline.model.predictor import Predictor
from pipeline.settings import Settings
from pipeline.worker import Worker

pytestmark = pytest.mark.slow

COMMENTS = [
    "The lectures were clear and the labs really helped.",
    "Too much homework and the grading was inconsistent.",
    "",
    "Prof. Chen is the best teacher I have had!",
    "The room was on the second floor.",
    "I learned nothing and the exams were unfair.",
    "Great examples, but the pace was too fast at times.",
]


def backend_for(tmp_path: Path, model: Path, chunk_rows: int = 3) -> Backend:
    return init_backend(
        Settings(data_dir=tmp_path / "data", model=str(model), chunk_rows=chunk_rows)
    )


def test_a_worker_labels_a_real_file_with_the_real_model(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    backend = backend_for(tmp_path, tiny_model_dir)
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    loaded: list[str] = []

    def load(reference: str) -> Predictor:
        loaded.append(reference)
        return Predictor.load(reference, device="cpu")

    Worker(backend, load, "real").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and loaded == [str(tiny_model_dir)]
    assert (job.rows_done, job.rows_failed) == (7, 1)
    key = job.result_key
    assert key is not None
    frame = pd.read_csv(backend.store.get_file(key, tmp_path / "r.csv"), keep_default_na=False)
    assert frame["comment"].tolist() == COMMENTS
    scored = frame[frame["error"] == ""]
    assert set(scored["label"]) <= {"negative", "neutral", "positive"}
    sums = scored[["score_negative", "score_neutral", "score_positive"]].astype(float).sum(axis=1)
    assert sums.round(5).eq(1.0).all()
    assert (scored["model_version"] == job.model_version).all()
    summary = service.summary(backend, request_id, group_by="course")
    assert sum(g.rows for g in summary.groups) == 7 and summary.overall.errors == 1


def test_two_worker_processes_share_a_queue_of_several_jobs(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    backend = backend_for(tmp_path, tiny_model_dir, chunk_rows=8)
    jobs = []
    for n in range(5):
        comments = [f"{text} (file {n}, copy {i})" for i in range(4) for text in COMMENTS if text]
        source = comments_csv(tmp_path / f"c{n}.csv", comments)
        jobs.append((service.submit(backend, source, "comment").request_id, len(comments)))
    env = {**os.environ, **settings_environment(backend.settings)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "pipeline", "worker", "--burst"],
            env={**env, "PIPELINE_WORKER_ID": f"proc-{i}"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    logs = [worker.communicate(timeout=600)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], logs
    handled = [int(log.rsplit("handled ", 1)[1].split()[0]) for log in logs]
    # a job whose insights yield to a queued one's labels is delivered once more per yield
    yielded = {
        request_id: sum(log.count(f"job {request_id}: its insights wait") for log in logs)
        for request_id, _rows in jobs
    }
    assert sum(handled) == len(jobs) + sum(yielded.values()), logs
    for request_id, rows in jobs:
        job = backend.repository.jobs.get(request_id)
        assert job.status is JobStatus.SUCCEEDED and job.attempts == 1 + yielded[request_id]
        indexes = [r.row_index for b in backend.repository.results.batches(request_id) for r in b]
        assert indexes == list(range(rows))
