"""What both HTTP edges, the FastAPI app and the API Gateway handler, share: routes, the
health answer and what of it a caller without a key may see, the request id format, form
parsing helpers. Pure: no web framework is imported here."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pipeline import __version__, service
from pipeline.api.errors import UnsupportedContentEncodingError
from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.errors import (
    InputError,
    InvalidRequest,
    LimitExceededError,
    ServiceUnavailableError,
)
from pipeline.faults import disk_faults
from pipeline.file_names import content_disposition, results_file_name
from pipeline.messages import echo
from pipeline.report.trend import MAX_JOBS, MIN_JOBS
from pipeline.request_id import REQUEST_ID_PATTERN
from pipeline.service.health import HealthReport
from pipeline.service.views import Submission

JOBS = "/v1/jobs"
UPLOADS = "/v1/uploads"
TREND = "/v1/trend"
TREND_THEMES = "/v1/trend/themes"
HEALTH = "/health"
HEALTH_LIVE = "/health/live"
HEALTH_READY = "/health/ready"
NO_INPUT = (
    "body field 'file': Field required (send the file, or the upload_key of a file PUT to an "
    "upload URL from POST /v1/uploads)"
)
NOT_A_FILE = (
    "body field 'file': sent as text, not as a file: send the file itself as a file part, with "
    "a file name (curl -F file=@comments.csv), or the upload_key of a file PUT to an upload URL "
    "from POST /v1/uploads"
)
NO_BOUNDARY = "the multipart body has no boundary in its Content-Type"
MULTIPART_LOGGER = "python_multipart"
SPOOL_BLOCK = 1024 * 1024
PUBLIC_HEALTH_FIELDS = ("status",)
_ID = REQUEST_ID_PATTERN.strip("^$")
LISTS = {
    "jobs": "several request ids go in one value, separated by commas",
    "trend": "several request ids go in one value, separated by commas",
    "kinds": "several kinds go in one value, separated by commas",
}
"""The query parameters that take a list, as one comma-separated value, and how to give it."""
JOB_COMPLETE = "X-Job-Complete"
"""The results CSV's header: ``true`` for a finished job's whole file, ``false`` for the rows
so far of one running, cancelled or failed (whose file name then ends ``-results-partial``)."""
TREND_JOBS_PATTERN = rf"^ *{_ID}( *, *{_ID})* *$"
"""Request ids separated by commas (spaces around them allowed): the trend's ``jobs``."""


def refuse_repeated_query(parameters: Sequence[tuple[str, str]]) -> None:
    """Every query parameter of the API takes one value (a list is one value, comma-
    separated): one given twice is refused by name, not read as its last value, which
    dropped the others unsaid (``?jobs=A&jobs=B`` was "1 given")."""
    counts = Counter(name for name, _value in parameters)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        name = repeated[0]
        how = f" ({LISTS[name]})" if name in LISTS else ""
        raise InvalidRequest(
            f"query parameter {echo(name)} given {counts[name]} times: give it once{how}"
        )


def earlier_jobs(listed: str | None, request_id: str) -> list[str]:
    """The earlier jobs of a report's trend (``trend=A,B``, oldest first): with this job last
    they must make a trend (``trend_jobs``); none when not asked for."""
    return trend_jobs(f"{listed},{request_id}")[:-1] if listed else []


def trend_jobs(listed: str) -> list[str]:
    """The request ids of ``jobs=A,B,C`` (TREND_JOBS_PATTERN, checked by the edges), in
    order. Refused (400, naming the problem): a job given twice, fewer than two jobs or more
    than ``MAX_JOBS``."""
    ids = [item.strip() for item in listed.split(",")]
    repeated = sorted(item for item, count in Counter(ids).items() if count > 1)
    if repeated:
        raise InputError(f"jobs: {', '.join(repeated)} given more than once")
    if not MIN_JOBS <= len(ids) <= MAX_JOBS:
        raise InputError(f"jobs: {len(ids)} given; a trend takes {MIN_JOBS} to {MAX_JOBS} jobs")
    return ids


def health_body(backend: Backend, report: HealthReport) -> dict[str, Any]:
    """Readiness: ``status`` ok or unavailable, each dependency's state, and the queue's depth
    while the queue answers (as its probe read it: asking again could fail, and answer 500)."""
    body = report.to_dict()
    body.update(version=__version__, backend=backend.settings.backend)
    depth = report.queue_depth
    if report.state("queue").ok and depth is not None:
        body["queue"] = {"visible": depth.visible, "in_flight": depth.in_flight}
    return body


