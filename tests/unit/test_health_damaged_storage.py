"""/health tells the truth about the service's own storage: a SQLite database with torn pages
(every job read failing with "the database is damaged") is reported unavailable, naming the
database, not "ok"; a queue whose file was removed while the service runs is a 503 naming the
queue, not a 500. The look at the pages is cheap: cached between health calls."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobfakes import FakeClock, make_backend, new_job

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.db import engine
from pipeline.db.engine import Database
from pipeline.db.migrate import upgrade
from pipeline.errors import DatabaseUnavailableError

PAGE = 4096


def with_jobs(backend: Backend, count: int = 400) -> None:
    """Enough jobs that the jobs table spans many pages."""
    for i in range(count):
        job = new_job(f"job-{i:04d}", owner="anonymous")
        backend.repository.jobs.create(job)


def tear_pages(path: Path, first: int = 2, count: int = 40) -> None:
    """What ``dd if=/dev/urandom of=pipeline.db bs=4096 seek=2 count=40 conv=notrunc`` does,
    after the write-ahead log is folded into the file."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = path.stat().st_size // PAGE
    assert pages > first + count
    with path.open("r+b") as handle:
        handle.seek(first * PAGE)
        handle.write(random.Random(first).randbytes(count * PAGE))


def database_state(backend: Backend) -> dict[str, object]:
    return service.check_health(backend).state("database").to_dict()


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    built = make_backend(tmp_path)
    with_jobs(built)
    return built


def test_health_names_a_database_with_torn_pages(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(backend, require_keys=False))
    assert client.get("/health").status_code == 200
    tear_pages(backend.settings.data_dir / "pipeline.db")
    monkeypatch.setattr(engine, "PAGES_LOOK_EVERY_S", 0.0)  # the next call looks again
    for path in ("/health", "/health/ready"):
        answer = client.get(path)
        assert answer.status_code == 503, answer.text
        assert answer.json() == {"status": "unavailable"}
        assert answer.headers["Retry-After"] == "30"
    state = database_state(backend)
    assert state["error"] == "database_unavailable"
    assert "the database is damaged" in str(state["detail"])
    assert "restore it from a backup" in str(state["detail"])
    assert "Page" not in str(state["detail"])  # the operator's log has the pages, not clients
    assert client.get("/health/live").status_code == 200


def test_damage_a_request_met_is_reported_at_once_and_a_restored_file_clears_it(
    backend: Backend, tmp_path: Path
) -> None:
    database = backend.repository.database
    clock = FakeClock()
    database._clock = clock  # the looks are timed on it
    assert database_state(backend) == {"status": "ok"}  # looked: whole
    path = backend.settings.data_dir / "pipeline.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, tmp_path / "backup.db")
    tear_pages(path)
    database.engine.dispose()  # no connection keeps the pages it read before
    with pytest.raises(DatabaseUnavailableError, match="the database is damaged"):
        backend.repository.jobs.list_for("anonymous", limit=1000)
    clock.advance(1)  # long before the next look is due
    assert database_state(backend)["error"] == "database_unavailable"
    shutil.copyfile(tmp_path / "backup.db", path)  # the operator restores it
    database.engine.dispose()
    clock.advance(engine.PAGES_LOOK_EVERY_S)
    assert database_state(backend) == {"status": "ok"}
    assert len(backend.repository.jobs.list_for("anonymous", limit=1000)) == 400


def test_the_pages_are_looked_at_once_per_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    database = Database(f"sqlite:///{tmp_path / 'p.db'}", clock=clock)
    upgrade(database.engine)
    looks: list[str] = []
    look = engine._look_at_pages

    def counted(path: str, budget_s: float) -> tuple[bool, object]:
        looks.append(path)
        return look(path, budget_s)

    monkeypatch.setattr(engine, "_look_at_pages", counted)
    for _ in range(5):
        database.check()
        clock.advance(engine.PAGES_LOOK_EVERY_S / 5 - 0.01)
    assert len(looks) == 1
    clock.advance(1)
    database.check()
    assert len(looks) == 2


def test_a_queue_whose_file_was_removed_is_a_503_naming_the_queue(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    key = service.create_key(backend, "operator").secret
    client = TestClient(create_app(backend, require_keys=True), headers={"X-API-Key": key})
    assert client.get("/health").status_code == 200
    for suffix in ("", "-wal", "-shm"):
        (backend.settings.data_dir / f"queue.db{suffix}").unlink(missing_ok=True)
    answer = client.get("/health")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "30"
    body = answer.json()
    assert body["status"] == "unavailable" and body["detail"].startswith("queue: ")
    assert body["dependencies"]["queue"]["error"] == "queue_unavailable"
    assert body["dependencies"]["database"] == {"status": "ok"}
    assert "queue" not in body  # no depth while the queue does not answer


def test_postgresql_is_probed_as_before(tmp_path: Path) -> None:
    from postgres import fresh_database

    with fresh_database("pipeline_health") as url:
        database = Database(url)
        try:
            upgrade(database.engine)
            database.check()
            database.check()
        finally:
            database.dispose()


def test_a_look_at_a_database_file_that_is_gone_makes_no_file(tmp_path: Path) -> None:
    """Opened for writing, the look made a missing file anew, empty, and found it whole."""
    gone = tmp_path / "gone.db"
    assert engine._look_at_pages(str(gone), engine.PAGES_LOOK_BUDGET_S) == (False, None)
    assert not gone.exists()


def test_damage_met_where_no_look_reads_the_whole_file_is_forgotten_once_not_met_again(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too large for one look's budget: its damage a request met was reported until
    the service restarted, restored or not."""
    database = backend.repository.database
    clock = FakeClock()
    database._clock = clock
    monkeypatch.setattr(engine, "_look_at_pages", lambda _path, _budget: (False, None))
    path = backend.settings.data_dir / "pipeline.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(path, tmp_path / "backup.db")
    tear_pages(path)
    database.engine.dispose()
    with pytest.raises(DatabaseUnavailableError, match="the database is damaged"):
        backend.repository.jobs.list_for("anonymous", limit=1000)
    clock.advance(engine.PAGES_LOOK_EVERY_S)
    assert database_state(backend)["error"] == "database_unavailable"
    shutil.copyfile(tmp_path / "backup.db", path)  # the operator restores it
    database.engine.dispose()
    clock.advance(engine.DAMAGE_KEPT_S)
    assert database_state(backend) == {"status": "ok"}
