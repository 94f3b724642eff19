"""A job recorded by a submit that died before sending its message (``kill -9`` of the API
between the two) is not lost: the master sends it one once the grace is over, and so does an
identical submission that is handed the job, so the user's retry gets it going."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jobfakes import FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.master import Master, ScalingLimits
from pipeline.service import unsent
from pipeline.worker import Worker

LIMITS = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)


class Killed(BaseException):
    """The process ending between the job's record and its message (no ``except`` runs)."""


def killed_after_recording(backend: Backend, source: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Submit ``source`` with the process dying at the send; the id of the job it left."""

    def die(_backend: Backend, _request_id: str) -> None:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr("pipeline.service.jobs.send_message", die)
        with pytest.raises(Killed):
            service.submit(backend, source, "comment")
    (job,) = backend.repository.jobs.list_for("anonymous")
    assert job.status is JobStatus.QUEUED and job.sent_at is None
    assert backend.queue.depth().visible == 0
    return job.request_id


def test_a_submit_records_that_it_sent_the_message(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    job = backend.repository.jobs.get(service.submit(backend, source, "comment").request_id)
    assert job.sent_at is not None and backend.queue.depth().visible == 1


def test_the_master_sends_the_message_of_a_job_left_unsent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path)
    request_id = killed_after_recording(
        backend, comments_csv(tmp_path / "c.csv", ["good"]), monkeypatch
    )
    recorded = backend.repository.jobs.get(request_id).created_at
    soon = recorded + timedelta(seconds=unsent.UNSENT_GRACE_S - 5)
    assert unsent.resend_unsent(backend, soon) == []  # its submit may still be sending
    later = recorded + timedelta(seconds=unsent.UNSENT_GRACE_S + 5)
    master = Master(backend, FakeFleet(), LIMITS, calendar=lambda: later)
    report = master.tick()
    assert report.observed.backlog == 1 and report.started == ["w1"]
    assert backend.repository.jobs.get(request_id).sent_at is not None
    assert unsent.resend_unsent(backend, later) == []  # sent once
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_submitting_the_same_file_again_gets_the_stuck_job_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    request_id = killed_after_recording(backend, source, monkeypatch)
    monkeypatch.setattr(unsent, "UNSENT_GRACE_S", 0.0)
    again = service.submit(backend, source, "comment")
    assert again.request_id == request_id and again.reused
    assert backend.queue.depth().visible == 1
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


@pytest.mark.parametrize("end", ["cancel", "erase"])
def test_a_cancelled_or_erased_unsent_job_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, end: str
) -> None:
    backend = make_backend(tmp_path)
    first = killed_after_recording(backend, comments_csv(tmp_path / "a.csv", ["a"]), monkeypatch)
    getattr(backend.repository.jobs, end)(first)
    later = datetime.now(UTC) + timedelta(seconds=unsent.UNSENT_GRACE_S + 5)
    assert unsent.resend_unsent(backend, later) == []
    assert backend.queue.depth().visible == 0


def test_a_send_the_queue_refuses_does_not_stop_the_masters_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tick goes on to start workers for the jobs that were sent; the lost message is
    tried again at the next tick (on AWS a role without sqs:SendMessage stalled every tick)."""
    backend = make_backend(tmp_path)
    lost = killed_after_recording(backend, comments_csv(tmp_path / "a.csv", ["a"]), monkeypatch)
    service.submit(backend, comments_csv(tmp_path / "b.csv", ["b"]), "comment")
    later = datetime.now(UTC) + timedelta(seconds=unsent.UNSENT_GRACE_S + 5)

    def refused(_backend: Backend, _request_id: str) -> None:
        raise RuntimeError("AccessDenied: sqs:SendMessage")

    monkeypatch.setattr(unsent, "send_message", refused)
    report = Master(backend, FakeFleet(), LIMITS, calendar=lambda: later).tick()
    assert report.started == ["w1"]  # the job that was sent still gets its worker
    assert backend.repository.jobs.get(lost).sent_at is None


def test_jobs_recorded_before_the_migration_count_as_sent(tmp_path: Path) -> None:
    """Their submits returned, so their messages were sent: the master must not send a
    second one for every queued job of an upgraded database."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from pipeline.db.migrate import alembic_config, upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0011")
        connection.execute(
            text(
                "INSERT INTO jobs (request_id, owner, status, input_key, input_name, "
                "input_format, input_columns, text_column, group_by, content_hash, dedup_key, "
                "model, rows_total, rows_done, rows_failed, attempts, worker_seconds, cost_usd, "
                "stalls, explain, insights_done, created_at, updated_at) VALUES ('old', "
                "'anonymous', 'queued', 'k', 'c.csv', 'csv', '[]', 'comment', '[]', 'h', 'd', "
                "'m', 1, 0, 0, 0, 0, 0, 0, 0, 0, '2026-12-01 10:00:00', '2026-12-01 10:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT sent_at, created_at FROM jobs")).one()
    assert row.sent_at == row.created_at
