"""The FastAPI app's exception handlers: every answer comes from ``pipeline.api.errors``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pipeline.api.errors import error_answer, error_body, status_code_name
from pipeline.errors import PipelineError


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PipelineError)
    async def pipeline_error(_request: Request, exc: PipelineError) -> JSONResponse:
        return _json(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(_describe(error) for error in exc.errors())
        return JSONResponse(error_body("invalid_request", problems), 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        code = status_code_name(exc.status_code)
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return _json(exc)


def _json(exc: Exception) -> JSONResponse:
    answer = error_answer(exc)
    return JSONResponse(answer.body, answer.status, headers=answer.headers or None)


def _describe(error: Mapping[str, Any]) -> str:
    """``("query", "limit")`` + message → ``query field 'limit': Input should be ...``."""
    where, *path = error.get("loc") or ("request",)
    return f"{where} field {'.'.join(str(part) for part in path)!r}: {error.get('msg')}"
