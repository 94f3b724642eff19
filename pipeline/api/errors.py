"""Map errors to HTTP answers in one place: a status and ``{"error", "detail"}`` JSON.

A dependency that cannot serve now (``ServiceUnavailableError``: database locked or down, disk
full, queue or object store unreachable) is a 503 with ``Retry-After``; its code names the fault.

Pure (no web framework): the FastAPI app (``pipeline.api.fastapi_errors``) and the API Gateway
handler (``pipeline.api.gateway``) both answer through ``error_answer``, so the two edges give
the same status, code and message for the same failure.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from http import HTTPStatus

from pipeline.errors import (
    ConfigError,
    Conflict,
    InputError,
    InvalidRequest,
    JobErased,
    LimitExceededError,
    NotFoundError,
    PipelineError,
    ServiceUnavailableError,
    Unauthorized,
    Unsupported,
    code_of,
)
from pipeline.messages import bounded

log = logging.getLogger(__name__)


class UnsupportedContentEncodingError(InputError):
    """The request's body is compressed (``Content-Encoding: gzip``…): no route reads it so,
    and the multipart parser would report the compressed bytes as a broken boundary."""


class RequestTimeoutError(PipelineError):
    """A body that stopped arriving, or arrives too slowly to be a real upload (a slow-loris
    client holding a connection and a spooled file open): ``pipeline.api.body_guard``."""


STATUS_BY_ERROR: tuple[tuple[type[PipelineError], int], ...] = (
    (Unauthorized, 401),
    (NotFoundError, 404),
    (JobErased, 410),
    (Conflict, 409),
    (RequestTimeoutError, 408),
    (UnsupportedContentEncodingError, 415),
    (LimitExceededError, 413),
    (InvalidRequest, 422),
    (InputError, 400),
    (Unsupported, 501),
    (ServiceUnavailableError, 503),
    (ConfigError, 500),
    (PipelineError, 500),
)
UNEXPECTED_DETAIL = "unexpected server error; the server log has the details"


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def status_for(error: PipelineError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))


def error_code(error: Exception) -> str:
    """``MissingColumnError`` → ``missing_column``: a stable name clients can branch on."""
    return code_of(type(error))


def error_body(code: str, detail: str) -> dict[str, str]:
    """Every error body of both edges; the detail is capped (``messages.bounded``), as it may
    quote what the caller sent."""
    return {"error": code, "detail": bounded(detail)}


def error_answer(error: Exception) -> ErrorAnswer:
    """The answer to any exception: a PipelineError by its class, anything else a logged 500
    whose details stay in the server log."""
    if not isinstance(error, PipelineError):
        log.error("unexpected error", exc_info=error)
        return ErrorAnswer(500, error_body("internal", UNEXPECTED_DETAIL))
    status = status_for(error)
    if status == HTTPStatus.INTERNAL_SERVER_ERROR:  # a fault; a 501 only says what is missing
        log.error("request failed: %s", error)
    return ErrorAnswer(status, error_body(error_code(error), str(error)), _headers(error, status))


def _headers(error: PipelineError, status: int) -> dict[str, str]:
    if isinstance(error, ServiceUnavailableError):
        log.warning("dependency unavailable: %s (%s)", error, _cause(error))
        return {"Retry-After": str(error.retry_after_s)}
    if isinstance(error, UnsupportedContentEncodingError):
        return {"Accept-Encoding": "identity"}  # RFC 7694: the codings a body may have
    if isinstance(error, RequestTimeoutError):
        return {"Connection": "close"}  # the rest of the body is not waited for
    return {"WWW-Authenticate": "X-API-Key"} if status == 401 else {}


def _cause(error: Exception) -> str:
    """The driver's own first line (a database error's ``orig``), never the SQL or its values."""
    cause = getattr(error.__cause__, "orig", None) or error.__cause__
    if cause is None:
        return "no cause recorded"
    lines = str(cause).splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def status_code_name(status: int) -> str:
    """404 → ``not_found``: the code of an error the framework raised (unknown route…)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return re.sub(r"\W+", "_", phrase).strip("_").lower()
