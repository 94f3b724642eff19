"""The least-privilege database roles against the real PostgreSQL: the schema owned by a
non-superuser with CREATEROLE (as RDS's master user is), the API's and the workers' roles
created by ``apply_roles``; each does its whole job through the product's own code, and
nothing more (no DROP, no DELETE of jobs, no other role's tables)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from insightfakes import fake_analyst
from jobfakes import FakePredictor, comments_csv
from postgres import SERVER, fresh_database
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from pipeline import service
from pipeline.bootstrap import Backend, build_backend, init_backend
from pipeline.db.roles import Login, apply_roles, scram_verifier
from pipeline.errors import ConfigError, JobErased
from pipeline.service.erase import erase_expired
from pipeline.settings import Settings
from pipeline.worker import Worker

API_PASSWORD = "api-Password-1"
WORKER_PASSWORD = "worker-Password-2"


@dataclass(frozen=True)
class Cluster:
    database_url: str
    owner: str
    api: str
    worker: str

    def url_as(self, role: str) -> str:
        return make_url(self.database_url).set(username=role).render_as_string(False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A fresh database owned by a login with CREATEROLE and no superuser rights; the three
    roles are dropped afterwards (roles belong to the whole server)."""
    suffix = uuid.uuid4().hex[:8]
    owner, api, worker = f"owner_{suffix}", f"api_{suffix}", f"worker_{suffix}"
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with fresh_database("pipeline_roles") as url:
            database = make_url(url).database
            with server.connect() as connection:
                connection.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
                connection.execute(text(f'ALTER DATABASE "{database}" OWNER TO "{owner}"'))
            yield Cluster(url, owner, api, worker)
    finally:
        with server.connect() as connection:
            for role in (api, worker, owner):
                connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()


def backend_as(cluster: Cluster, role: str, data_dir: Path) -> Backend:
    settings = Settings(
        database_url=cluster.url_as(role), data_dir=data_dir, model="fake", chunk_rows=4
    )
    return build_backend(settings)


def granted(cluster: Cluster, data_dir: Path) -> Backend:
    """Migrated and granted by the owner, as the init task does; the owner's backend."""
    owner = init_backend(
        Settings(database_url=cluster.url_as(cluster.owner), data_dir=data_dir, model="fake")
    )
    apply_roles(
        owner.repository.database.engine,
        api=Login(cluster.api, API_PASSWORD),
        worker=Login(cluster.worker, WORKER_PASSWORD),
    )
    return owner


def refused(engine: Engine, statement: str) -> str:
    with pytest.raises(ProgrammingError) as caught, engine.begin() as connection:
        connection.execute(text(statement))
    return str(caught.value.orig)


def test_each_role_does_its_whole_job_through_the_product(cluster: Cluster, tmp_path: Path) -> None:
    owner = granted(cluster, tmp_path)
    alice = service.create_key(owner, "alice")  # keys: with the owner's login only
    api = backend_as(cluster, cluster.api, tmp_path)
    worker = backend_as(cluster, cluster.worker, tmp_path)

    who = service.authenticate(api, alice.secret, required=True)
    source = comments_csv(tmp_path / "in.csv", ["good lecture", "bad exam", "fine", ""])
    request_id = service.submit(api, source, "comment", owner=who).request_id
    assert service.submit(api, source, "comment", owner=who).reused
    other = service.submit(api, source, "comment", owner=who, fresh=True).request_id
    assert service.cancel(api, other, who).status == "cancelled"

    labelled = Worker(worker, lambda _ref: FakePredictor(), "w1", insights=fake_analyst)
    assert labelled.run(burst=True) >= 1
    assert service.settle_dead_letters(worker) == []
    worker.repository.workers.beat("gone", None, "host", 1)
    pruned = worker.repository.workers.prune(-60.0)  # the master's cleanup
    assert [record.worker_id for record in pruned] == ["gone"]
    lease = worker.repository.leases.acquire("master", "m1", 10)  # the master's lease
    assert lease is not None and lease.holder == "m1"
    assert worker.repository.leases.release("master", "m1")

    status = service.get_status(api, request_id, who)
    assert (status.status, status.rows_done) == ("succeeded", 4)
    assert len(service.results_page(api, request_id, who).rows) == 4
    assert service.summary(api, request_id, who, "course").overall.rows == 4
    themes = service.theme_summary(api, who, request_id)  # the worker stored each row's theme
    assert sum(theme["size"] for theme in themes["themes"]) == 3
    rows = service.results_page(api, request_id, who).rows
    assert sum(row.get("theme") is not None for row in rows) == 3
    # the second phase ran as the worker role: labels first, then each row's aspects
    assert status.labelled_at is not None and status.insights_done == 4
    assert rows[0]["aspects"] == ["teaching"]
    assert rows[1]["aspect_sentiments"] == {"exams": "negative"}
    assert service.aspect_summary(api, who, request_id)["rows_labelled"] == 3
    _job, blocks = service.results_csv(api, request_id, who)
    assert b"".join(blocks).count(b"\n") == 5
    # erasing: the API at the owner's request, the master (the workers' role) at retention
    assert service.erase(api, request_id, who).erased_at is not None
    with pytest.raises(JobErased):
        service.summary(api, request_id, who)
    assert list(api.repository.results.batches(request_id)) == []
    later = datetime.now(UTC) + timedelta(days=2)
    assert erase_expired(worker, 1, later) == [other], "the cancelled job, finished too"
    assert list(worker.repository.results.batches(other)) == []
    for backend in (owner, api, worker):
        backend.repository.database.dispose()


