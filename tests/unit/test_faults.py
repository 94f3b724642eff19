"""Which failures of the infrastructure are faults of the moment (503, Retry-After) and which
are bugs (left alone, answered 500): SQLite result codes, PostgreSQL SQLSTATEs, a full disk,
AWS throttling and unreachable endpoints."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from sqlalchemy.exc import IntegrityError, OperationalError

from pipeline.adapters.aws_errors import aws_call
from pipeline.api.errors import error_answer
from pipeline.errors import (
    DatabaseLockedError,
    DatabaseUnavailableError,
    DiskFullError,
    PipelineError,
    QueueUnavailableError,
    ServiceUnavailableError,
    StoreUnavailableError,
)
from pipeline.faults import database_fault, disk_faults, queue_faults


def sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


class PgError(Exception):
    def __init__(self, message: str, pgcode: str | None) -> None:
        super().__init__(message)
        self.pgcode = pgcode


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (5, DatabaseLockedError),  # SQLITE_BUSY
        (6, DatabaseLockedError),  # SQLITE_LOCKED
        (13, DiskFullError),  # SQLITE_FULL
        (14, DatabaseUnavailableError),  # SQLITE_CANTOPEN
        (8, DatabaseUnavailableError),  # SQLITE_READONLY
        (10 | (3 << 8), DatabaseUnavailableError),  # SQLITE_IOERR_WRITE, an extended code
    ],
)
def test_sqlite_faults_of_the_moment(code: int, kind: type[ServiceUnavailableError]) -> None:
    wrapped = OperationalError("INSERT ...", {}, sqlite_error(code, "failed"))
    fault = database_fault(wrapped)
    assert type(fault) is kind
    assert "INSERT" not in str(fault)  # no SQL, no values in what a client reads


@pytest.mark.parametrize("code", [11, 26], ids=["SQLITE_CORRUPT", "SQLITE_NOTADB"])
def test_a_damaged_sqlite_file_is_unavailable_and_says_to_restore_it(code: int) -> None:
    """Not a bug of the statement (a 500 and, in the master, a traceback every tick): the
    database is down until the operator restores it (503, /health names it)."""
    wrapped = OperationalError(
        "SELECT ...", {}, sqlite_error(code, "database disk image is malformed")
    )
    fault = database_fault(wrapped)
    assert type(fault) is DatabaseUnavailableError
    assert "is damaged" in str(fault) and "restore it from a backup" in str(fault)


@pytest.mark.parametrize("code", [11, 26], ids=["SQLITE_CORRUPT", "SQLITE_NOTADB"])
def test_a_damaged_queue_file_says_to_remove_it_not_to_restore_a_backup(code: int) -> None:
    """queue.db is never backed up (docs: *Backing up the embedded data folder*); removing it
    is what mends it, since the master sends the jobs new messages (hunt 3)."""

    def damaged() -> None:
        with queue_faults():
            raise sqlite_error(code, "file is not a database")

    with pytest.raises(QueueUnavailableError) as caught:
        damaged()
    assert "the job queue is damaged" in str(caught.value)
    assert "remove queue.db" in str(caught.value)
    assert caught.value.needs_operator  # a command line exits 1: no wait mends it
    assert "restore it from a backup" not in str(caught.value)


def test_a_sqlite_error_in_the_statement_itself_is_not_a_fault() -> None:
    assert database_fault(OperationalError("SELECT", {}, sqlite_error(1, "no such table"))) is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OperationalError("x", {}, PgError("connection refused", None)), DatabaseUnavailableError),
        (OperationalError("x", {}, PgError("disk full", "53100")), DiskFullError),
        (OperationalError("x", {}, PgError("lock timeout", "55P03")), DatabaseLockedError),
        (IntegrityError("x", {}, PgError("duplicate key", "23505")), type(None)),
    ],
)
def test_postgresql_faults_by_sqlstate(error: OperationalError, kind: type) -> None:
    assert type(database_fault(error)) is kind


def test_a_locked_queue_is_unavailable_for_a_few_seconds() -> None:
    locked = pytest.raises(QueueUnavailableError, match="job queue is locked")
    with locked as caught, queue_faults():
        raise sqlite_error(5, "database is locked")
    assert caught.value.retry_after_s == DatabaseLockedError.retry_after_s


def test_a_queue_whose_file_was_removed_is_unavailable_not_a_crash() -> None:
    """``queue.db`` deleted while ``up`` ran: the driver's "no such table" was a crash the
    worker stored on the job, and a submit's refusal quoted it."""
    with pytest.raises(QueueUnavailableError, match="file was removed"), queue_faults():
        raise sqlite3.OperationalError("no such table: messages")


def test_only_running_out_of_space_is_a_full_disk() -> None:
    full = pytest.raises(DiskFullError, match="no space is left on the disk of the store")
    with full, disk_faults("of the store"):
        raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(PermissionError), disk_faults("of the store"):
        raise PermissionError(errno.EACCES, "Permission denied")


def test_a_fault_is_answered_503_with_its_retry_after() -> None:
    answer = error_answer(DatabaseLockedError("the database is locked; try again"))
    assert (answer.status, answer.headers) == (503, {"Retry-After": "5"})
    assert answer.body == {
        "error": "database_locked",
        "detail": "the database is locked; try again",
    }
    own = error_answer(QueueUnavailableError("the queue is locked", retry_after_s=2))
    assert own.headers == {"Retry-After": "2"} and own.body["error"] == "queue_unavailable"
    assert error_answer(StoreUnavailableError("S3 cannot be reached")).status == 503


def client_error(code: str, status: int) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "SendMessage")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (EndpointConnectionError(endpoint_url="https://sqs.example"), QueueUnavailableError),
        (client_error("ThrottlingException", 400), QueueUnavailableError),
        (client_error("InternalError", 500), QueueUnavailableError),
        (client_error("AccessDenied", 403), PipelineError),
    ],
)
def test_aws_faults_of_the_moment(error: Exception, kind: type[PipelineError]) -> None:
    with pytest.raises(PipelineError) as caught, aws_call("sending", QueueUnavailableError):
        raise error
    assert type(caught.value) is kind