def key_checked(check: Callable[[], object]) -> bool:
    """Whether the key sent with a health call is valid. An invalid one is refused (401), as on
    every route; one that cannot be checked now (database down) counts as no key, so the
    caller sees only what a caller without a key sees."""
    try:
        check()
    except ServiceUnavailableError:
        return False
    return True


def health_status(report: HealthReport) -> tuple[int, dict[str, str]]:
    """200 when every dependency answers; else 503 with the longest Retry-After they suggest."""
    if report.ready:
        return 200, {}
    return 503, {"Retry-After": str(report.retry_after_s)}


def visible_health(body: dict[str, Any], authenticated: bool) -> dict[str, Any]:
    """The part of the health answer a caller may see: all of it with a valid key; without
    one only liveness, nothing about the service's load, its dependencies or its tenants."""
    if authenticated:
        return body
    return {name: body[name] for name in PUBLIC_HEALTH_FIELDS if name in body}


def refuse_encoded_body(encoding: str | None) -> None:
    """A compressed body (``Content-Encoding: gzip``, ``deflate``, ``br``…) is refused by name
    (415, on both edges) before any of it is read: the form parser read the compressed bytes
    as a multipart body and answered a 422 about its boundary."""
    coding = (encoding or "").strip()
    if coding and coding.lower() != "identity":
        raise UnsupportedContentEncodingError(
            f"Content-Encoding {echo(coding)} is not supported: send the body uncompressed "
            "(no route of this API reads a compressed request)"
        )


def unreadable_form(reason: Exception) -> str:
    """Why the multipart parser refused a body (a 422 on both edges: the request is malformed)."""
    return f"the multipart body cannot be read: {reason}"


def quiet_form_parser() -> None:
    """The multipart parser logs a warning, quoting the caller's bytes, for every body it
    refuses: the caller's 422 says why, so the server's log need not, once per request."""
    logging.getLogger(MULTIPART_LOGGER).setLevel(logging.ERROR)


def check_file_parts(files: int, texts: int) -> None:
    """Refuse a submit whose ``file`` came as a text field (a part without a file name:
    ``curl -F 'file=<x.csv'``, or a URL-encoded form), or as two file parts: reading one and
    dropping the other would lose a file without a word."""
    if texts:
        raise InvalidRequest(NOT_A_FILE)
    if files > 1:
        raise InvalidRequest(
            f"body field 'file': send one file per request ({files} file parts were sent)"
        )


def group_by_fields(values: list[str]) -> list[str]:
    """Group-by columns from repeated form fields. A field may also list several,
    comma-separated; they are split once the file's columns are known
    (``resolve_group_columns``), since a column's own name may hold a comma."""
    return [value.strip() for value in values if value.strip()]


def csv_headers(job: JobRecord) -> dict[str, str]:
    """The results CSV's headers: its name, the one the app and the reports use
    (``results_file_name``), and ``JOB_COMPLETE``. The CSV of a job that has not succeeded
    holds the rows labelled so far only: it says so in both, so it is never saved as, or
    taken for, the whole file."""
    complete = job.status == JobStatus.SUCCEEDED
    name = results_file_name(job.input_name, job.request_id, complete)
    return {
        "Content-Disposition": content_disposition(name),
        JOB_COMPLETE: "true" if complete else "false",
    }


def spool(source: BinaryIO, target: Path, max_bytes: int) -> Path:
    """Copy an upload to a file, refusing it as soon as it passes ``max_bytes``."""
    written = 0
    with disk_faults("where uploads are spooled"), target.open("wb") as out:
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
    text_column: Sequence[str],
    group_by: Sequence[str],
    fresh: bool,
    sheet: str | None = None,
    explain: bool = False,
) -> Submission:
    """Submit the request's spooled file part (``file``, sent as ``file_name``) or else the
    ``upload_key`` of a file PUT to an upload URL (named ``filename``); neither is refused.
    The file's name on disk plays no part: its format comes from its content and given name.
    ``explain`` asks the workers for the words behind each label too."""
    if file is not None:
        return service.submit(
            backend,
            file,
            text_column,
            group_by,
            owner=owner,
            filename=file_name,
            fresh=fresh,
            sheet=sheet or None,
            explain=explain,
        )
    if not upload_key:
        raise InvalidRequest(NO_INPUT)
    return service.submit_stored(
        backend,
        upload_key,
        text_column,
        group_by,
        owner,
        filename,
        fresh,
        sheet or None,
        explain=explain,
    )
