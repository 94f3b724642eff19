"""Identical submissions at the same moment make one job, queued once, whatever the edge: 50
threads against the service and 50 concurrent requests to the embedded HTTP API. (The same
race on PostgreSQL is in tests/integration/test_repository_contracts.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi.testclient import TestClient
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend

SUBMISSIONS = 50
T = TypeVar("T")


def all_at_once(action: Callable[[], T], count: int = SUBMISSIONS) -> list[T]:
    """Run ``action`` in ``count`` threads released together; every thread's answer."""
    barrier = threading.Barrier(count)
    answers: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            answers.append(action())
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def uploads(backend: Backend) -> list[Path]:
    return sorted(p for p in (backend.settings.data_dir / "objects").rglob("*") if p.is_file())


def test_fifty_identical_submissions_at_once_make_one_job(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "same.csv", ["good", "bad", "fine"])
    answers = all_at_once(lambda: service.submit(backend, source, "comment", ["course"]))
    assert len({answer.request_id for answer in answers}) == 1
    assert sorted(answer.reused for answer in answers) == [False] + [True] * (SUBMISSIONS - 1)
    (job,) = backend.repository.jobs.list_for("anonymous")
    assert job.request_id == answers[0].request_id
    assert backend.queue.depth().visible == 1
    assert len(uploads(backend)) == 1  # the losers' copies of the file were removed


def test_fresh_submissions_at_once_each_make_a_job_and_the_last_is_reused(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "same.csv", ["good", "bad", "fine"])
    answers = all_at_once(lambda: service.submit(backend, source, "comment", fresh=True), 10)
    assert len({answer.request_id for answer in answers}) == 10
    assert backend.queue.depth().visible == 10
    again = service.submit(backend, source, "comment")
    assert again.reused and again.request_id in {answer.request_id for answer in answers}


def test_fifty_identical_http_uploads_at_once_make_one_job(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    client = TestClient(create_app(backend))
    data = b"course,comment\nA,good\nB,bad\n"

    def post() -> dict[str, object]:
        answer = client.post(
            "/v1/jobs", files={"file": ("c.csv", data)}, data={"text_column": "comment"}
        )
        assert answer.status_code == 202, answer.text
        body: dict[str, object] = answer.json()
        return body

    bodies = all_at_once(post)
    assert len({body["request_id"] for body in bodies}) == 1
    assert [body["reused"] for body in bodies].count(False) == 1
    assert len(backend.repository.jobs.list_for("anonymous")) == 1
    assert backend.queue.depth().visible == 1
