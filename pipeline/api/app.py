"""The FastAPI app: each route authenticates, calls one service function, returns its dict.

OpenAPI docs are at /docs. Uploads are spooled to a temporary file with the size limit
enforced while reading, then submitted like any other file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse

from pipeline import __version__, service
from pipeline.api.common import (
    HEALTH,
    JOBS,
    SPOOL_BLOCK,
    UPLOADS,
    csv_disposition,
    health_body,
    split_columns,
    spool,
    submit_upload,
)
from pipeline.api.errors import error_body
from pipeline.api.fastapi_errors import install_error_handlers
from pipeline.bootstrap import Backend
from pipeline.service.keys import HEADER
from pipeline.service.results import MAX_PAGE

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _owner(request: Request, api_key: Annotated[str | None, Header(alias=HEADER)] = None) -> str:
    """The caller's owner id from X-API-Key (``anonymous`` while no key exists)."""
    return service.authenticate(request.app.state.backend, api_key)


Owner = Annotated[str, Depends(_owner)]


def create_app(
    backend: Backend,
    lifespan: Lifespan | None = None,
    on_submitted: Callable[[], None] | None = None,
) -> FastAPI:
    """The API over ``backend``; ``on_submitted`` runs after every accepted submission (``up``
    wakes its master with it, so a new job does not wait for the next reconcile tick)."""
    app = FastAPI(
        title="Comment Sentiment Pipeline",
        version=__version__,
        description="Submit files of comments, poll by request id, read labelled results.",
        lifespan=lifespan,
    )
    app.state.backend = backend
    install_error_handlers(app)
    _refuse_oversized_uploads(app, backend.settings.max_upload_bytes)

    @app.get(HEALTH)
    def health() -> dict[str, Any]:
        return health_body(backend)

    @app.post(UPLOADS, status_code=201)
    def upload_url(who: Owner) -> dict[str, Any]:
        """A presigned PUT URL for a file over the API's request limit (S3 store only)."""
        return service.request_upload(backend).to_dict()

    @app.post(JOBS, status_code=202)
    def submit_job(
        who: Owner,
        file: Annotated[
            UploadFile | None, File(description="CSV (UTF-8), XLSX or one-per-line TXT")
        ] = None,
        upload_key: Annotated[
            str | None, Form(description="instead of file: the key from POST /v1/uploads")
        ] = None,
        filename: Annotated[str | None, Form(description="the uploaded file's name")] = None,
        text_column: Annotated[str | None, Form(description="the comment column")] = None,
        group_by: Annotated[list[str] | None, Form(description="columns to summarise by")] = None,
        fresh: Annotated[bool, Form(description="run again even if identical")] = False,
    ) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="upload-") as folder:
            limit = backend.settings.max_upload_bytes
            submission = submit_upload(
                backend,
                who,
                file=None if file is None else spool(file.file, Path(folder) / "upload", limit),
                file_name=None if file is None else file.filename,
                upload_key=upload_key,
                filename=filename,
                text_column=text_column,
                group_by=split_columns(group_by or []),
                fresh=fresh,
            )
        if on_submitted is not None:
            on_submitted()
        return submission.to_dict()

    @app.get(JOBS)
    def list_jobs(who: Owner, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
        return {"jobs": [job.to_dict() for job in service.list_jobs(backend, who, limit)]}

    @app.get(JOBS + "/{request_id}")
    def job_status(request_id: str, who: Owner) -> dict[str, Any]:
        return service.get_status(backend, request_id, who).to_dict()

    @app.get(JOBS + "/{request_id}/results", response_model=None)
    def job_results(
        request_id: str,
        who: Owner,
        format: Literal["json", "csv"] = "json",
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any] | StreamingResponse | RedirectResponse:
        if format == "csv":
            url = service.results_url(backend, request_id, who)
            if url is not None:  # a finished job on S3: the client downloads it from there
                return RedirectResponse(url, status_code=303)
            _job, blocks = service.results_csv(backend, request_id, who)
            return StreamingResponse(
                blocks,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": csv_disposition(request_id)},
            )
        return service.results_page(backend, request_id, who, offset, limit).to_dict()

    @app.get(JOBS + "/{request_id}/summary")
    def job_summary(request_id: str, who: Owner, group_by: str | None = None) -> dict[str, Any]:
        return service.summary(backend, request_id, who, group_by or None).to_dict()

    @app.delete(JOBS + "/{request_id}")
    def cancel_job(request_id: str, who: Owner) -> dict[str, Any]:
        return service.cancel(backend, request_id, who).to_dict()

    return app


def _refuse_oversized_uploads(app: FastAPI, max_bytes: int) -> None:
    """Answer 413 from the declared length before a huge body is read and parsed."""
    allowance = max_bytes + SPOOL_BLOCK  # multipart framing around the file

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[..., Any]) -> Any:
        declared = request.headers.get("content-length", "")
        if request.method == "POST" and declared.isdigit() and int(declared) > allowance:
            detail = f"the upload is over the limit of {max_bytes:,} bytes"
            return JSONResponse(error_body("limit_exceeded", detail), 413)
        return await call_next(request)
