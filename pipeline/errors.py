"""One base exception for the package; edges map subclasses to HTTP codes, retries, UI text."""

from __future__ import annotations


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
    """The file is not CSV, XLSX or TXT."""


class EncodingError(InputError):
    """The file is not UTF-8 text (with or without BOM)."""


class EmptyInputError(InputError):
    """The file holds no comments."""


class MissingColumnError(InputError):
    """The chosen text or group-by column does not exist in the file."""


class LimitExceededError(InputError):
    """The file is over a configured limit (size, rows, comment length)."""


class InvalidRequest(InputError):
    """A request field is missing or malformed (HTTP 422); the message names the field."""


class NotFoundError(PipelineError):
    """A job, object or key does not exist (or is not visible to the caller)."""


class JobNotFound(NotFoundError):
    """No job with this request id is visible to the caller (another key's job looks missing)."""


class Unauthorized(PipelineError):
    """The call needs a valid API key (X-API-Key) and has none or an unknown one."""


class Conflict(PipelineError):
    """The request contradicts the job's state, e.g. cancelling a job that already finished."""


class Unsupported(PipelineError):
    """This deployment cannot do what was asked (e.g. upload URLs without an S3 store)."""


class ReceiptExpired(PipelineError):
    """A queue receipt is no longer valid: the message was deleted or delivered again."""


class ApiError(PipelineError):
    """The HTTP API answered with an error no narrower class describes (e.g. a 500)."""


class ApiUnreachable(ApiError):
    """No answer from the HTTP API (refused, DNS, timeout): its URL or the server is wrong."""
