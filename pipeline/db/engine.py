"""Engines and sessions for SQLite (embedded) and PostgreSQL (AWS) with one code path.

SQLite's default transaction takes its write lock only at the first write, so two workers that
both read a job row and then write would deadlock. Write sessions therefore start with
``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL they lock the rows they read with ``FOR UPDATE``.

A session that cannot get the SQLite lock within the busy timeout, or cannot reach PostgreSQL,
raises a ``ServiceUnavailableError`` subclass (``pipeline.faults``): the API answers 503.

A pooled PostgreSQL connection the server drops (a PgBouncer restart, a failover, an
idle-connection reaper) is met by the first statement that uses it, past the pool's ping at
checkout. Nothing was committed then, and the pool connects afresh, so the repository's calls
(``once_more_if_dropped``) are run once more before the drop counts as an outage: a cut of an
instant used to stop a worker, or hide its job for 30 s with the database back at once.

A damaged SQLite file (torn pages: ``database disk image is malformed``) fails only the reads
that meet a damaged page, and taking the write lock reads none, so the health check also looks
at the pages (``PRAGMA quick_check``, at most every ``PAGES_LOOK_EVERY_S`` and for at most
``PAGES_LOOK_BUDGET_S``) and reports the damage any session of this process met, until a
whole look finds the file whole again (restored) or, where no look can read the whole file,
until no session has met it for ``DAMAGE_KEPT_S``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, overload

from sqlalchemy import ColumnElement, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import DatabaseLockedError, DatabaseUnavailableError, ServiceUnavailableError
from pipeline.faults import database_faults, sqlite_fault

log = logging.getLogger(__name__)
WRITE_LOCK_OPTION = "pipeline_write_lock"
DEFAULT_BUSY_TIMEOUT_S = 30.0
PG_CONNECT_TIMEOUT_S = 10
"""A PostgreSQL server that does not answer is reported as down after this, not minutes."""
CHECK_WAIT_S = 1.0
"""How long the health check waits for SQLite's write lock before it reports it locked."""
PAGES_LOOK_EVERY_S = 30.0
"""How long the health check trusts its last look at the SQLite file's pages."""
PAGES_LOOK_BUDGET_S = 0.5
"""The longest one look reads pages: a file too large to read in that time (hundreds of MB)
is looked at as far as the look gets, and its damage elsewhere is known once a session meets
it. The look holds no lock (a WAL reader), so writers do not wait for it."""
DAMAGE_KEPT_S = 300.0
"""How long damage a session met is reported without being met again, where the looks are
cut short by their budget: a file too large to read whole would otherwise say "damaged" until
the service restarted, restored or not. A damaged file is met again by the next reads."""
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_Repository = TypeVar("_Repository", bound=type)


class ConnectionDropped(DatabaseUnavailableError):
    """The server dropped the session's pooled connection before its transaction committed:
    nothing was written, and the call may be run once more on a fresh connection."""


def once_more_if_dropped(cls: _Repository) -> _Repository:
    """Make each public method of the repository class ``cls`` run once more when its
    connection was dropped before anything committed (``ConnectionDropped``); a second drop
    is the outage it reports. Generators are left as they are (their reads are calls of
    methods that are not)."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        if inspect.isgeneratorfunction(method):
            continue
        setattr(cls, name, _once_more(method))
    return cls


def _once_more(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ConnectionDropped as exc:
            log.warning("%s: %s; trying once more on a fresh connection", method.__name__, exc)
            return method(*args, **kwargs)

    return call


def utcnow() -> datetime:
    return datetime.now(UTC)


def clock_of(dialect: str) -> ColumnElement[Any]:
    """The database's wall clock as a SQL expression (PostgreSQL's ``clock_timestamp()``, not
    the transaction's start, which a wait for a row lock would leave behind; SQLite's, the
    clock of the one machine its file may be used from): what liveness and leases are judged
    by, since the machines that write and read them have clocks that disagree."""
    if dialect == "postgresql":
        return func.clock_timestamp()
    return func.strftime("%Y-%m-%d %H:%M:%f", "now")


def database_now(session: Session) -> datetime:
    """The database's wall clock now (``clock_of``), as aware UTC."""
    moment = session.execute(select(clock_of(session.get_bind().dialect.name))).scalar_one()
    return as_datetime(moment)


