"""A queued job says where it stands: the jobs queued before it that a worker can label and
the jobs running, every owner's, in its status (API, client, app, command line), instead of
only "waiting for a worker" while a long job of another department runs."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from jobfakes import comments_csv, make_backend
from sqlalchemy import update

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.cli.job_commands import _describe, _pace
from pipeline.client import JobStatus, _job_status
from pipeline.db.models import Job
from pipeline.model_fault import waiting_note
from pipeline.service.jobs import ANONYMOUS
from pipeline.ui.progress import progress_text, queue_place


def _submit(backend: Backend, folder: Path, name: str, owner: str = ANONYMOUS) -> str:
    path = comments_csv(folder / f"{name}.csv", [f"{name} was a fine course", "ok"])
    return service.submit(backend, path, "comment", owner=owner).request_id


def test_a_queued_job_counts_the_jobs_before_it_and_those_running(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    first, second = _submit(backend, tmp_path, "a"), _submit(backend, tmp_path, "b", "o2")
    third = _submit(backend, tmp_path, "c")

    place = service.get_status(backend, third)
    assert (place.queued_ahead, place.jobs_running) == (2, 0), "another owner's job counts"
    assert service.get_status(backend, first).queued_ahead == 0

    assert backend.repository.jobs.begin_attempt(first, "v", ["negative", "positive"])
    started = service.get_status(backend, first)
    assert (started.status, started.queued_ahead, started.jobs_running) == ("running", None, None)
    place = service.get_status(backend, third)
    assert (place.queued_ahead, place.jobs_running) == (1, 1)

    note = waiting_note("/models/gone", FileNotFoundError("no such folder"))
    with backend.repository.database.write() as session:
        session.execute(update(Job).where(Job.request_id == second).values(error=note))
    assert service.get_status(backend, third).queued_ahead == 0, "no worker can take it"
    assert [view.queued_ahead for view in service.list_jobs(backend, ANONYMOUS)] == [0, None]


def test_the_api_the_client_the_app_and_the_command_line_say_it(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    for name in ("a", "b"):
        _submit(backend, tmp_path, name)
    last = _submit(backend, tmp_path, "c")
    body = TestClient(create_app(backend)).get(f"/v1/jobs/{last}").json()
    assert (body["queued_ahead"], body["jobs_running"]) == (2, 0)

    status = _job_status(body)
    assert progress_text(status) == "waiting for a worker… · 2 jobs queued before it"
    assert _pace(status) == "waiting for a worker (2 jobs queued before it)"
    assert _describe(status).endswith("queued: 0/2 rows, 2 jobs queued before it")


def test_the_words_for_each_place() -> None:
    def place(ahead: int | None, running: int | None) -> str:
        return queue_place(JobStatus("r", "queued", queued_ahead=ahead, jobs_running=running))

    assert place(0, 0) == "next in line"
    assert place(0, 1) == "next in line, 1 job running"
    assert place(0, 3) == "next in line, 3 jobs running"
    assert place(1, 0) == "1 job queued before it"
    assert place(1_200, 2) == "1,200 jobs queued before it, 2 running"
    assert place(None, None) == "", "an older API says nothing of it"
    assert progress_text(JobStatus("r", "queued")) == "waiting for a worker…"
