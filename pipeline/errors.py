"""One base exception for the package; edges map subclasses to HTTP codes, retries, UI text."""

from __future__ import annotations

import re


class PipelineError(Exception):
    """Base class of every error the package raises on purpose."""


class ConfigError(PipelineError):
    """A setting or option has a value the program cannot use."""


class ModelLoadError(PipelineError):
    """A model directory or URI cannot be found or does not hold a usable checkpoint."""


class MissingDependencyError(PipelineError):
    """An optional dependency is needed for this feature; the message names the extra."""


class InputError(PipelineError):
    """An input file or parameter is refused; the message names the problem."""


class UnsupportedFormatError(InputError):
    """The file is not CSV, XLSX, ODS or TXT."""


class EncodingError(InputError):
    """The file is not text in an encoding the reader knows (UTF-8, UTF-16 with BOM,
    Windows-1252); the message names the first bad byte and its line."""


class EmptyInputError(InputError):
    """The file holds no comments."""


class MissingColumnError(InputError):
    """The chosen text or group-by column does not exist in the file."""


class AmbiguousColumnError(InputError):
    """The requested column matches two or more columns that differ only in case."""


class NumericColumnError(InputError):
    """The comment column holds numbers (ratings, counts), not comments."""


class MalformedInputError(InputError):
    """Reading the file as it is would lose data (a row with more fields than the header, two
    columns of one name, a NUL character); the message names the line or the columns."""


class SheetNotFoundError(InputError):
    """The workbook has no sheet of the name or number asked for; the message lists its sheets."""


class LimitExceededError(InputError):
    """The file is over a file-level limit (bytes, rows, columns); an over-long comment is a
    row error, not this."""


class InvalidRequest(InputError):
    """A request field is missing or malformed (HTTP 422); the message names the field."""


class NotFoundError(PipelineError):
    """A job, object or key does not exist (or is not visible to the caller)."""


class JobNotFound(NotFoundError):
    """No job with this request id is visible to the caller (another key's job looks missing)."""


class JobErased(PipelineError):
    """The job's comments, results and files were erased (at its owner's request or at the
    end of the retention period); its record stays, saying when (HTTP 410)."""


class Unauthorized(PipelineError):
    """The call needs a valid API key (X-API-Key) and has none or an unknown one."""


class Conflict(PipelineError):
    """The request contradicts the job's state, e.g. cancelling a job that already finished."""


class Unsupported(PipelineError):
    """This deployment cannot do what was asked (e.g. upload URLs without an S3 store)."""


class ServiceUnavailableError(PipelineError):
    """A dependency cannot serve right now (HTTP 503 with Retry-After): nothing was changed, and
    the same call is expected to work once the fault clears. ``retry_after_s`` is the hint:
    the class's, or this fault's own (a locked queue clears sooner than an unreachable one)."""

    retry_after_s = 10
    needs_operator = False

    def __init__(
        self, message: str, retry_after_s: int | None = None, needs_operator: bool = False
    ) -> None:
        super().__init__(message)
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s
        self.needs_operator = needs_operator
        """No wait mends it (a damaged file): a command line exits 1, not "try again later"."""


class DatabaseLockedError(ServiceUnavailableError):
    """The SQLite database stayed locked by another writer for longer than its busy timeout."""

    retry_after_s = 5


class DatabaseUnavailableError(ServiceUnavailableError):
    """The database cannot be reached or opened (server down, refused, unwritable file)."""

    retry_after_s = 30


class DiskFullError(ServiceUnavailableError):
    """No space is left (ENOSPC, quota) where uploads, objects or the database are written."""

    retry_after_s = 60


class QueueUnavailableError(ServiceUnavailableError):
    """The job queue cannot be reached or is locked; the job was not queued."""

    retry_after_s = 30


class StoreUnavailableError(ServiceUnavailableError):
    """The object store (S3) cannot be reached or throttles; nothing was stored or read."""

    retry_after_s = 30


class ReceiptExpired(PipelineError):
    """A queue receipt is no longer valid: the message was deleted or delivered again."""


class ApiError(PipelineError):
    """The HTTP API answered with an error no narrower class describes (e.g. a 500)."""


class ApiUnreachable(ApiError):
    """No answer from the HTTP API (refused, DNS, timeout): its URL or the server is wrong."""


class QuotaExceeded(ApiError):
    """The API key's request quota (API Gateway's usage plan) is used up: every call of the
    key is refused until the quota's period resets, so asking again soon cannot help."""


def code_of(kind: type[BaseException]) -> str:
    """``MissingColumnError`` → ``missing_column``: the stable name clients branch on."""
    name = kind.__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
