"""Map errors to HTTP answers in one place: a status and ``{"error", "detail"}`` JSON.

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
    LimitExceededError,
    NotFoundError,
    PipelineError,
    Unauthorized,
    Unsupported,
)

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[PipelineError], int], ...] = (
    (Unauthorized, 401),
    (NotFoundError, 404),
    (Conflict, 409),
    (LimitExceededError, 413),
    (InvalidRequest, 422),
    (InputError, 400),
    (Unsupported, 501),
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
    name = type(error).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


def error_answer(error: Exception) -> ErrorAnswer:
    """The answer to any exception: a PipelineError by its class, anything else a logged 500
    whose details stay in the server log."""
    if not isinstance(error, PipelineError):
        log.error("unexpected error", exc_info=error)
        return ErrorAnswer(500, error_body("internal", UNEXPECTED_DETAIL))
    status = status_for(error)
    if status == HTTPStatus.INTERNAL_SERVER_ERROR:  # a fault; a 501 only says what is missing
        log.error("request failed: %s", error)
    headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else {}
    return ErrorAnswer(status, error_body(error_code(error), str(error)), headers)


def status_code_name(status: int) -> str:
    """404 → ``not_found``: the code of an error the framework raised (unknown route…)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return re.sub(r"\W+", "_", phrase).strip("_").lower()
