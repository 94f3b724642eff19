"""The HTTP API behind API Gateway: proxy events in, the service functions, proxy results out.

``infra/template.yaml`` declares a REST API (``AWS::Serverless::Api``), whose Lambda proxy
integration sends payload format 1.0 (``httpMethod``, ``path``, ``multiValueQueryString
Parameters``, ``headers`` and ``multiValueHeaders``, ``body`` + ``isBase64Encoded``,
``requestContext.identity``). The
routes, JSON bodies, status codes and error JSON are those of the FastAPI app
(``pipeline.api.app``): both edges share ``pipeline.api.common`` and ``pipeline.api.errors``.

Who the caller is: API Gateway checks the ``X-API-Key`` against its own keys before the Lambda
runs and passes the key's id as ``requestContext.identity.apiKeyId``; that id (``apigw:<id>``)
owns the caller's jobs. An event without one (a stage deployed without ``ApiKeyRequired``, a
direct invocation) falls back to the embedded key model: ``X-API-Key`` checked against the
``api_keys`` table, and refused without a valid key unless PIPELINE_AUTH=none (``auto``, the
default, means keys here: an API behind API Gateway is reachable from anywhere).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

from pydantic import TypeAdapter, ValidationError

from pipeline import scratch, service
from pipeline.api.common import (
    HEALTH,
    JOBS,
    NO_BOUNDARY,
    NO_INPUT,
    SPOOL_BLOCK,
    TREND,
    TREND_JOBS_PATTERN,
    TREND_THEMES,
    UPLOADS,
    check_file_parts,
    csv_headers,
    earlier_jobs,
    group_by_fields,
    health_body,
    health_status,
    key_checked,
    quiet_form_parser,
    refuse_encoded_body,
    refuse_repeated_query,
    spool,
    submit_upload,
    trend_jobs,
    unreadable_form,
    visible_health,
)
from pipeline.api.errors import error_answer, error_body, status_code_name
from pipeline.bootstrap import Backend
from pipeline.db.records import ACTIVE, JobStatus
from pipeline.errors import InvalidRequest, LimitExceededError
from pipeline.messages import echo
from pipeline.report.job import ReportFormat, report_file
from pipeline.request_id import REQUEST_ID, REQUEST_ID_PATTERN
from pipeline.service import insights
from pipeline.service.change import change_summary
from pipeline.service.flagged import flagged_comments
from pipeline.service.keys import (
    GATEWAY_OWNER_PREFIX,
    HEADER,
    keys_required,
    presented_key,
    refuse_key_in_path,
    refuse_key_in_query,
)
from pipeline.service.ratings import rating_summary
from pipeline.service.results import MAX_OFFSET, MAX_PAGE
from pipeline.service.theme_trend import theme_trend_summary
from pipeline.service.trend import trend_summary

MAX_INLINE_CSV_BYTES = 5 * 1024 * 1024
"""A Lambda answer carries at most 6 MB: the CSV of a job still running is sent inline up to
this size, and while the answer fits ``LAMBDA_ANSWER_BYTES`` as Lambda counts it (a CSV of
Chinese comments doubles there); a finished job's CSV is a redirect to the object store
whatever its size."""
MAX_LIST = 500
LAMBDA_ANSWER_BYTES = 6_000_000
"""Lambda carries at most 6,291,556 bytes of answer, counted as its runtime encodes the proxy
result (JSON, non-ASCII escaped): a bigger one is API Gateway's bare 502. A results page is
cut to fit (its ``next_offset`` says where to read on); any other answer over it is a 413."""
MASTER_RETRY_S = 30  # after ECS failed to answer, how long polls skip starting the master
_TRUE = {"true", "t", "1", "yes", "y", "on"}  # what pydantic (FastAPI's forms) accepts
_FALSE = {"false", "f", "0", "no", "n", "off", ""}
_JOB = r"(?P<request_id>[^/]+)"
_TREND_JOBS = re.compile(TREND_JOBS_PATTERN)

log = logging.getLogger(__name__)


class MethodNotAllowed(Exception):
    """The path exists but not with this method (FastAPI answers 405 the same way)."""

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(", ".join(allowed))
        self.allowed = allowed


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    """Lower-cased names."""
    body: bytes
    api_key_id: str | None
    api_keys: tuple[str, ...] = ()
    """Every ``X-API-Key`` header the caller sent (``headers`` keeps only one of them)."""

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> GatewayRequest:
        """Read a REST API proxy event (payload format 1.0). An HTTP API's or a function URL's
        (2.0) is refused by name: read as 1.0 it would be ``GET /``, a 404 for every call."""
        if str(event.get("version", "1.0")) != "1.0":
            raise InvalidRequest(
                f"this function answers API Gateway REST API events (payload format 1.0), not "
                f"{echo(str(event.get('version')))}: an HTTP API or a function URL sends 2.0; "
                "put the template's REST API in front of it"
            )
        query = event.get("multiValueQueryStringParameters") or {
            name: [value] for name, value in (event.get("queryStringParameters") or {}).items()
        }
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        raw = event.get("body") or ""
        body = _base64_body(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
        identity = (event.get("requestContext") or {}).get("identity") or {}
        return cls(
            method=str(event.get("httpMethod", "GET")).upper(),
            path=str(event.get("path") or "/"),
            query={str(k): [str(v) for v in values] for k, values in query.items()},
            headers=headers,
            body=body,
            api_key_id=identity.get("apiKeyId") or None,
            api_keys=_sent_keys(event),
        )

    def query_pairs(self) -> list[tuple[str, str]]:
        """Every (name, value) of the query string, a name sent twice once per value."""
        return [(name, value) for name, values in self.query.items() for value in values]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


def _sent_keys(event: Mapping[str, Any]) -> tuple[str, ...]:
    """The values of every ``X-API-Key`` header: ``multiValueHeaders`` holds each header sent,
    ``headers`` only the last of a name (the one source of an event built without the other,
    a direct invocation)."""
    wanted = HEADER.lower()
    several = event.get("multiValueHeaders") or {}
    sent = [
        str(value)
        for name, values in several.items()
        if str(name).lower() == wanted
        for value in values or ()
    ]
    if sent:
        return tuple(sent)
    single = event.get("headers") or {}
    return tuple(str(value) for name, value in single.items() if str(name).lower() == wanted)


def _base64_body(raw: str) -> bytes:
    """The body API Gateway sent base64-encoded; a caller's garbled one is their error (422),
    not the server's."""
    try:
        return base64.b64decode(raw)
    except ValueError as exc:
        raise InvalidRequest(f"the request body is not valid base64: {exc}") from exc


