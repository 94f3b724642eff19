"""A running job put behind a queued one's turn says it waits for a worker, with no time
left, instead of holding its last estimate ("about 22 s left") for as long as the other job
takes; once a worker takes it again it no longer says so (its time left comes back once
enough is measured: test_pace_whole_job.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from jobfakes import FakeClock, FakePredictor, comments_csv, make_backend
from sqlalchemy import update

from pipeline import service
from pipeline.client import _job_status
from pipeline.db.engine import utcnow
from pipeline.db.models import Job
from pipeline.model_fault import waiting_note
from pipeline.service.views import JobView
from pipeline.ui.progress import progress_text
from pipeline.worker import Worker


def test_a_job_put_behind_waits_for_a_worker_then_gets_its_estimate_back(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, turn_s=30.0, first_chunk_rows=4, chunk_target_s=0)
    large_file = comments_csv(tmp_path / "large.csv", [f"good lecture {i}" for i in range(40)])
    large = service.submit(backend, large_file, "comment").request_id
    clock = FakeClock()
    seen: dict[str, JobView] = {}
    small: list[str] = []
    write_chunk = backend.repository.jobs.write_chunk

    def timed(request: str, rows: Any, spent: Any = None) -> Any:
        clock.advance(20.0)
        if request == large and rows[0]["row_index"] == 8:
            seen["taken again"] = service.get_status(backend, large)
        if small and request == small[0]:
            seen["behind"] = service.get_status(backend, large)
        if not small:
            small_file = comments_csv(tmp_path / "small.csv", ["fine", "ok then"])
            small.append(service.submit(backend, small_file, "comment").request_id)
            with backend.repository.database.write() as session:
                session.execute(
                    update(Job)
                    .where(Job.request_id == small[0])
                    .values(created_at=utcnow() - timedelta(seconds=31))
                )
        return write_chunk(request, rows, spent)

    backend.repository.jobs.write_chunk = timed  # type: ignore[method-assign]
    Worker(backend, lambda _ref: FakePredictor(), "w", timer=clock).run(burst=True)

    behind = seen["behind"]
    assert behind.status == "running" and behind.rows_done == 8
    assert behind.waiting_for_worker and behind.eta_s is None
    shown = progress_text(_job_status(behind.to_dict()))
    assert shown.endswith("waiting for a worker") and "left" not in shown
    again = seen["taken again"]
    assert not again.waiting_for_worker
    assert "waiting for a worker" not in progress_text(_job_status(again.to_dict()))


def test_a_job_that_waits_for_its_model_does_not_say_it_waits_for_a_worker(
    tmp_path: Path,
) -> None:
    """Every worker may be idle while such a job waits for the operator: its note says what
    it waits for, never "waiting for a worker"."""
    backend = make_backend(tmp_path)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "a.csv", ["good"]), "comment"
    ).request_id
    jobs = backend.repository.jobs
    jobs.begin_attempt(request_id, "fake-1", ["negative", "neutral", "positive"])
    jobs.note_fault(request_id, waiting_note("/models/gone", OSError("no such folder")))
    view = service.get_status(backend, request_id)
    assert view.status == "running" and not view.waiting_for_worker
    assert "waiting for a worker" not in progress_text(_job_status(view.to_dict()))
