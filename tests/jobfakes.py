"""Fakes and builders for the job pipeline's tests: import them (``from jobfakes import ...``);
tests/ is on sys.path because tests/conftest.py lives there."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.bootstrap import Backend, init_backend
from pipeline.db import NewJob
from pipeline.ports import WorkerFleet, WorkerInfo
from pipeline.settings import Settings

LABELS = ("negative", "neutral", "positive")


class FakeClock:
    """A clock tests move by hand: ``clock()`` reads it, ``clock.advance(s)`` moves it."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Clocks:
    """One moment seen two ways: the database's wall clock and a master's monotonic clock,
    moved together (lease tests)."""

    def __init__(self) -> None:
        self.wall = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        self.monotonic = FakeClock()

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.monotonic.advance(seconds)


class FakePredictor:
    """Keyword sentiment with the real predictor's interface; blank texts get NaN rows."""

    labels = LABELS
    version = "fake-1"
    low_confidence: float | None = None

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.calls = 0

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        self.calls += 1
        out = np.full((len(texts), 3), np.nan)
        for i, text in enumerate(texts):
            words = str(text or "").lower()
            if self.fail_on is not None and self.fail_on in words:
                raise RuntimeError(f"cannot score {text!r}")
            if not words.strip():
                continue
            if "bad" in words:
                out[i] = (0.8, 0.1, 0.1)
            elif "good" in words:
                out[i] = (0.1, 0.1, 0.8)
            else:
                out[i] = (0.2, 0.6, 0.2)
        return out


class FakeFleet(WorkerFleet):
    def __init__(self) -> None:
        self.workers: dict[str, WorkerInfo] = {}
        self.stopped: list[str] = []
        self._next = 0

    def list_workers(self) -> list[WorkerInfo]:
        return list(self.workers.values())

    def start(self, count: int) -> list[str]:
        ids = []
        for _ in range(count):
            self._next += 1
            worker_id = f"w{self._next}"
            self.workers[worker_id] = WorkerInfo(worker_id, "running", float(self._next))
            ids.append(worker_id)
        return ids

    def stop(self, worker_ids: list[str]) -> None:
        for worker_id in worker_ids:
            self.stopped.append(worker_id)
            self.workers.pop(worker_id, None)


def make_backend(tmp_path: Path, clock: FakeClock | None = None, **overrides: Any) -> Backend:
    """An initialised embedded backend in ``tmp_path``; with ``clock`` its queue runs on it."""
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "model": "fake", "chunk_rows": 4}
    values.update(overrides)
    backend = init_backend(Settings(**values))
    if clock is None:
        return backend
    queue = SqliteJobQueue(
        backend.settings.data_dir / "queue.db",
        visibility_timeout_s=backend.settings.visibility_timeout_s,
        max_receives=backend.settings.max_receives,
        clock=clock,
        sleep=clock.advance,
    )
    return dataclasses.replace(backend, queue=queue)


def comments_csv(path: Path, comments: Sequence[str], courses: Sequence[str] = ()) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["course", "comment"])
        for i, comment in enumerate(comments):
            writer.writerow([courses[i] if courses else f"C{i % 3}", comment])
    return path


def submitted_ago(
    backend: Backend,
    path: Path,
    rows: int,
    waited_s: float = 0.0,
    owner: str = "anonymous",
    group_by: Sequence[str] = (),
) -> str:
    """A job of ``rows`` comments of ``owner``, submitted ``waited_s`` ago (turns and fair
    share weigh how long a job has waited for its first delivery)."""
    from sqlalchemy import update

    from pipeline import service
    from pipeline.db.engine import utcnow
    from pipeline.db.models import Job

    source = comments_csv(path, [f"{owner} lecture {i}" for i in range(rows)])
    request_id = service.submit(backend, source, "comment", list(group_by), owner=owner).request_id
    with backend.repository.database.write() as session:
        session.execute(
            update(Job)
            .where(Job.request_id == request_id)
            .values(created_at=utcnow() - timedelta(seconds=waited_s))
        )
    return request_id


def new_job(request_id: str = "r1", owner: str = "o1", rows: int = 6) -> NewJob:
    """A job record for the repositories, ready for ``jobs.create``."""
    return NewJob(
        request_id=request_id,
        owner=owner,
        input_key=f"uploads/{request_id}/input.csv",
        input_name="comments.csv",
        input_format="csv",
        input_columns=("course", "comment"),
        text_column="comment",
        group_by=("course",),
        content_hash="h",
        dedup_key="d",
        model="m",
        rows_total=rows,
    )


@dataclasses.dataclass(frozen=True)
class KeyedJob:
    """A finished job one API key submitted, and a second key that must not see it."""

    api: Any
    """The FastAPI app's TestClient."""
    request_id: str
    owner: str
    other: str


def job_of_one_key(tmp_path: Path, name: str, content: bytes, **form: str) -> KeyedJob:
    """A backend that needs keys, two keys, and the file ``name`` submitted (``form``) and
    labelled by the fake predictor under the first."""
    from fastapi.testclient import TestClient

    from pipeline import service
    from pipeline.api.app import create_app
    from pipeline.worker import Worker

    backend = make_backend(tmp_path, auth="keys")
    owner, other = (service.create_key(backend, who).secret for who in ("chair", "other"))
    api = TestClient(create_app(backend))
    answer = api.post(
        "/v1/jobs", files={"file": (name, content)}, data=form, headers={"X-API-Key": owner}
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return KeyedJob(api, str(answer.json()["request_id"]), owner, other)


AWKWARD_COLUMN_NAMES = (
    "Intitulé",
    "Fächer",
    "课程",
    "course 😀",
    'the "course"',
    "back\\slash",
    "a.b",
    "$.x",
    "x[0]",
    "two words",
)
"""Column names a JSON path trips on (letters outside ASCII, a quote, a backslash, path
syntax): a group column may bear any of them."""


def gone_pid() -> int:
    """The id of a process that has ended (a scratch folder's owner that is gone)."""
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(process.stdout)