@dataclass(frozen=True)
class Answer:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    base64_encoded: bool = False
    """``body`` is base64 (a binary answer such as a PDF; API Gateway decodes it for callers
    whose Accept names a binary media type of the API, see infra/template.yaml)."""

    @classmethod
    def json(cls, status: int, content: Any, headers: Mapping[str, str] | None = None) -> Answer:
        text = json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_jsonable
        )
        return cls(status, text, {"Content-Type": "application/json", **(headers or {})})

    def to_proxy(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": self.headers,
            "body": self.body,
            "isBase64Encoded": self.base64_encoded,
        }


@dataclass(frozen=True)
class FormInput:
    """A submit's form: the fields (repeatable) and the file part, if any."""

    fields: Mapping[str, Sequence[str]]
    file_name: str | None = None
    file_path: Path | None = None

    def get(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


Route = Callable[["Gateway", GatewayRequest, str], Answer]


class Gateway:
    """Answers API Gateway events from one backend. ``ensure_master`` is called after a job is
    queued and when a poll finds a job still queued, so a master that has exited by itself is
    started again; a failure there (ECS refusing, or not answering at all) is logged, never
    the caller's problem: the job is queued. After a failure the next ``MASTER_RETRY_S`` go
    without trying, so polls do not each wait out ECS. ``require_keys`` defaults to what
    PIPELINE_AUTH says for an API behind API Gateway."""

    def __init__(
        self,
        backend: Backend,
        ensure_master: Callable[[], object] | None = None,
        require_keys: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._ensure_master = ensure_master
        self._clock = clock
        self._master_retry_at = 0.0
        if require_keys is None:
            require_keys = keys_required(backend.settings.auth, host=None)
        self.require_keys = require_keys
        quiet_form_parser()
        scratch.sweep(backend.settings.data_dir)  # uploads a Lambda stopped mid-submit left

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        try:
            answer = self.answer(GatewayRequest.from_event(event))
        except MethodNotAllowed as exc:
            body = error_body("method_not_allowed", "Method Not Allowed")
            answer = Answer.json(405, body, {"Allow": ", ".join(exc.allowed)})
        except Exception as exc:
            error = error_answer(exc)
            answer = Answer.json(error.status, error.body, error.headers)
        proxy = answer.to_proxy()
        size = proxy_bytes(proxy)
        if size <= LAMBDA_ANSWER_BYTES:
            return proxy
        error = error_answer(
            LimitExceededError(
                f"this answer is {size:,} bytes, over the {LAMBDA_ANSWER_BYTES:,} one answer can "
                "carry: ask for a smaller page (limit) or less at once"
            )
        )
        return Answer.json(error.status, error.body, error.headers).to_proxy()

    def answer(self, request: GatewayRequest) -> Answer:
        for pattern, routes in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            route = routes.get(request.method)
            if route is None:
                raise MethodNotAllowed(sorted(routes))
            request_id = match.groupdict().get("request_id")
            if request_id is not None and not REQUEST_ID.fullmatch(request_id):
                self.owner(request)  # as on the FastAPI app: 401 comes before 422
                _all_valid(  # FastAPI names the refused query parameters too
                    lambda: _refuse(
                        f"path field 'request_id': String should match pattern "
                        f"'{REQUEST_ID_PATTERN}'"
                    ),
                    functools.partial(_QUERIES.get(route, _no_query), request),
                )
            return route(self, request, request_id or "")
        return Answer.json(404, error_body(status_code_name(404), "Not Found"))

    def owner(self, request: GatewayRequest) -> str:
        """The caller's owner id. Two ``X-API-Key`` headers are refused here too, even where
        API Gateway vouched for one of them: the FastAPI app refuses them, and which one API
        Gateway checked is not ours to guess."""
        query = request.query_pairs()
        refuse_key_in_query(query)
        refuse_key_in_path(request.path)
        refuse_repeated_query(query)
        presented = presented_key(request.api_keys)
        if request.api_key_id:
            return f"{GATEWAY_OWNER_PREFIX}{request.api_key_id}"
        return service.authenticate(self.backend, presented, self.require_keys)

    def nudge_master(self) -> None:
        if self._ensure_master is None or self._clock() < self._master_retry_at:
            return
        try:
            self._ensure_master()
        except Exception:  # an unreachable ECS endpoint raises botocore's own errors
            self._master_retry_at = self._clock() + MASTER_RETRY_S
            log.exception(
                "could not make sure the master runs; a call after %d s tries again",
                MASTER_RETRY_S,
            )

    # Routes: one service call each, answered like the FastAPI app.

    def health(self, request: GatewayRequest, _id: str) -> Answer:
        """Readiness, as on the FastAPI app: 503 naming the dependency that is down; the details
        only with a key API Gateway or the database vouches for (with the database down, a key
        in the header cannot be checked, so the caller sees what a caller without one sees)."""
        refuse_key_in_query(request.query_pairs())
        report = service.check_health(self.backend)
        key_sent = request.api_key_id or presented_key(request.api_keys)
        authenticated = bool(key_sent) and key_checked(lambda: self.owner(request))
        status, headers = health_status(report)
        body = visible_health(health_body(self.backend, report), authenticated)
        return Answer.json(status, body, headers)

    def upload_url(self, request: GatewayRequest, _id: str) -> Answer:
        who = self.owner(request)  # only callers with a valid key get upload URLs
        refuse_encoded_body(request.headers.get("content-encoding"))
        return Answer.json(201, service.request_upload(self.backend, who).to_dict())

    def submit(self, request: GatewayRequest, _id: str) -> Answer:
        who = self.owner(request)
        refuse_encoded_body(request.headers.get("content-encoding"))
        limit = self.backend.settings.max_upload_bytes
        if len(request.body) > limit + SPOOL_BLOCK:  # the FastAPI app's allowance for framing
            raise LimitExceededError(f"the upload is over the limit of {limit:,} bytes")
        with scratch.folder(self.backend.settings.data_dir, "upload") as folder:
            form = read_form(request, folder, limit)
            submitted = submit_upload(
                self.backend,
                who,
                file=form.file_path,
                file_name=form.file_name,
                upload_key=form.get("upload_key"),
                filename=form.get("filename"),
                text_column=list(form.fields.get("text_column", [])),
                group_by=group_by_fields(list(form.fields.get("group_by", []))),
                fresh=_boolean(form.get("fresh"), "fresh"),
                sheet=form.get("sheet"),
                explain=_boolean(form.get("explain"), "explain"),
            )
        if JobStatus(submitted.status) in ACTIVE:
            self.nudge_master()
        return Answer.json(202, submitted.to_dict())

    def list_jobs(self, request: GatewayRequest, _id: str) -> Answer:
        who = self.owner(request)
        limit = _integer(request, "limit", 50, 1, MAX_LIST)
        jobs = service.list_jobs(self.backend, who, limit)
        return Answer.json(200, {"jobs": [job.to_dict() for job in jobs]})

    def status(self, request: GatewayRequest, request_id: str) -> Answer:
        view = service.get_status(self.backend, request_id, self.owner(request))
        if view.status == JobStatus.QUEUED:
            self.nudge_master()
        return Answer.json(200, view.to_dict())

    def results(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        kind, raw, offset, limit = _results_query(request)
        if kind == "csv":
            return self._csv(request_id, who, raw)
        page = service.results_page(self.backend, request_id, who, offset, limit)
        return fitted_page(page.to_dict())

    def summary(self, request: GatewayRequest, request_id: str) -> Answer:
        group_by = request.param("group_by") or None
        view = service.summary(self.backend, request_id, self.owner(request), group_by)
        return Answer.json(200, view.to_dict())

    def aspects(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        group_by = request.param("group_by") or None
        return Answer.json(200, insights.aspect_summary(self.backend, who, request_id, group_by))

    def themes(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        found = insights.theme_summary(
            self.backend,
            who,
            request_id,
            label=request.param("label") or None,
            aspect=request.param("aspect") or None,
            group_by=request.param("group_by") or None,
            group=request.param("group"),
        )
        return Answer.json(200, found)

    def flagged(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        offset, limit = _page_query(request)
        found = flagged_comments(
            self.backend,
            who,
            request_id,
            request.param("group_by") or None,
            request.param("group"),
            offset,
            limit,
            request.param("kinds"),
        )
        return Answer.json(200, found)

    def ratings(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        offset, limit = _page_query(request)
        found = rating_summary(
            self.backend,
            who,
            request_id,
            request.param("column") or None,
            request.param("group_by") or None,
            request.param("scale") or None,
            offset,
            limit,
        )
        return Answer.json(200, found)

    def change(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        (since,) = _change_query(request)
        found = change_summary(
            self.backend,
            who,
            request_id,
            since,
            request.param("group_by") or None,
            request.param("group"),
        )
        return Answer.json(200, found)

    def trend(self, request: GatewayRequest, _id: str) -> Answer:
        who = self.owner(request)
        (listed,) = _trend_query(request)
        found = trend_summary(
            self.backend,
            who,
            trend_jobs(listed),
            request.param("group_by") or None,
            request.param("group"),
        )
        return Answer.json(200, found)

    def trend_themes(self, request: GatewayRequest, _id: str) -> Answer:
        who = self.owner(request)
        listed, label = _all_valid(
            lambda: _matching(request, "jobs", _TREND_JOBS, TREND_JOBS_PATTERN),
            lambda: _required(request, "label"),
        )
        found = theme_trend_summary(
            self.backend,
            who,
            trend_jobs(listed),
            label,
            request.param("group_by") or None,
            request.param("group"),
        )
        return Answer.json(200, found)

    def report(self, request: GatewayRequest, request_id: str) -> Answer:
        who = self.owner(request)
        kind = _choice(request, "format", ("html", "pdf"))
        group_by = request.param("group_by") or None
        group = request.param("group")
        since = _request_id_param(request, "since", required=False)
        trend = _matching(request, "trend", _TREND_JOBS, TREND_JOBS_PATTERN, required=False)
        screen = _query_boolean(request, "screen", default=True)
        report = report_file(
            self.backend,
            request_id,
            who,
            group_by,
            cast(ReportFormat, kind),
            group,
            since,
            earlier_jobs(trend, request_id),
            screen,
            request.param("rating") or None,
        )
        if len(report.content) * 4 // 3 > MAX_INLINE_CSV_BYTES:
            instead = (
                "its comments are in the job's results (GET /results, filtered by the column)"
                if group is not None
                else "report by a column with fewer values"
            )
            raise LimitExceededError(
                f"this report is over the {MAX_INLINE_CSV_BYTES:,} bytes one answer can carry; "
                + instead
            )
        headers = {"Content-Type": report.media_type, **report.headers}
        if kind == "pdf":
            return Answer(200, base64.b64encode(report.content).decode("ascii"), headers, True)
        return Answer(200, report.content.decode("utf-8"), headers)

    def cancel(self, request: GatewayRequest, request_id: str) -> Answer:
        owner = self.owner(request)
        if _query_boolean(request, "erase"):
            return Answer.json(200, service.erase(self.backend, request_id, owner).to_dict())
        return Answer.json(200, service.cancel(self.backend, request_id, owner).to_dict())

    def _csv(self, request_id: str, who: str, raw: bool) -> Answer:
        """A finished job: 303 to a presigned download. Otherwise the rows so far, inline."""
        url = service.results_url(self.backend, request_id, who, raw=raw)
        if url is not None:
            return Answer(303, "", {"Location": url})
        job, blocks = service.results_csv(self.backend, request_id, who, raw)
        content = bytearray()
        for block in blocks:
            content += block
            if len(content) > MAX_INLINE_CSV_BYTES:
                over = f"over the {MAX_INLINE_CSV_BYTES:,} bytes of CSV one answer carries"
                raise LimitExceededError(_too_big_to_answer(job.status, over))
        headers = {"Content-Type": "text/csv; charset=utf-8", **csv_headers(job)}
        inline = Answer(200, content.decode("utf-8"), headers)
        size = proxy_bytes(inline.to_proxy())  # each non-ASCII character escaped: 6-12 bytes
        if size > LAMBDA_ANSWER_BYTES:  # else ``handle``'s refusal, which names a page's limit
            over = (
                f"{size:,} bytes as Lambda counts an answer (every character past ASCII "
                f"escaped), over the {LAMBDA_ANSWER_BYTES:,} it carries"
            )
            raise LimitExceededError(_too_big_to_answer(job.status, over))
        return inline


def proxy_bytes(proxy: Mapping[str, Any]) -> int:
    """The bytes of ``proxy`` as the Lambda runtime sends it (JSON, ASCII only)."""
    return len(json.dumps(proxy, separators=(",", ":")))


def fitted_page(page: dict[str, Any]) -> Answer:
    """A results page as JSON, with as many of its rows as one Lambda answer carries (a wide
    export's 1,000 rows can be 8 MB); ``next_offset`` then points at the first one left out,
    where a client that follows it reads on."""
    rows: list[Any] = page["rows"]
    answer = Answer.json(200, page)
    size = proxy_bytes(answer.to_proxy())
    while size > LAMBDA_ANSWER_BYTES and len(rows) > 1:
        rows = rows[: max(1, int(len(rows) * LAMBDA_ANSWER_BYTES / size * 0.95))]
        cut = {**page, "rows": rows, "next_offset": page["offset"] + len(rows)}
        answer = Answer.json(200, cut)
        size = proxy_bytes(answer.to_proxy())
    return answer


def _too_big_to_answer(status: JobStatus, limit: str) -> str:
    """Why a CSV is not sent inline (``limit``: its size against what one answer carries), and
    the way to read it instead."""
    if status == JobStatus.SUCCEEDED:  # finished before escaped copies were stored
        return (
            f"this job's CSV, escaped here because it was stored before escaped copies were "
            f"kept, is {limit}; download it raw (raw=true) or read it as JSON pages (format=json)"
        )
    return (
        f"the rows labelled so far are {limit}; read them as JSON pages (format=json), or "
        "download the CSV once the job has finished"
    )


_ROUTES: tuple[tuple[re.Pattern[str], dict[str, Route]], ...] = (
    (re.compile(re.escape(HEALTH)), {"GET": Gateway.health}),
    (re.compile(re.escape(UPLOADS)), {"POST": Gateway.upload_url}),
    (re.compile(re.escape(JOBS)), {"POST": Gateway.submit, "GET": Gateway.list_jobs}),
    (re.compile(f"{JOBS}/{_JOB}"), {"GET": Gateway.status, "DELETE": Gateway.cancel}),
    (re.compile(f"{JOBS}/{_JOB}/results"), {"GET": Gateway.results}),
    (re.compile(f"{JOBS}/{_JOB}/summary"), {"GET": Gateway.summary}),
    (re.compile(f"{JOBS}/{_JOB}/aspects"), {"GET": Gateway.aspects}),
    (re.compile(f"{JOBS}/{_JOB}/themes"), {"GET": Gateway.themes}),
    (re.compile(f"{JOBS}/{_JOB}/report"), {"GET": Gateway.report}),
    (re.compile(f"{JOBS}/{_JOB}/change"), {"GET": Gateway.change}),
    (re.compile(f"{JOBS}/{_JOB}/flagged"), {"GET": Gateway.flagged}),
    (re.compile(f"{JOBS}/{_JOB}/ratings"), {"GET": Gateway.ratings}),
    (re.compile(re.escape(TREND)), {"GET": Gateway.trend}),
    (re.compile(re.escape(TREND_THEMES)), {"GET": Gateway.trend_themes}),
)


def read_form(request: GatewayRequest, folder: Path, max_bytes: int) -> FormInput:
    """The submit form from a multipart or URL-encoded body; a file part is spooled to disk."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        text = request.body.decode("utf-8", errors="replace")
        fields = parse_qs(text, keep_blank_values=True)
        check_file_parts(0, len(fields.get("file", [])))
        return FormInput(fields)
    if media_type == "multipart/form-data":
        return _multipart(content_type, request.body, folder, max_bytes)
    raise InvalidRequest(NO_INPUT)


def _multipart(content_type: str, body: bytes, folder: Path, max_bytes: int) -> FormInput:
    from python_multipart import FormParser
    from python_multipart.multipart import parse_options_header

    _kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidRequest(NO_BOUNDARY)
    fields: dict[str, list[str]] = {}
    files: list[Any] = []

    def on_field(part: Any) -> None:
        name = (part.field_name or b"").decode("utf-8", errors="replace")
        fields.setdefault(name, []).append((part.value or b"").decode("utf-8", errors="replace"))

    def on_file(part: Any) -> None:
        files.append(part)

    parser = FormParser(
        "multipart/form-data",
        on_field,
        on_file,
        boundary=boundary,
        config={"UPLOAD_DIR": str(folder), "MAX_MEMORY_FILE_SIZE": 1024 * 1024},
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception as exc:
        raise InvalidRequest(unreadable_form(exc)) from exc
    uploads = [part for part in files if part.field_name == b"file"]
    check_file_parts(len(uploads), len(fields.get("file", [])))
    if not uploads:
        return FormInput(fields)
    (upload,) = uploads
    handle = upload.file_object
    handle.seek(0)
    path = spool(handle, folder / "upload", max_bytes)
    upload.close()
    name = upload.file_name.decode("utf-8", errors="replace") if upload.file_name else None
    return FormInput(fields, name, path)


def _results_query(request: GatewayRequest) -> list[Any]:
    """The results route's parameters: format, raw, offset, limit."""
    return _all_valid(
        lambda: _choice(request, "format", ("json", "csv")),
        lambda: _query_boolean(request, "raw"),
        *_page_readers(request),
    )


def _page_query(request: GatewayRequest) -> list[Any]:
    """A paged list's offset and limit, bounded as the results' are."""
    return _all_valid(*_page_readers(request))


def _page_readers(request: GatewayRequest) -> tuple[Callable[[], int], Callable[[], int]]:
    return (
        lambda: _integer(request, "offset", 0, 0, MAX_OFFSET),
        lambda: _integer(request, "limit", 100, 1, MAX_PAGE),
    )


def _change_query(request: GatewayRequest) -> list[Any]:
    """The change route's required ``since``: a request id, refused as FastAPI refuses it."""
    return _all_valid(lambda: _request_id_param(request, "since", required=True))


def _trend_query(request: GatewayRequest) -> list[Any]:
    """The trend's required ``jobs``: request ids separated by commas, refused as FastAPI
    refuses them."""
    return _all_valid(lambda: _matching(request, "jobs", _TREND_JOBS, TREND_JOBS_PATTERN))


def _request_id_param(request: GatewayRequest, name: str, required: bool) -> str | None:
    """A request id in the query: None when absent and not ``required``; refused when
    malformed (an empty one too), as on the FastAPI app."""
    return _matching(request, name, REQUEST_ID, REQUEST_ID_PATTERN, required)


def _matching(
    request: GatewayRequest,
    name: str,
    compiled: re.Pattern[str],
    pattern: str,
    required: bool = True,
) -> str | None:
    """A query parameter that must match ``pattern``: None when absent and not ``required``;
    refused (422) as FastAPI refuses it."""
    if not required and request.param(name) is None:
        return None
    value = _required(request, name)
    if not compiled.fullmatch(value):
        raise InvalidRequest(f"query field {name!r}: String should match pattern '{pattern}'")
    return value


def _required(request: GatewayRequest, name: str) -> str:
    """A query parameter that must be given, refused (422) as FastAPI refuses it."""
    value = request.param(name)
    if value is None:
        raise InvalidRequest(f"query field {name!r}: Field required")
    return value


def _no_query(_request: GatewayRequest) -> list[Any]:
    return []


def _refuse(problem: str) -> None:
    raise InvalidRequest(problem)


_QUERIES: dict[Route, Callable[[GatewayRequest], list[Any]]] = {
    Gateway.results: _results_query,
    Gateway.change: _change_query,
    Gateway.flagged: _page_query,
    Gateway.ratings: _page_query,
}
"""Routes whose query parameters are checked even when the path is refused, as FastAPI does."""


def _all_valid(*readers: Callable[[], Any]) -> list[Any]:
    """Every query parameter read, or one 422 naming each refused one in turn, as FastAPI
    answers a request with several bad parameters."""
    values: list[Any] = []
    problems: list[str] = []
    for read in readers:
        try:
            values.append(read())
        except InvalidRequest as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidRequest("; ".join(problems))
    return values


def _choice(request: GatewayRequest, name: str, choices: tuple[str, str]) -> str:
    """A query parameter that is one of two words (the first by default), refused like a
    FastAPI ``Literal`` (an empty value too)."""
    value = request.param(name)
    if value is None:
        return choices[0]
    if value not in choices:
        first, second = choices
        raise InvalidRequest(f"query field '{name}': Input should be '{first}' or '{second}'")
    return value


def _integer(request: GatewayRequest, name: str, default: int, low: int, high: int) -> int:
    """A query parameter checked like FastAPI's ``Query(ge=, le=)`` (an empty value is
    refused); the same 422 detail."""
    raw = request.param(name)
    if raw is None:
        return default
    try:
        value = _integers().validate_python(raw)
    except ValidationError as exc:  # the words pydantic gives FastAPI ("1.0" is 1, "٥" is not)
        raise InvalidRequest(f"query field '{name}': {exc.errors()[0]['msg']}") from None
    where = f"query field '{name}': Input should be"
    if value < low:
        raise InvalidRequest(f"{where} greater than or equal to {low}")
    if value > high:
        raise InvalidRequest(f"{where} less than or equal to {high}")
    return value


@functools.cache
def _integers() -> TypeAdapter[int]:
    """pydantic's lax integer, which FastAPI reads a query parameter with."""
    return TypeAdapter(int)


def _query_boolean(request: GatewayRequest, name: str, default: bool = False) -> bool:
    """A query flag read like FastAPI's ``bool`` query parameter (an empty value is refused)."""
    raw = request.param(name)
    if raw is None:
        return default
    value = raw.lower()
    if value in _TRUE or (value and value in _FALSE):
        return value in _TRUE
    raise InvalidRequest(
        f"query field '{name}': Input should be a valid boolean, unable to interpret input"
    )


def _boolean(raw: str | None, name: str) -> bool:
    """A form flag read like FastAPI's ``bool`` form field: as sent (``" true "`` is refused, as
    in a query), an empty or absent one false."""
    value = (raw or "").lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidRequest(
        f"body field '{name}': Input should be a valid boolean, unable to interpret input"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
