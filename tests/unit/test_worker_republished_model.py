"""A model published again at the same path while a worker runs: the worker's next job is
labelled by the new model, not the one it loaded at its start (docs/pipeline.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.worker import Worker


def _publish(folder: Path, version: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model_card.json").write_text(f'{{"version": "{version}"}}')


class _FolderPredictor(FakePredictor):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.version = (folder / "model_card.json").read_text().split('"')[3]


def test_the_next_job_after_a_republish_is_labelled_by_the_new_model(tmp_path: Path) -> None:
    served = tmp_path / "served"
    _publish(served, "model-v1")
    backend = make_backend(tmp_path, model=str(served))
    loads: list[str] = []

    def load(reference: str) -> FakePredictor:
        loads.append(reference)
        return _FolderPredictor(Path(reference))

    worker = Worker(backend, load, "w")
    first = service.submit(backend, comments_csv(tmp_path / "a.csv", ["good"]), "comment")
    worker.run(burst=True)
    again = service.submit(backend, comments_csv(tmp_path / "b.csv", ["bad"]), "comment")
    worker.run(burst=True)
    _publish(served, "model-v2")
    after = service.submit(backend, comments_csv(tmp_path / "c.csv", ["fine"]), "comment")
    worker.run(burst=True)

    versions = [
        backend.repository.jobs.get(job.request_id).model_version for job in (first, again, after)
    ]
    assert versions == ["model-v1", "model-v1", "model-v2"]
    assert loads == [str(served), str(served)]  # not loaded again while unchanged
    assert backend.repository.jobs.get(after.request_id).status is JobStatus.SUCCEEDED


def test_a_job_begun_before_a_republish_finishes_on_the_model_it_began_with(
    tmp_path: Path,
) -> None:
    """A job handed back part-way (a turn, a stop) keeps the model its rows came from: the
    worker that still holds that model resumes it rather than loading the new one, which
    would leave the job waiting for a model no worker holds any more."""
    served = tmp_path / "served"
    _publish(served, "model-v1")
    backend = make_backend(tmp_path, model=str(served), chunk_rows=4, chunk_target_s=0)
    loads: list[str] = []

    def load(reference: str) -> FakePredictor:
        loads.append(reference)
        return _FolderPredictor(Path(reference))

    workers: list[Worker] = []
    workers.append(Worker(backend, load, "w", on_rows=lambda _rows: workers[0].request_stop()))
    comments = [f"good lecture number {n}" for n in range(12)]
    begun = service.submit(backend, comments_csv(tmp_path / "a.csv", comments), "comment")
    workers[0].run()  # one chunk, then the job is handed back
    assert backend.repository.jobs.get(begun.request_id).rows_done == 4
    _publish(served, "model-v2")
    resumed = Worker(backend, load, "w")  # the same process, its model still loaded
    resumed._predictors, resumed._fingerprints = workers[0]._predictors, workers[0]._fingerprints
    resumed.run(burst=True)

    job = backend.repository.jobs.get(begun.request_id)
    assert (job.status, job.rows_done, job.model_version) == (JobStatus.SUCCEEDED, 12, "model-v1")
    rows = [row for batch in backend.repository.results.batches(job.request_id) for row in batch]
    assert {row.model_version for row in rows} == {"model-v1"}
    later = service.submit(backend, comments_csv(tmp_path / "b.csv", ["bad"]), "comment")
    resumed.run(burst=True)
    assert backend.repository.jobs.get(later.request_id).model_version == "model-v2"
