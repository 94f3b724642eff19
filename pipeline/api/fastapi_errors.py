"""The FastAPI app's exception handlers: every answer comes from ``pipeline.api.errors``.

The framework's own errors keep their headers (``Allow`` on a 405). A request body that could
not be parsed because the disk is full is that fault (503 disk_full), not the client's 400;
a form the parser refused is the caller's malformed request, 422 ``invalid_request`` as on the
API Gateway edge, in its words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.routing import Route

from pipeline.api.common import NO_BOUNDARY, unreadable_form
from pipeline.api.errors import error_answer, error_body, status_code_name
from pipeline.errors import DiskFullError, InvalidRequest, PipelineError
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
        if isinstance(exc.__context__, MultiPartException):
            return _json(InvalidRequest(_parser_reason(request, exc.__context__)))
        body = error_body(status_code_name(exc.status_code), str(exc.detail))
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


def _parser_reason(request: Request, refusal: MultiPartException) -> str:
    """Why Starlette refused a form, in the API Gateway edge's words: what the multipart parser
    found wrong (Starlette itself says only "Invalid multipart data."), or that the
    Content-Type names no boundary."""
    if isinstance(refusal.__cause__, FormParserError):
        return unreadable_form(refusal.__cause__)
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    if media_type == b"multipart/form-data" and not options.get(b"boundary"):
        return NO_BOUNDARY
    return refusal.message


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
