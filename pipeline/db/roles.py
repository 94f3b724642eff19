"""Least-privilege PostgreSQL roles: the API and the workers log in as roles of their own that
hold only the rights they use; only migrations run as the owner of the schema.

On AWS the RDS master user owns the schema and is used by the one-off init task alone
(``sentiment-pipeline init``): after the migrations it creates or updates the API's and the
workers' login roles (the master shares the workers' role) from their Secrets Manager secrets
and grants them ``RIGHTS``, nothing else. Run again, it resets every grant to exactly that
table and sets the passwords from the secrets again, so a rotated secret is applied by the
next init. A table not in ``RIGHTS`` is reachable by neither role (a test checks that every
table of the schema is listed).

The password is sent as a SCRAM-SHA-256 verifier computed here, never in clear text: no
statement log or error message can show it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from pipeline.errors import ConfigError

API = "api"
WORKER = "worker"
RIGHTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # Every process checks the schema revision before it starts.
    "alembic_version": {API: ("SELECT",), WORKER: ("SELECT",)},
    # The API submits (INSERT), reads, cancels and erases jobs; workers and the master run,
    # settle and (at the end of the retention) erase them. Nobody but the owner deletes one: an
    # erased job's row stays as the record of it.
    "jobs": {API: ("SELECT", "INSERT", "UPDATE"), WORKER: ("SELECT", "UPDATE")},
    # Workers write labelled rows, then each row's insights (the second phase: aspects, their
    # sentiments, explanation; ``jobs.INSIGHT_COLUMNS``) and its theme; the API reads them.
    # Erasing a job deletes its rows: the API at its owner's request, the master at the end
    # of the retention (``pipeline.service.erase``).
    "result_rows": {
        API: ("SELECT", "DELETE"),
        WORKER: (
            "SELECT",
            "INSERT",
            "UPDATE (aspects, aspect_sentiments, explanation, theme)",
            "DELETE",
        ),
    },
    # Heartbeats: workers beat and leave, the master reads and prunes them; the API reads
    # them to tell a job whose queue message is gone from one a live worker holds, when an
    # identical submission is handed such a job (``pipeline.service.unsent``).
    "workers": {API: ("SELECT",), WORKER: ("SELECT", "INSERT", "UPDATE", "DELETE")},
    # The master's lease (it logs in as the workers' role): take, renew, release.
    "leases": {WORKER: ("SELECT", "INSERT", "UPDATE", "DELETE")},
    # The API checks keys; keys are created and revoked with the owner's login.
    "api_keys": {API: ("SELECT",)},
}
SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations)
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Login:
    """A login role and its password (from a secret; never printed)."""

    role: str
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if not _ROLE_NAME.fullmatch(self.role):
            raise ConfigError(
                f"{self.role[:80]!r} is not a usable database role name: lower-case letters, "
                "digits and _, at most 63, not starting with a digit"
            )
        if not self.password or "\x00" in self.password:
            raise ConfigError(f"the password of database role {self.role} is empty or has NUL")


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677), computed here so
    that only the verifier travels: ``ALTER ROLE … PASSWORD '<verifier>'`` is accepted as is."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    encode = base64.b64encode
    return (
        f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{encode(salt).decode()}"
        f"${encode(stored_key).decode()}:{encode(server_key).decode()}"
    )


def grant_statements(database: str, roles: Mapping[str, str]) -> list[str]:
    """The statements that leave ``roles`` (API and WORKER → role name) with exactly ``RIGHTS``
    on the schema's tables, able to connect and to use the schema, and nothing else."""
    names = ", ".join(_quoted(roles[kind]) for kind in (API, WORKER))
    statements = [
        f"REVOKE ALL ON DATABASE {_quoted(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {_quoted(database)} TO {names}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {names}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {names}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {names}",
    ]
    for table, grants in RIGHTS.items():
        for kind, privileges in grants.items():
            statements.append(
                f"GRANT {', '.join(privileges)} ON TABLE {_quoted(table)} TO {_quoted(roles[kind])}"
            )
    return statements


def apply_roles(engine: Engine, api: Login, worker: Login) -> None:
    """Create or update both login roles and grant them ``RIGHTS``, in one transaction, as the
    owner of the schema (after the migrations)."""
    if engine.dialect.name != "postgresql":
        raise ConfigError("database roles exist on PostgreSQL only; SQLite has no logins")
    try:
        with engine.begin() as connection:
            owner = str(connection.execute(text("SELECT current_user")).scalar_one())
            if owner in (api.role, worker.role) or api.role == worker.role:
                raise ConfigError(
                    f"the API role ({api.role}), the worker role ({worker.role}) and the "
                    f"migration login ({owner}) must be three different roles"
                )
            for login in (api, worker):
                _ensure_login(connection, login)
            database = str(connection.execute(text("SELECT current_database()")).scalar_one())
            roles = {API: api.role, WORKER: worker.role}
            for statement in grant_statements(database, roles):
                connection.exec_driver_sql(statement)
    except DBAPIError as exc:  # the full message quotes the statement: keep its first line
        lines = str(exc.orig).splitlines() if exc.orig is not None else []
        raise ConfigError(
            f"could not create or grant the database roles {api.role} and {worker.role}: "
            f"{lines[0] if lines else type(exc).__name__}; the migration login needs CREATEROLE "
            "and must own the schema (the RDS master user has both)"
        ) from None


def _ensure_login(connection: Connection, login: Login) -> None:
    """Create the role, or update one made by an earlier init; a role of that name with rights
    only a superuser can take away is refused, not used."""
    existing = connection.execute(
        text(
            "SELECT rolsuper OR rolreplication OR rolbypassrls AS mighty FROM pg_roles "
            "WHERE rolname = :role"
        ),
        {"role": login.role},
    ).first()
    if existing is not None and existing.mighty:
        raise ConfigError(
            f"database role {login.role} exists with superuser, replication or bypass-RLS "
            "rights; drop it or name another role in its secret"
        )
    verb, fixed = ("ALTER", "") if existing else ("CREATE", " NOSUPERUSER NOREPLICATION")
    # exec_driver_sql without parameters: the verifier's ':' and '$' reach the server as
    # written (no bind-parameter parsing); it holds only base64 and those separators.
    connection.exec_driver_sql(
        f"{verb} ROLE {_quoted(login.role)} WITH LOGIN NOCREATEDB NOCREATEROLE NOINHERIT{fixed} "
        f"PASSWORD '{scram_verifier(login.password)}'"
    )


def _quoted(identifier: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", identifier):
        raise ConfigError(f"{identifier[:80]!r} is not a plain SQL identifier")
    return f'"{identifier}"'
