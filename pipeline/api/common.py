"""What both HTTP edges, the FastAPI app and the API Gateway handler, share: routes, the
health answer, form parsing helpers. Pure: no web framework is imported here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pipeline import __version__, service
from pipeline.bootstrap import Backend
from pipeline.errors import InvalidRequest, LimitExceededError
from pipeline.service.views import Submission

JOBS = "/v1/jobs"
UPLOADS = "/v1/uploads"
HEALTH = "/health"
NO_INPUT = (
    "body field 'file': Field required (send the file, or the upload_key of a file PUT to an "
    "upload URL from POST /v1/uploads)"
)
SPOOL_BLOCK = 1024 * 1024


def health_body(backend: Backend) -> dict[str, Any]:
    depth = backend.queue.depth()
    return {
        "status": "ok",
        "version": __version__,
        "backend": backend.settings.backend,
        "queue": {"visible": depth.visible, "in_flight": depth.in_flight},
    }


def split_columns(values: list[str]) -> list[str]:
    """Group-by columns from repeated form fields, each of which may also be comma-separated."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def csv_disposition(request_id: str) -> str:
    return f'attachment; filename="{request_id}-results.csv"'


def spool(source: BinaryIO, target: Path, max_bytes: int) -> Path:
    """Copy an upload to a file, refusing it as soon as it passes ``max_bytes``."""
    written = 0
    with target.open("wb") as out:
        while block := source.read(SPOOL_BLOCK):
            written += len(block)
            if written > max_bytes:
                raise LimitExceededError(f"the upload is over the limit of {max_bytes:,} bytes")
            out.write(block)
    return target


def submit_upload(
    backend: Backend,
    owner: str,
    *,
    file: Path | None,
    file_name: str | None,
    upload_key: str | None,
    filename: str | None,
    text_column: str | None,
    group_by: Sequence[str],
    fresh: bool,
) -> Submission:
    """Submit the request's spooled file part (``file``, sent as ``file_name``) or else the
    ``upload_key`` of a file PUT to an upload URL (named ``filename``); neither is refused."""
    if file is not None:
        return service.submit(
            backend,
            file,
            text_column or None,
            group_by,
            owner=owner,
            filename=file_name,
            fresh=fresh,
        )
    if not upload_key:
        raise InvalidRequest(NO_INPUT)
    return service.submit_stored(
        backend, upload_key, text_column or None, group_by, owner, filename, fresh
    )
