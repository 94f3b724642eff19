"""Faults of the infrastructure are answered honestly: 503, Retry-After and a code naming the
fault (database_locked, database_unavailable, disk_full, queue_unavailable), on both edges;
/health says which dependency is down; and the service answers again once the fault clears."""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import load_event
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline import service
from pipeline.adapters import local_store
from pipeline.api.app import create_app
from pipeline.api.common import spool
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.client import PipelineClient
from pipeline.db import Repository
from pipeline.errors import DatabaseLockedError, DiskFullError

CSV = b"course,comment\nA,good\nB,bad\n"


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, db_busy_timeout_s=0.2)


@pytest.fixture
def key(backend: Backend) -> str:
    return service.create_key(backend, "operator").secret


@pytest.fixture
def client(backend: Backend, key: str) -> TestClient:
    return TestClient(create_app(backend, require_keys=True), headers={"X-API-Key": key})


def submit(client: TestClient) -> Any:
    files = {"file": ("c.csv", CSV)}
    return client.post("/v1/jobs", files=files, data={"text_column": "comment", "fresh": "true"})


def assert_unavailable(answer: Any, code: str, retry_after: str) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == retry_after
    assert answer.json()["error"] == code
    assert "try again" in answer.json()["detail"]


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process's writer holds SQLite's write lock on ``path`` for as long as this lasts."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_locked_database_answers_503_until_the_lock_is_released(
    backend: Backend, client: TestClient
) -> None:
    with write_locked(backend.settings.data_dir / "pipeline.db"):
        assert_unavailable(submit(client), "database_locked", "5")
        health = client.get("/health")
        assert_unavailable_health(health, "database", "database_locked", "5")
        assert health.json()["dependencies"]["queue"] == {"status": "ok"}
        assert client.get("/health/live").json() == {"status": "ok"}
        assert client.get("/v1/jobs").status_code == 200  # readers are not blocked
    assert submit(client).status_code == 202
    healthy = client.get("/health")
    assert healthy.status_code == 200 and healthy.json()["status"] == "ok"
    states = healthy.json()["dependencies"]
    assert states == {name: {"status": "ok"} for name in ("database", "object_store", "queue")}


def assert_unavailable_health(answer: Any, dependency: str, code: str, retry_after: str) -> None:
    assert answer.status_code == 503 and answer.headers["Retry-After"] == retry_after
    body = answer.json()
    assert body["status"] == "unavailable" and body["detail"].startswith(f"{dependency}: ")
    assert body["dependencies"][dependency]["status"] == "unavailable"
    assert body["dependencies"][dependency]["error"] == code


def test_a_locked_queue_answers_503_and_leaves_no_job_waiting(
    backend: Backend, client: TestClient
) -> None:
    with write_locked(backend.settings.data_dir / "queue.db"):
        assert_unavailable(submit(client), "queue_unavailable", "5")
        health = client.get("/health")
        assert_unavailable_health(health, "queue", "queue_unavailable", "5")
    [job] = client.get("/v1/jobs").json()["jobs"]
    assert job["status"] == "failed" and "could not be queued" in job["error"]
    assert submit(client).status_code == 202


def test_an_unreachable_postgresql_answers_503_and_the_api_stays_up(tmp_path: Path) -> None:
    local = make_backend(tmp_path)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/pipeline"
    backend = dataclasses.replace(local, repository=Repository.connect(url))
    client = TestClient(create_app(backend, require_keys=False))
    for _ in range(2):  # the same honest answer again, not a crash or a reset
        assert_unavailable(client.get("/v1/jobs"), "database_unavailable", "30")
        assert_unavailable(submit(client), "database_unavailable", "30")
    health = client.get("/health")
    assert health.status_code == 503 and health.json() == {"status": "unavailable"}
    assert health.headers["Retry-After"] == "30"
    assert client.get("/health/live").status_code == 200


def test_a_full_disk_answers_503_and_stores_nothing(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = backend.settings.data_dir / "objects"
    real_mkstemp = local_store.tempfile.mkstemp

    def on_a_full_disk(**kwargs: Any) -> tuple[int, str]:
        """A temporary file whose writes fail as on a full disk (the kernel's /dev/full)."""
        fd, path = real_mkstemp(**kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    monkeypatch.setattr(local_store.tempfile, "mkstemp", on_a_full_disk)
    assert_unavailable(submit(client), "disk_full", "60")
    monkeypatch.undo()
    assert client.get("/v1/jobs").json() == {"jobs": []}
    assert not [path for path in objects.rglob("*") if path.is_file()]
    assert submit(client).status_code == 202


def test_a_store_whose_disk_is_full_is_not_ready(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = local_store.shutil.disk_usage(backend.settings.data_dir)._replace(free=0)
    monkeypatch.setattr(local_store.shutil, "disk_usage", lambda _path: full)
    health = client.get("/health")
    assert_unavailable_health(health, "object_store", "disk_full", "60")


def test_an_upload_spooled_onto_a_full_disk_is_refused_as_disk_full() -> None:
    with pytest.raises(DiskFullError, match="no space is left"):
        spool(io.BytesIO(CSV), Path("/dev/full"), max_bytes=1000)


def test_a_body_that_cannot_be_parsed_for_lack_of_space_is_disk_full(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import starlette.formparsers

    class NoSpace(io.BytesIO):
        def __init__(self, *_args: Any, **_kwargs: Any) -> None:
            super().__init__()

        def write(self, _data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(starlette.formparsers, "SpooledTemporaryFile", NoSpace)
    assert_unavailable(submit(client), "disk_full", "60")


def test_the_gateway_answers_faults_the_same_way(backend: Backend) -> None:
    gateway = Gateway(backend, require_keys=False)
    with write_locked(backend.settings.data_dir / "pipeline.db"):
        answer = gateway.handle(load_event("submit_multipart"))
        health = gateway.handle(load_event("health"))
    assert answer["statusCode"] == 503 and answer["headers"]["Retry-After"] == "5"
    assert json.loads(answer["body"])["error"] == "database_locked"
    assert health["statusCode"] == 503 and health["headers"]["Retry-After"] == "5"
    state = json.loads(health["body"])["dependencies"]["database"]
    assert state["error"] == "database_locked"
    assert gateway.handle(load_event("health"))["statusCode"] == 200
    assert gateway.handle(load_event("submit_multipart"))["statusCode"] == 202


def test_the_client_raises_the_fault_the_api_names() -> None:
    body = {"error": "database_locked", "detail": "the database is locked; try again shortly"}
    transport = httpx.MockTransport(lambda _request: httpx.Response(503, json=body))
    client = PipelineClient("http://api.test", transport=transport)
    with client, pytest.raises(DatabaseLockedError, match="try again shortly"):
        client.status("AAAAAAAAAAAAAAAAAAAAAA")
