"""Engines and sessions for SQLite (embedded) and PostgreSQL (AWS) with one code path.

SQLite's default transaction takes its write lock only at the first write, so two workers that
both read a job row and then write would deadlock. Write sessions therefore start with
``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL they lock the rows they read with ``FOR UPDATE``.

A session that cannot get the SQLite lock within the busy timeout, or cannot reach PostgreSQL,
raises a ``ServiceUnavailableError`` subclass (``pipeline.faults``): the API answers 503.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from pipeline.faults import database_faults

log = logging.getLogger(__name__)
WRITE_LOCK_OPTION = "pipeline_write_lock"
DEFAULT_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 10
"""A PostgreSQL server that does not answer is reported as down after this, not minutes."""
CHECK_WAIT_S = 1.0
"""How long the health check waits for SQLite's write lock before it reports it locked."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the repository returns is aware UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def make_engine(url: str, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """``busy_timeout_s``: how long a SQLite write waits for another writer's lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener below emits BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # an erased comment is overwritten, not left
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    write = connection.get_execution_options().get(WRITE_LOCK_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """One engine and two kinds of sessions: reads, and writes that serialise on SQLite."""

    def __init__(self, url: str, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_s)
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine.execution_options(**{WRITE_LOCK_OPTION: True})
        self._writers = sessionmaker(writer_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with database_faults(), self._readers() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any exception."""
        with database_faults(), self._writers.begin() as session:
            yield session

    def check(self, wait_s: float = CHECK_WAIT_S) -> None:
        """Raise the fault a write would meet now (unreachable, locked, unwritable), waiting at
        most ``wait_s`` for SQLite's write lock and holding it for no longer than a moment."""
        with database_faults(), self.engine.connect() as connection:
            if self.dialect != "sqlite":
                connection.exec_driver_sql("SELECT 1")
                return
            wait_ms = min(int(wait_s * 1000), self._busy_timeout_ms)
            cursor = connection.connection.cursor()  # the driver's own: no BEGIN of ours
            cursor.execute(f"PRAGMA busy_timeout = {wait_ms}")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
                cursor.close()

    def purge_deleted(self) -> None:
        """Leave no copy of deleted rows in SQLite's write-ahead log: its pages move into the
        database file (where ``secure_delete`` zeroed them) and the log is cut to nothing.
        Best effort: a reader still open keeps the log until the next checkpoint. PostgreSQL
        reclaims deleted rows itself (autovacuum)."""
        if self.dialect != "sqlite":
            return
        with database_faults(), self.engine.connect() as connection:
            cursor = connection.connection.cursor()  # the driver's own: no BEGIN of ours
            try:
                busy, _log, _moved = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.close()
        if busy:
            log.info("the write-ahead log is still read from; it is cut at a later checkpoint")

    def dispose(self) -> None:
        self.engine.dispose()
