"""The FastAPI app's exception handlers: every answer comes from ``pipeline.api.errors``.

The framework's own errors keep their headers (``Allow`` on a 405). A request body that could
not be parsed because the disk is full is that fault (503 disk_full), not the client's 400;
one the multipart parser refused says why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from python_multipart.exceptions import FormParserError
from starlette.exceptions import HTTPException
from starlette.routing import Route

from pipeline.api.errors import error_answer, error_body, status_code_name
from pipeline.errors import DiskFullError, PipelineError
from pipeline.faults import is_disk_full


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PipelineError)
    async def pipeline_error(_request: Request, exc: PipelineError) -> JSONResponse:
        return _json(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(_describe(error) for error in exc.errors())
        return JSONResponse(error_body("invalid_request", problems), 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.__cause__ is not None and is_disk_full(exc.__cause__):
            fault = DiskFullError(
                "no space is left on the disk where uploads are received; try again once "
                "space has been freed"
            )
            fault.__cause__ = exc.__cause__
            return _json(fault)
        code = status_code_name(exc.status_code)
        body = error_body(code, _parser_reason(exc) or str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return JSONResponse(body, exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        return _json(exc)


def _json(exc: Exception) -> JSONResponse:
    answer = error_answer(exc)
    return JSONResponse(answer.body, answer.status, headers=answer.headers or None)


def _parser_reason(exc: HTTPException) -> str | None:
    """What the multipart parser found wrong in a body Starlette answers only with "Invalid
    multipart data." (a part's header over 4 KB, say, from a very long file name); the same
    words as the API Gateway edge's."""
    reason = getattr(exc.__context__, "__cause__", None)
    if not isinstance(reason, FormParserError):
        return None
    return f"the multipart body cannot be read: {reason}"


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path (the router names only the first route's)."""
    path = request.url.path
    methods = {
        method
        for route in request.app.router.routes
        if isinstance(route, Route) and route.methods and route.path_regex.match(path)
        for method in route.methods
    }
    return sorted(methods)


def _describe(error: Mapping[str, Any]) -> str:
    """``("query", "limit")`` + message → ``query field 'limit': Input should be ...``."""
    where, *path = error.get("loc") or ("request",)
    return f"{where} field {'.'.join(str(part) for part in path)!r}: {error.get('msg')}"
