"""On PostgreSQL a revocation and a job insert of the same key exclude each other: a submit let
in before the revocation is refused at its insert, an insert under way makes the revocation
wait and is then cancelled by its pass, and an insert that comes while a revocation is under
way waits for it and is refused. Each transaction is held open at a known point (the
repository's clock, read inside it) to make the interleaving certain."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jobfakes import comments_csv
from postgres import fresh_database

from pipeline import service
from pipeline.bootstrap import Backend, init_backend
from pipeline.db import JobRepository, JobStatus, KeyRepository
from pipeline.db.engine import utcnow
from pipeline.errors import Unauthorized
from pipeline.service.keys import authenticate, revoke_key
from pipeline.settings import Settings

COMMENTS = ["good course", "bad labs", "okay", "fine"]
WAITS_S = 1.0  # how long a transaction that should wait is seen waiting


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    with fresh_database("pipeline_revoke_race") as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, model="fake", auth="keys")
        yield init_backend(settings)


class Pause:
    """A clock that holds the transaction reading it until ``go``: ``inside`` is set then."""

    def __init__(self) -> None:
        self.inside, self.go = threading.Event(), threading.Event()

    def __call__(self) -> datetime:
        self.inside.set()
        assert self.go.wait(30), "never let go"
        return utcnow()


class Run(threading.Thread):
    """``call`` in a thread of its own: what it returned, or what it raised."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: Any = None
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except Exception as exc:
            self.error = exc


def with_clock(backend: Backend, **repositories: Any) -> Backend:
    return dataclasses.replace(
        backend, repository=dataclasses.replace(backend.repository, **repositories)
    )


def submitting(backend: Backend, tmp_path: Path, owner: str) -> Callable[[], Any]:
    source = comments_csv(tmp_path / "late.csv", COMMENTS)
    return lambda: service.submit(backend, source, "comment", owner=owner)


def test_a_submit_let_in_before_the_revocation_is_refused(backend: Backend, tmp_path: Path) -> None:
    secret = service.create_key(backend, "leak").secret
    owner = authenticate(backend, secret, required=True)
    revoke_key(backend, "leak")
    with pytest.raises(Unauthorized, match="not valid"):
        submitting(backend, tmp_path, owner)()
    assert backend.repository.jobs.list_for(owner) == []
    assert backend.queue.depth().total == 0


def test_a_revocation_waits_for_an_insert_under_way_and_cancels_its_job(
    backend: Backend, tmp_path: Path
) -> None:
    secret = service.create_key(backend, "leak").secret
    owner = authenticate(backend, secret, required=True)
    pause = Pause()
    paused = with_clock(backend, jobs=JobRepository(backend.repository.database, pause))
    submit = Run(submitting(paused, tmp_path, owner))
    submit.start()
    assert pause.inside.wait(30)  # the job's insert is under way, its key checked
    revoke = Run(lambda: revoke_key(backend, "leak"))
    revoke.start()
    revoke.join(WAITS_S)
    assert revoke.is_alive(), "the revocation did not wait for the insert under way"
    pause.go.set()
    submit.join(30)
    revoke.join(30)

    assert submit.error is None and revoke.error is None
    assert revoke.result.jobs_cancelled == 1
    job = backend.repository.jobs.get(submit.result.request_id)
    assert job.status is JobStatus.CANCELLED


def test_an_insert_during_a_revocation_waits_for_it_and_is_refused(
    backend: Backend, tmp_path: Path
) -> None:
    secret = service.create_key(backend, "leak").secret
    owner = authenticate(backend, secret, required=True)
    pause = Pause()
    paused = with_clock(backend, keys=KeyRepository(backend.repository.database, pause))
    revoke = Run(lambda: revoke_key(paused, "leak"))
    revoke.start()
    assert pause.inside.wait(30)  # the revocation holds the key, not yet committed
    submit = Run(submitting(backend, tmp_path, owner))
    submit.start()
    submit.join(WAITS_S)
    assert submit.is_alive(), "the insert did not wait for the revocation under way"
    pause.go.set()
    revoke.join(30)
    submit.join(30)

    assert revoke.error is None
    assert isinstance(submit.error, Unauthorized), submit.error
    assert backend.repository.jobs.list_for(owner) == []
    assert backend.queue.depth().total == 0
