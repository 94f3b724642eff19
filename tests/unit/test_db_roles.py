"""The database roles' rights and statements, without a server (tests/integration/
test_database_roles.py runs them on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfakes import make_backend

from pipeline.db.jobs import INSIGHT_COLUMNS
from pipeline.db.models import Base
from pipeline.db.roles import (
    API,
    RIGHTS,
    WORKER,
    Login,
    apply_roles,
    grant_statements,
    scram_verifier,
)
from pipeline.errors import ConfigError

WORKER_UPDATES = {"UPDATE (aspects, aspect_sentiments, explanation, theme)"}
"""The result-row columns a worker may change: its second phase's and each row's theme."""


def test_every_table_of_the_schema_has_its_rights_decided() -> None:
    """A new table is reachable by neither role until it is listed in RIGHTS."""
    assert set(RIGHTS) == set(Base.metadata.tables) | {"alembic_version"}


def test_only_the_api_reads_keys_and_nobody_deletes_a_jobs_record() -> None:
    """Erasing a job deletes its rows (the API at its owner's request, the master at the end
    of the retention); the job's own row stays as the record of what was erased."""
    assert set(RIGHTS["api_keys"]) == {API}
    assert RIGHTS["workers"][API] == ("SELECT",), "the API reads which jobs workers hold"
    assert API not in RIGHTS["leases"]
    for grants in RIGHTS.values():
        for privileges in grants.values():
            assert set(privileges) <= {"SELECT", "INSERT", "UPDATE", "DELETE", *WORKER_UPDATES}
    assert all("DELETE" not in p for p in RIGHTS["jobs"].values())
    assert all("DELETE" in p for p in RIGHTS["result_rows"].values())
    assert "INSERT" not in RIGHTS["jobs"][WORKER] and "INSERT" not in RIGHTS["result_rows"][API]
    assert "UPDATE" not in RIGHTS["result_rows"][WORKER], "a worker updates insight columns only"
    assert set(RIGHTS["result_rows"][WORKER]) >= WORKER_UPDATES


def test_the_worker_may_update_exactly_the_columns_its_second_phase_and_themes_set() -> None:
    (granted,) = WORKER_UPDATES
    columns = granted.removeprefix("UPDATE (").removesuffix(")").split(", ")
    assert set(columns) == {*INSIGHT_COLUMNS, "theme"}
    assert not {"label", "scores", "text", "error"} & set(columns)


def test_grants_start_from_nothing_and_quote_every_name() -> None:
    statements = grant_statements("pipeline", {API: "pipeline_api", WORKER: "pipeline_worker"})
    assert statements[0] == 'REVOKE ALL ON DATABASE "pipeline" FROM PUBLIC'
    assert 'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "pipeline_api", "pipeline_worker"' in (
        statements
    )
    assert 'GRANT SELECT ON TABLE "api_keys" TO "pipeline_api"' in statements
    assert not any("worker" in s and "api_keys" in s for s in statements)
    with pytest.raises(ConfigError, match="identifier"):
        grant_statements('pipeline"; DROP TABLE jobs; --', {API: "a", WORKER: "w"})


@pytest.mark.parametrize("role", ["Pipeline", "1api", "api-role", "a" * 64, "x; DROP", ""])
def test_a_role_name_must_be_a_plain_lower_case_identifier(role: str) -> None:
    with pytest.raises(ConfigError, match="not a usable database role name"):
        Login(role, "secret")


def test_a_login_never_shows_its_password() -> None:
    login = Login("pipeline_api", "hunter2-secret")
    assert "hunter2" not in repr(login)
    with pytest.raises(ConfigError, match="empty"):
        Login("pipeline_api", "")


def test_the_verifier_has_postgresqls_format_and_hides_the_password() -> None:
    salt = bytes(range(16))
    verifier = scram_verifier("pencil", salt)
    assert verifier == scram_verifier("pencil", salt)
    assert verifier.startswith("SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$")
    assert "pencil" not in verifier and scram_verifier("pencil") != verifier  # random salt


def test_roles_are_refused_on_sqlite(tmp_path: Path) -> None:
    engine = make_backend(tmp_path).repository.database.engine
    with pytest.raises(ConfigError, match="PostgreSQL only"):
        apply_roles(engine, Login("a", "p"), Login("w", "p"))