def test_neither_role_can_do_more_than_its_job(cluster: Cluster, tmp_path: Path) -> None:
    granted(cluster, tmp_path).repository.database.dispose()
    api = create_engine(cluster.url_as(cluster.api))
    worker = create_engine(cluster.url_as(cluster.worker))
    for engine in (api, worker):
        assert "must be owner" in refused(engine, "DROP TABLE result_rows")
        assert "must be owner" in refused(engine, "ALTER TABLE jobs ADD COLUMN x integer")
        assert "permission denied" in refused(engine, "CREATE TABLE mine (i integer)")
        assert "permission denied" in refused(engine, "CREATE TEMP TABLE mine (i integer)")
        assert "permission denied" in refused(engine, "DELETE FROM jobs")
        assert "permission denied" in refused(engine, "TRUNCATE result_rows")
        assert "permission denied" in refused(engine, "UPDATE api_keys SET revoked_at = NULL")
        assert "permission denied" in refused(engine, "DELETE FROM alembic_version")
        assert "permission denied" in refused(engine, f'CREATE ROLE "x_{uuid.uuid4().hex}"')
    assert "permission denied" in refused(worker, "SELECT * FROM api_keys")
    assert "permission denied" in refused(worker, "INSERT INTO jobs (request_id) VALUES ('x')")
    assert "permission denied" in refused(api, "DELETE FROM workers")
    assert "permission denied" in refused(api, "INSERT INTO workers (worker_id) VALUES ('x')")
    assert "permission denied" in refused(api, "SELECT * FROM leases")
    assert "permission denied" in refused(api, "INSERT INTO result_rows (request_id) VALUES ('x')")
    assert "permission denied" in refused(api, "UPDATE result_rows SET label = 'x'")
    assert "permission denied" in refused(worker, "UPDATE result_rows SET label = 'x'")
    assert "permission denied" in refused(worker, "UPDATE result_rows SET scores = NULL")
    assert "permission denied" in refused(api, "UPDATE result_rows SET aspects = NULL")
    with api.connect() as connection:  # and what they may, at the SQL level
        assert connection.execute(text("SELECT count(*) FROM api_keys")).scalar_one() == 0
        # which jobs live workers hold: a lost queue message is re-sent to an identical submit
        assert connection.execute(text("SELECT count(*) FROM workers")).scalar_one() == 0
    with worker.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM workers")).scalar_one() == 0
    api.dispose()
    worker.dispose()


def test_roles_are_plain_logins_whose_password_is_only_ever_sent_as_a_verifier(
    cluster: Cluster, tmp_path: Path
) -> None:
    owner = granted(cluster, tmp_path)
    server = create_engine(SERVER)
    query = text(
        "SELECT rolname, rolpassword, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin "
        "FROM pg_authid WHERE rolname IN (:api, :worker) ORDER BY rolname"
    )
    with server.connect() as connection:
        rows = connection.execute(query, {"api": cluster.api, "worker": cluster.worker}).all()
    assert [row.rolname for row in rows] == [cluster.api, cluster.worker]
    for row, password in zip(rows, (API_PASSWORD, WORKER_PASSWORD), strict=True):
        assert (row.rolsuper, row.rolcreaterole, row.rolcreatedb, row.rolcanlogin) == (
            False,
            False,
            False,
            True,
        )
        assert row.rolpassword == scram_verifier(password, _salt(row.rolpassword))
    # Again, with a rotated password: the same roles, the new password, the same grants.
    apply_roles(
        owner.repository.database.engine,
        api=Login(cluster.api, "rotated-Password-3"),
        worker=Login(cluster.worker, WORKER_PASSWORD),
    )
    with server.connect() as connection:
        stored = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": cluster.api}
        ).scalar_one()
    assert stored == scram_verifier("rotated-Password-3", _salt(stored))
    api = create_engine(cluster.url_as(cluster.api))
    with api.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 0
    api.dispose()
    server.dispose()
    owner.repository.database.dispose()


def test_the_verifier_is_the_one_postgresql_computes_itself(cluster: Cluster) -> None:
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    password = "pässword with 'quotes' and $ and :colons:"
    with server.connect() as connection:
        connection.execute(text("SET password_encryption = 'scram-sha-256'"))
        connection.execute(text(f'CREATE ROLE "{cluster.api}" LOGIN'))
        connection.execute(
            text(f'ALTER ROLE "{cluster.api}" PASSWORD :password'), {"password": password}
        )
        stored = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": cluster.api}
        ).scalar_one()
    server.dispose()
    assert stored == scram_verifier(password, _salt(stored))


def test_a_role_cannot_be_the_migration_login_or_the_other_role(
    cluster: Cluster, tmp_path: Path
) -> None:
    owner = init_backend(
        Settings(database_url=cluster.url_as(cluster.owner), data_dir=tmp_path, model="fake")
    )
    engine = owner.repository.database.engine
    with pytest.raises(ConfigError, match="three different roles"):
        apply_roles(engine, api=Login(cluster.owner, "p"), worker=Login(cluster.worker, "p"))
    with pytest.raises(ConfigError, match="three different roles"):
        apply_roles(engine, api=Login(cluster.api, "p"), worker=Login(cluster.api, "p"))
    server = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{cluster.api}" LOGIN SUPERUSER'))
    server.dispose()
    with pytest.raises(ConfigError, match=f"{cluster.api} exists with superuser"):
        apply_roles(engine, api=Login(cluster.api, "p"), worker=Login(cluster.worker, "p"))
    owner.repository.database.dispose()


def _salt(verifier: str) -> bytes:
    match = re.fullmatch(r"SCRAM-SHA-256\$4096:([^$]+)\$[^:]+:.+", verifier)
    assert match is not None, verifier
    return base64.b64decode(match.group(1))