def as_datetime(moment: datetime | str) -> datetime:
    """A moment of ``clock_of`` as aware UTC (SQLite gives it as text)."""
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return moment.astimezone(UTC)


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

    def __init__(
        self,
        url: str,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` times the looks at the SQLite file's pages (``PAGES_LOOK_EVERY_S``)."""
        self.url = url
        self.engine = make_engine(url, busy_timeout_s)
        self._busy_timeout_ms = int(busy_timeout_s * 1000)
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        writer_engine = self.engine.execution_options(**{WRITE_LOCK_OPTION: True})
        self._writers = sessionmaker(writer_engine, expire_on_commit=False)
        self._clock = clock
        self._damage: ServiceUnavailableError | None = None
        self._damage_met_at = 0.0
        """The damage a session or a look met last, reported until a look finds none."""
        self._looked_at: float | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._noting_damage(), database_faults(), self._readers() as session, _dropped():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any exception."""
        # _dropped inside the transaction: a drop met by a statement, not by the commit,
        # which may have landed
        with (
            self._noting_damage(),
            database_faults(),
            self._writers.begin() as session,
            _dropped(),
        ):
            yield session

    def check(self, wait_s: float = CHECK_WAIT_S) -> None:
        """Raise the fault a write would meet now (unreachable, locked, unwritable), waiting at
        most ``wait_s`` for SQLite's write lock and holding it for no longer than a moment;
        on SQLite, also the damage of its file (``_check_pages``)."""
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
        self._check_pages()

    def _check_pages(self) -> None:
        """Raise the damage of the SQLite file: what the last look at its pages found, or a
        session met since. A look is made when the last one is ``PAGES_LOOK_EVERY_S`` old; one
        cut short by its budget keeps what was known, one that reads every page decides."""
        now = self._clock()
        if self._looked_at is None or now - self._looked_at >= PAGES_LOOK_EVERY_S:
            self._looked_at = now
            decided, damage = _look_at_pages(self._file(), PAGES_LOOK_BUDGET_S)
            if decided:
                self._damage, self._damage_met_at = damage, now
            elif now - self._damage_met_at >= DAMAGE_KEPT_S:
                self._damage = None
        damage = self._damage
        if damage is not None:  # a new one each time: raising one again grows its traceback
            raise type(damage)(str(damage), damage.retry_after_s) from damage.__cause__

    def _file(self) -> str:
        return str(make_url(self.url).database or ":memory:")

    @contextmanager
    def _noting_damage(self) -> Iterator[None]:
        """Remember a damaged page any session meets, for the health check to report."""
        try:
            yield
        except ServiceUnavailableError as exc:
            if _is_damage(exc):
                self._damage, self._damage_met_at = exc, self._clock()
            raise

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


@contextmanager
def _dropped() -> Iterator[None]:
    """Raise a connection the server dropped, met by a session's statement, as
    ``ConnectionDropped`` (the pool has invalidated it, so the next checkout connects anew)."""
    try:
        yield
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raise ConnectionDropped("the database cannot be reached; try again later") from exc


def _is_damage(fault: ServiceUnavailableError) -> bool:
    """Whether the fault is a damaged SQLite file (corrupt pages, or not a database at all)."""
    cause = fault.__cause__
    if isinstance(cause, DBAPIError):
        cause = cause.orig
    return isinstance(cause, sqlite3.Error) and _is_corrupt(cause)


def _look_at_pages(path: str, budget_s: float) -> tuple[bool, ServiceUnavailableError | None]:
    """Read the file's pages (``PRAGMA quick_check``: every b-tree page, no index compared
    with its table) for at most ``budget_s``: whether the look decided (it read every page, or
    met damage), and the damage met. A look cut short, or one that cannot read the file at all
    (locked, gone: the lock probe reports those), decides nothing. The file is opened read-only:
    one that is gone is not made anew, empty, and taken for whole."""
    if path == ":memory:" or path.startswith("file:"):
        return False, None
    try:
        connection = sqlite3.connect(
            f"{Path(path).absolute().as_uri()}?mode=ro",
            timeout=budget_s,
            isolation_level=None,
            uri=True,
        )
    except sqlite3.Error:
        return False, None
    timer = threading.Timer(budget_s, connection.interrupt)
    timer.start()
    try:
        problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check(1)")]
    except sqlite3.Error as exc:
        return _is_corrupt(exc), _damaged(exc) if _is_corrupt(exc) else None
    finally:
        timer.cancel()
        timer.join()
        connection.close()
    if problems == ["ok"]:
        return True, None
    error = sqlite3.DatabaseError("; ".join(problems))
    error.sqlite_errorcode = _SQLITE_CORRUPT
    return True, _damaged(error)


def _is_corrupt(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _damaged(error: sqlite3.Error) -> ServiceUnavailableError:
    """The fault a session meeting the damaged page raises, logged with what the look found
    (the client's detail names no page)."""
    log.error("the database file is damaged: %s", error)
    locked, unavailable = DatabaseLockedError, DatabaseUnavailableError
    fault = sqlite_fault(error, "the database", locked, unavailable) or unavailable(str(error))
    fault.__cause__ = error
    return fault
