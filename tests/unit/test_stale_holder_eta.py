"""A running job whose delivery is open while no worker with a fresh beat holds it shows no
time left and says why: its worker ended, or the service's storage fails and no worker can go
on. Before, a job whose workers had all exited in a full-disk outage showed "running … about
11 min left", no error, for as long as the outage lasted (hunt 3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobfakes import LABELS, comments_csv, make_backend

from pipeline import service
from pipeline.db.engine import utcnow
from pipeline.db.jobs import JobRepository
from pipeline.db.workers import WorkerRegistry
from pipeline.poison import PoisonPolicy
from pipeline.service.pace import NO_HOLDER, job_pace
from pipeline.service.views import JobView

STALE_S = 30.0
ROWS = 100


def rows(start: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "row_index": index,
            "text": f"c{index}",
            "data": {},
            "label": "positive",
            "scores": {"negative": 0.1, "neutral": 0.1, "positive": 0.8},
            "error": None,
            "model_version": "fake-1",
        }
        for index in range(start, start + count)
    ]


def ago(seconds: float) -> Callable[[], datetime]:
    """A clock ``seconds`` behind the database's (SQLite's is this machine's)."""
    return lambda: utcnow() - timedelta(seconds=seconds)


def test_a_running_job_no_live_worker_holds_has_no_eta_and_says_why(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good"] * ROWS)
    request_id = service.submit(backend, source, "comment").request_id
    moment = [datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    jobs = JobRepository(backend.repository.database, now=lambda: moment[0])
    workers = backend.repository.workers
    assert workers.claim("w1", request_id, "h", 1, "r1", stale_after_s=STALE_S) is None
    jobs.take_delivery(request_id, PoisonPolicy())
    jobs.begin_attempt(request_id, "fake-1", LABELS)
    moment[0] += timedelta(seconds=20)
    jobs.write_chunk(request_id, rows(0, 60))

    def view() -> JobView:
        job = backend.repository.jobs.get(request_id)
        return JobView.of(job, job_pace(job, moment[0] + timedelta(seconds=1), STALE_S))

    working = view()
    assert working.eta_s is not None and working.error is None
    for stale_s in (STALE_S + 1, 600):  # the holder's last beat, by the database's clock
        earlier = WorkerRegistry(backend.repository.database, now=ago(stale_s))
        earlier.beat("w1", request_id, "h", 1, "r1")
        stale = view()
        assert (stale.status, stale.eta_s, stale.waiting_for_worker) == ("running", None, False)
        assert stale.error == NO_HOLDER
    workers.forget("w1")  # the master forgot the worker: nobody holds it at all
    assert view().eta_s is None and view().error == NO_HOLDER
    [listed] = [
        JobView.of(job, job_pace(job, moment[0], STALE_S))
        for job in jobs.list_for(jobs.get(request_id).owner)
    ]
    assert listed.error == NO_HOLDER


def test_the_last_error_stays_in_the_note(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good"] * 4)
    request_id = service.submit(backend, source, "comment").request_id
    jobs = backend.repository.jobs
    jobs.take_delivery(request_id, PoisonPolicy())
    jobs.begin_attempt(request_id, "fake-1", LABELS)
    jobs.note_error(request_id, "OSError: boom")
    jobs.take_delivery(request_id, PoisonPolicy())  # a new delivery, whose worker is gone

    view = service.get_status(backend, request_id)

    assert view.eta_s is None
    assert view.error == f"{NO_HOLDER} (last error: OSError: boom)"
