"""Map PipelineError subclasses to HTTP answers in one place: ``{"error", "detail"}`` JSON."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeline.errors import (
    ConfigError,
    Conflict,
    InputError,
    LimitExceededError,
    NotFoundError,
    PipelineError,
    Unauthorized,
)

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[PipelineError], int], ...] = (
    (Unauthorized, 401),
    (NotFoundError, 404),
    (Conflict, 409),
    (LimitExceededError, 413),
    (InputError, 400),
    (ConfigError, 500),
    (PipelineError, 500),
)


def status_for(error: PipelineError) -> int:
    return next(code for kind, code in STATUS_BY_ERROR if isinstance(error, kind))


def error_code(error: Exception) -> str:
    """``MissingColumnError`` → ``missing_column``: a stable name clients can branch on."""
    name = type(error).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_body(code: str, detail: str) -> dict[str, str]:
    return {"error": code, "detail": detail}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PipelineError)
    async def pipeline_error(_request: Request, exc: PipelineError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("request failed: %s", exc)
        headers = {"WWW-Authenticate": "X-API-Key"} if status == 401 else None
        return JSONResponse(error_body(error_code(exc), str(exc)), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(_describe(error) for error in exc.errors())
        return JSONResponse(error_body("invalid_request", problems), 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = re.sub(r"\W+", "_", _reason(exc.status_code)).strip("_").lower()
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            error_body("internal", "unexpected server error; the server log has the details"),
            500,
        )


def _describe(error: Mapping[str, Any]) -> str:
    """``("query", "limit")`` + message → ``query field 'limit': Input should be ...``."""
    where, *path = error.get("loc") or ("request",)
    return f"{where} field {'.'.join(str(part) for part in path)!r}: {error.get('msg')}"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"
