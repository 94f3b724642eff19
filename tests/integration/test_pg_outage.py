"""A pooled PostgreSQL connection the server drops between the pool's ping and the first
statement (a PgBouncer restart, a failover, an idle-connection reaper) is run again once on a
fresh connection, not reported as an outage; a drop that persists still is one (hunt 3: a cut
of an instant stopped idle workers and hid a running job for 30 s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from postgres import SERVER, fresh_database
from sqlalchemy import create_engine, event, text

from pipeline.db import Repository
from pipeline.db.migrate import upgrade
from pipeline.errors import DatabaseUnavailableError


@pytest.fixture
def repo() -> Iterator[Repository]:
    with fresh_database("fixG_pg_outage") as url:
        repository = Repository.connect(url)
        upgrade(repository.database.engine)
        yield repository
        repository.database.dispose()


class Cutter:
    """Ends the server's session of each of the next ``cuts`` connections the pool hands out,
    after the pool's ping: the first statement meets the dropped connection."""

    def __init__(self, repository: Repository, cuts: int) -> None:
        self.cuts = cuts
        self.admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
        event.listen(repository.database.engine, "checkout", self.cut)

    def cut(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if self.cuts <= 0:
            return
        self.cuts -= 1
        with self.admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(:pid)"),
                {"pid": dbapi_connection.get_backend_pid()},
            )


def test_a_connection_dropped_once_is_tried_again_on_a_fresh_one(repo: Repository) -> None:
    repo.workers.beat("w1", None, host="h", pid=1)
    cutter = Cutter(repo, cuts=1)

    repo.workers.beat("w1", "job-1", host="h", pid=1)

    assert cutter.cuts == 0
    assert [(w.worker_id, w.current_job) for w in repo.workers.all()] == [("w1", "job-1")]


def test_a_connection_dropped_again_is_an_outage(repo: Repository) -> None:
    repo.workers.beat("w1", None, host="h", pid=1)
    cutter = Cutter(repo, cuts=2)

    with pytest.raises(DatabaseUnavailableError):
        repo.workers.beat("w1", "job-1", host="h", pid=1)
    assert cutter.cuts == 0
    assert [(w.worker_id, w.current_job) for w in repo.workers.all()] == [("w1", None)]
