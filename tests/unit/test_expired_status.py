"""A job past its retention (``PIPELINE_RETENTION_DAYS``) shows as erased in its status and in
the list, as every read of its comments already refuses it, rather than ``succeeded`` with
``erased_at: null`` until the master's hourly pass: the status read erases it then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from jobfakes import FakePredictor, comments_csv, make_backend
from sqlalchemy import text

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.service.erasure_marks import read_mark
from pipeline.worker import Worker


def finished(backend: Backend, tmp_path: Path, name: str, days_ago: float) -> str:
    source = comments_csv(tmp_path / f"{name}.csv", [f"{name} was good"])
    request_id = service.submit(backend, source, "comment").request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    with backend.repository.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE jobs SET finished_at = :at WHERE request_id = :id"),
            {"at": moment.replace(tzinfo=None), "id": request_id},
        )
    return request_id


def test_status_and_list_show_a_job_past_its_retention_erased(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, retention_days=7, insights=False)
    old = finished(backend, tmp_path, "old", days_ago=8)
    recent = finished(backend, tmp_path, "recent", days_ago=1)
    client = TestClient(create_app(backend))
    assert client.get(f"/v1/jobs/{old}/results").status_code == 410  # as before

    status = client.get(f"/v1/jobs/{old}").json()

    assert status["status"] == "succeeded" and status["erased_at"] is not None
    assert backend.repository.jobs.get(old).erased_at is not None
    assert not (backend.settings.data_dir / "objects" / "uploads" / old).exists()
    mark = read_mark(backend.store, old)
    assert mark is not None and "retention" in mark.reason
    listed = {job["request_id"]: job for job in client.get("/v1/jobs").json()["jobs"]}
    assert listed[old]["erased_at"] == status["erased_at"]
    assert listed[recent]["erased_at"] is None
    assert client.get(f"/v1/jobs/{recent}/results").status_code == 200


def test_the_list_erases_the_jobs_past_their_retention_it_shows(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, retention_days=7, insights=False)
    old = finished(backend, tmp_path, "old", days_ago=30)
    views = {view.request_id: view for view in service.list_jobs(backend, "anonymous")}
    assert views[old].erased_at is not None
    assert backend.repository.jobs.get(old).erased_at == views[old].erased_at
