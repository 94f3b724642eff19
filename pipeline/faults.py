"""Tell a fault of the infrastructure (a locked or unreachable database, a full disk) from a bug.

The adapters wrap their I/O in these context managers, so a fault leaves them as a
``ServiceUnavailableError`` subclass that the HTTP edges answer with 503 and Retry-After;
anything else (a programming error, a refused input) passes through unchanged. The messages
go to clients, so they name the fault and what to expect, never a host, a path or SQL.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from pipeline.errors import (
    DatabaseLockedError,
    DatabaseUnavailableError,
    DiskFullError,
    QueueUnavailableError,
    ServiceUnavailableError,
)

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26
# PostgreSQL SQLSTATEs that are faults of the moment rather than of the statement.
_PG_DISK_FULL = "53100"
_PG_LOCK_NOT_AVAILABLE = "55P03"
_FREE_SPACE = "try again once space has been freed"


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _NO_SPACE


@contextmanager
def disk_faults(where: str) -> Iterator[None]:
    """Re-raise running out of space while writing ``where`` as DiskFullError."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(f"no space is left on the disk {where}; {_FREE_SPACE}") from exc
        raise


RESTORE_DATABASE = (
    "the operator must restore it from a backup; nothing can be read or stored until then"
)
REMAKE_QUEUE = (
    "the operator must stop the service, remove queue.db (with queue.db-wal and queue.db-shm) "
    "from the data folder and start it again: it holds only messages, and the master sends "
    "the queued and running jobs new ones within minutes (no backup of it is kept)"
)


def sqlite_fault(
    error: sqlite3.Error,
    what: str,
    locked: type[ServiceUnavailableError],
    unavailable: type[ServiceUnavailableError],
    remedy: str = RESTORE_DATABASE,
) -> ServiceUnavailableError | None:
    """The 503 error for a SQLite failure of ``what`` (``the database``), or None for a bug;
    ``remedy`` says what mends a damaged file."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        message = f"{what} is locked by another writer; try again in a few seconds"
        return locked(message, DatabaseLockedError.retry_after_s)
    if primary == _SQLITE_FULL:
        return DiskFullError(f"no space is left on the disk of {what}; {_FREE_SPACE}")
    if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_IOERR):
        return unavailable(f"{what} cannot be opened or written; try again later")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):  # no retry mends it: the operator must
        return unavailable(
            f"{what} is damaged (its file is not a readable SQLite database): {remedy}",
            needs_operator=True,
        )
    return None


def database_fault(error: DBAPIError) -> ServiceUnavailableError | None:
    """The 503 error for a failure of the repository's database, or None for a bug."""
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return sqlite_fault(cause, "the database", DatabaseLockedError, DatabaseUnavailableError)
    code = getattr(cause, "pgcode", None)
    if code == _PG_DISK_FULL:
        return DiskFullError(f"no space is left on the database server; {_FREE_SPACE}")
    if code == _PG_LOCK_NOT_AVAILABLE:
        return DatabaseLockedError("the rows are locked by another writer; try again shortly")
    if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
        return DatabaseUnavailableError("the database cannot be reached; try again later")
    return None


@contextmanager
def database_faults() -> Iterator[None]:
    """Re-raise the database's faults of the moment as ServiceUnavailableError subclasses."""
    try:
        yield
    except DBAPIError as exc:
        fault = database_fault(exc)
        if fault is None:
            raise
        raise fault from exc
    except sqlite3.Error as exc:  # the driver's own connection, used by Database.check
        fault = sqlite_fault(exc, "the database", DatabaseLockedError, DatabaseUnavailableError)
        if fault is None:
            raise
        raise fault from exc


QUEUE_FILE_GONE = (
    "the job queue's file was removed or replaced while the service ran (its tables are "
    "gone): the operator must restart the service, which makes it again; jobs whose "
    "messages were lost are sent new ones"
)


@contextmanager
def queue_faults() -> Iterator[None]:
    """Re-raise a SQLite queue's faults as QueueUnavailableError (or DiskFullError). A table
    of the queue that is gone is one too (``queue.db`` deleted while ``up`` ran): no call
    works until the service makes the file again, and no job's rows are at fault."""
    try:
        yield
    except sqlite3.Error as exc:
        fault = sqlite_fault(
            exc, "the job queue", QueueUnavailableError, QueueUnavailableError, REMAKE_QUEUE
        )
        if fault is None and str(exc).startswith("no such table"):
            fault = QueueUnavailableError(QUEUE_FILE_GONE)
        if fault is None:
            raise
        raise fault from exc
