"""A small typed client of the pipeline's HTTP API, for the Streamlit app, notebooks and scripts.

Every failure becomes a ``pipeline.errors`` class, so callers show one message per cause
instead of handling HTTP: an unreachable API, a refused key, an unknown request id, a refused
request (with the server's own message), an API that cannot serve now (with its Retry-After),
a server error, an answer cut or garbled on its way, or a file that changed while it was
being sent. The client never retries by itself: whether to wait is the caller's call
(an app's page must not hang; ``status --watch`` waits, saying so).
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, BinaryIO, cast

import httpx

from pipeline.errors import (
    ApiError,
    ApiUnreachable,
    ConfigError,
    Conflict,
    InputError,
    JobErased,
    JobNotFound,
    LimitExceededError,
    NotFoundError,
    PipelineError,
    QuotaExceeded,
    ServiceUnavailableError,
    Unauthorized,
    Unsupported,
    code_of,
)
from pipeline.request_id import REQUEST_ID
from pipeline.settings import Settings

API_KEY_HEADER = "X-API-Key"
TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")
MAX_PAGE = 1000
DEFAULT_TIMEOUT_S = 30.0
UPLOAD_TIMEOUT_S = 300.0
DIRECT_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
"""Larger files go through an upload URL where the server offers one: API Gateway and Lambda
take about 6 MB per request, and a binary body travels base64-encoded (4/3 of its size)."""
_DOWNLOAD_BLOCK = 1024 * 1024
_NO_UPLOAD_URLS = (404, 501)  # a server without POST /v1/uploads, or one whose store has none
_NOT_NOW = {
    429: "the API turned the request away: too many requests at once",
    502: "the API's gateway got no usable answer from the service",
    503: "the API cannot serve now",
    504: "the API's gateway got no answer from the service in time",
}
"""Statuses that say "not now" rather than "no": API Gateway throttles over its rate (429) and
answers 502/504 when the Lambda behind it fails or runs late; the same call may then work."""
ROUTE_NOT_FOUND = "Not Found"
"""The detail of a 404 for a path the API has no route for (Starlette's and the gateway
handler's, and API Gateway's own message)."""
QUOTA_SPENT = "Limit Exceeded"
"""API Gateway's 429 message when a key's usage-plan quota is spent (over its rate, it says
"Too Many Requests"): a refusal until the quota's period resets, not a moment's."""


@dataclass(frozen=True)
class Submitted:
    """The answer to a submit; ``reused`` means an identical earlier job was returned."""

    request_id: str
    status: str
    reused: bool = False
    other_text_columns: tuple[str, ...] = ()
    """The file's other columns of free text, not labelled (the comment column was taken
    for its name)."""


@dataclass(frozen=True)
class JobStatus:
    request_id: str
    status: str
    rows_total: int = 0
    rows_done: int = 0
    rows_failed: int = 0
    eta_s: float | None = None
    error: str | None = None
    input_name: str = ""
    input_format: str = ""
    """How the input was read: ``csv``, ``xlsx``, ``ods`` or ``txt``."""
    input_options: dict[str, str | int | list[str]] = field(default_factory=dict)
    """How the input was read: a workbook's ``sheet`` and ``header_row``, a CSV's
    ``delimiter`` and ``encoding``."""
    text_column: str = ""
    group_by: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    model_version: str | None = None
    low_confidence: float | None = None
    worker_seconds: float = 0.0
    cost_usd: float = 0.0
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    rows_per_s: float | None = None
    """The service's rate: rows labelled per second so far (None before the first chunk)."""
    explain: bool = False
    """Whether the job stores the words that drove each label."""
    labelled_at: str | None = None
    """When every row's label was in (the job may still be working out its insights)."""
    insights_done: int | None = None
    """Rows whose aspects are worked out; None when the job computes none (or an older API)."""
    erased_at: str | None = None
    """When the job's comments and results were erased; None while it holds them."""
    waiting_for_worker: bool = False
    """Running but held by no worker now (put behind a queued job's turn): no time left."""
    queued_ahead: int | None = None
    """While queued: the jobs queued before it, every owner's (None otherwise, or an older API)."""
    jobs_running: int | None = None
    """While queued: the jobs running now, every owner's."""
    api: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The API's answer as it came, every field of it (``progress``, ``attempts``, ``model``
    and those this class does not name): what ``status --json`` prints."""

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def labelled(self) -> bool:
        """Every row has its label: the results, charts and downloads are whole (a running
        job may still be working out what the comments are about)."""
        return self.status == "succeeded" or (
            self.labelled_at is not None and self.status == "running"
        )

    @property
    def progress(self) -> float:
        """Share of rows done, in 0..1 (a job with no rows counts as done once finished)."""
        if self.rows_total <= 0:
            return 1.0 if self.finished else 0.0
        return min(1.0, self.rows_done / self.rows_total)


@dataclass(frozen=True)
class ResultsPage:
    """Rows ``offset``…; ``next_offset`` is None when no further finished row exists yet."""

    request_id: str
    status: str
    columns: list[str]
    rows: list[dict[str, Any]]
    offset: int
    next_offset: int | None
    available: int
    rows_total: int
    complete: bool


@dataclass(frozen=True)
class GroupCounts:
    """Counts, shares and mean scores per label for all rows (``group`` None) or one group."""

    group: str | None
    rows: int
    errors: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    mean_scores: dict[str, float | None]


@dataclass(frozen=True)
class Summary:
    request_id: str
    status: str
    labels: list[str]
    rows_done: int
    rows_total: int
    overall: GroupCounts
    group_by: str | None = None
    groups: list[GroupCounts] = field(default_factory=list)


class PipelineClient:
    """One API endpoint and key; use as a context manager or call ``close``."""

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        url_from: str = "PIPELINE_API_URL",
    ) -> None:
        """``url_from`` names where ``base_url`` came from (``--api-url`` on the command
        line), for the message of an API that cannot be reached."""
        self.base_url = base_url.rstrip("/")
        self._url_from = url_from
        key = usable_key(api_key)
        headers = {API_KEY_HEADER: key} if key else {}
        try:
            self._http = httpx.Client(
                base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport
            )
        except httpx.InvalidURL as exc:
            raise ConfigError(
                f"{url_from}={base_url!r} is no address of an API ({exc}): give the API's "
                "address as `sentiment-pipeline up` or the stack's ApiUrl gives it (such as "
                "http://127.0.0.1:8000)"
            ) from exc
        # Presigned object-store URLs carry their own signature: never send them the API key.
        self._storage = httpx.Client(timeout=UPLOAD_TIMEOUT_S, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PipelineClient:
        """The API and key the settings name: ``PIPELINE_API_KEY``, or the key file of
        ``PIPELINE_API_KEY_FILE`` (``Settings.client_key``: ConfigError for one others may
        read, never another key in its place)."""
        settings = settings or Settings.from_env()
        return cls(settings.api_url, settings.client_key())

    def __enter__(self) -> PipelineClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._storage.close()

    def health(self) -> dict[str, Any]:
        return self._json("GET", "/health")

    def submit(
        self,
        content: bytes | BinaryIO,
        filename: str,
        text_column: str | Sequence[str],
        group_by: Sequence[str] = (),
        *,
        fresh: bool = False,
        sheet: str | None = None,
        explain: bool = False,
    ) -> Submitted:
        """Upload a file and queue a job; the server validates it and refuses bad input.
        ``sheet`` chooses a workbook's sheet by name or 1-based number (by default the server
        reads the first sheet whose header names ``text_column``). ``explain`` asks for the
        words that drove each label in the results (labelling takes longer). Several
        ``text_column`` names read one row per comment and column, with a question column.

        ``content`` is the file's bytes or the file itself opened for binary reading, which
        is streamed (a file of millions of comments never sits in this process's memory);
        an in-memory file (``io.BytesIO``, Streamlit's upload) is sent from where it stands.
        A file over ``DIRECT_UPLOAD_MAX_BYTES`` goes straight to the object store through an
        upload URL when the server offers one (the AWS deployment), then the job starts from
        its key; otherwise it travels inside the request. A file that changes while it is sent
        (an export still being written) is refused with InputError, and nothing is queued."""
        columns = [text_column] if isinstance(text_column, str) else list(text_column)
        data: dict[str, Any] = {"text_column": columns}
        if group_by:
            data["group_by"] = list(group_by)
        if fresh:
            data["fresh"] = "true"
        if sheet:
            data["sheet"] = sheet
        if explain:
            data["explain"] = "true"
        filename = sendable_name(filename)
        size = _size_of(content)
        sent = _as_it_stands(content, filename)
        upload_key = self._upload(sent, filename, size) if size > DIRECT_UPLOAD_MAX_BYTES else None
        if upload_key is not None:
            data.update(upload_key=upload_key, filename=filename)
            body = self._json("POST", "/v1/jobs", data=data, timeout=UPLOAD_TIMEOUT_S)
        else:
            body = self._json(
                "POST",
                "/v1/jobs",
                data=data,
                files={"file": (filename, sent)},
                timeout=UPLOAD_TIMEOUT_S,
            )
        return Submitted(
            request_id=str(body["request_id"]),
            status=str(body.get("status", "queued")),
            reused=bool(body.get("reused", False)),
            other_text_columns=tuple(map(str, body.get("other_text_columns") or ())),
        )

    def status(self, request_id: str) -> JobStatus:
        return _job_status(self._json("GET", _job_path(request_id), request_id=request_id))

    def jobs(self, limit: int = 50) -> list[JobStatus]:
        """This key's jobs, newest first (at most ``limit``, up to the API's 500)."""
        body = self._json("GET", "/v1/jobs", params={"limit": limit})
        return [_job_status(item) for item in body.get("jobs") or []]

    def cancel(self, request_id: str) -> JobStatus:
        return _job_status(self._json("DELETE", _job_path(request_id), request_id=request_id))

    def erase(self, request_id: str) -> JobStatus:
        """Erase the job's comments, labels, results files and analysis (a running job is
        cancelled first); its status stays readable, with ``erased_at``."""
        body = self._json(
            "DELETE", _job_path(request_id), params={"erase": "true"}, request_id=request_id
        )
        return _job_status(body)

    def results_page(self, request_id: str, offset: int = 0, limit: int = MAX_PAGE) -> ResultsPage:
        body = self._json(
            "GET",
            f"{_job_path(request_id)}/results",
            params={"format": "json", "offset": offset, "limit": limit},
            request_id=request_id,
        )
        return ResultsPage(
            request_id=str(body.get("request_id", request_id)),
            status=str(body.get("status", "")),
            columns=list(body.get("columns", [])),
            rows=list(body.get("rows", [])),
            offset=int(body.get("offset", offset)),
            next_offset=body.get("next_offset"),
            available=int(body.get("available", 0)),
            rows_total=int(body.get("rows_total", 0)),
            complete=bool(body.get("complete", False)),
        )

    def iter_results(self, request_id: str, page_size: int = MAX_PAGE) -> Iterator[ResultsPage]:
        """Every finished row, page by page (rows finished while paging are included)."""
        offset: int | None = 0
        while offset is not None:
            page = self.results_page(request_id, offset, page_size)
            yield page
            offset = page.next_offset if page.rows else None

    def results_csv(self, request_id: str, raw: bool = False) -> bytes:
        """The results table as CSV bytes, exactly as the server writes it: formula-escaped
        unless ``raw``; a finished job's file may come from the object store, where the server
        redirects (303)."""
        response = self._send(
            "GET",
            f"{_job_path(request_id)}/results",
            params=_csv_params(raw),
            timeout=UPLOAD_TIMEOUT_S,
            request_id=request_id,
            redirect_ok=True,
        )
        if response.is_redirect:
            return self._from_storage("GET", response.headers["location"]).content
        return response.content

    def download_results(self, request_id: str, target: BinaryIO, raw: bool = False) -> int:
        """Stream the results CSV (as ``results_csv`` gets it) into ``target``, a file opened
        for binary writing, a block at a time; returns the bytes written. A download cut
        half-way raises ApiError, leaving what was written to the caller to discard (the
        CLI's ``writing`` removes its part file)."""
        path = f"{_job_path(request_id)}/results"
        asked = self._http.build_request(
            "GET", path, params=_csv_params(raw), timeout=UPLOAD_TIMEOUT_S
        )
        with self._answer(self._http, asked) as response:
            if response.is_success:
                return _copy_body(response, target)
            if not response.is_redirect:
                _read(response)
                raise error_for_response(response, request_id, self._url_from)
            location = response.headers["location"]
        with self._answer(self._storage, self._to_storage("GET", location)) as stored:
            if not stored.is_success:
                raise _store_error(_read(stored))
            return _copy_body(stored, target)

    def _upload(self, content: bytes | BinaryIO, filename: str, size: int) -> str | None:
        """Send the file to an upload URL from the server; None when it offers none. A ticket
        with form ``fields`` (a presigned POST, whose policy holds the size to the API's
        limit) gets a multipart form of them with the file last, as the field ``file``;
        one without them (an earlier server's PUT URL) the file as the body. A file over the
        ticket's ``max_bytes`` is refused here, as the API refuses it, before any is sent
        (the object store would answer with an error of its own)."""
        response = self._fetch(self._http, self._http.build_request("POST", "/v1/uploads"))
        if response.status_code in _NO_UPLOAD_URLS:
            return None
        if not response.is_success:
            raise error_for_response(response, url_from=self._url_from)
        ticket = self._decoded(response, "/v1/uploads")
        limit = ticket.get("max_bytes")
        if isinstance(limit, int) and size > limit:
            raise LimitExceededError(
                f"the file is {size:,} bytes, over the limit of {limit:,} bytes"
            )
        method, url, fields = str(ticket["method"]), str(ticket["upload_url"]), ticket.get("fields")
        if isinstance(fields, dict):
            form = {str(name): str(value) for name, value in fields.items()}
            self._from_storage(method, url, data=form, files={"file": (filename, content)})
        else:
            self._from_storage(method, url, content=content)
        return str(ticket["upload_key"])

    def _from_storage(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self._fetch(self._storage, self._to_storage(method, url, **kwargs))
        if not response.is_success:
            raise _store_error(response)
        return response

    def _to_storage(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        """A request to an object-store address the API gave (an upload URL, a redirect)."""
        try:
            return self._storage.build_request(method, url, **kwargs)
        except httpx.InvalidURL as exc:
            raise ApiError(f"the API gave an object-store address that is no URL ({exc})") from exc

    def summary(self, request_id: str, group_by: str | None = None) -> Summary:
        params = {"group_by": group_by} if group_by else None
        body = self._json(
            "GET", f"{_job_path(request_id)}/summary", params=params, request_id=request_id
        )
        return Summary(
            request_id=str(body.get("request_id", request_id)),
            status=str(body.get("status", "")),
            labels=list(body.get("labels", [])),
            rows_done=int(body.get("rows_done", 0)),
            rows_total=int(body.get("rows_total", 0)),
            overall=_group_counts(body.get("overall") or {}),
            group_by=body.get("group_by"),
            groups=[_group_counts(item) for item in body.get("groups", [])],
        )

    def aspects(self, request_id: str, group_by: str | None = None) -> dict[str, Any]:
        """What the comments are about: per aspect category the comments mentioning it and
        their polarity, overall and per value of ``group_by`` (the API's JSON as it is)."""
        params = {"group_by": group_by} if group_by else None
        return self._json(
            "GET", f"{_job_path(request_id)}/aspects", params=params, request_id=request_id
        )

    def change(
        self,
        request_id: str,
        since: str,
        group_by: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """What changed in ``request_id`` since the earlier job ``since``: label shares overall
        and per value of ``group_by`` (or of its value ``group`` alone, with its aspects),
        aspects' share negative, each tested (the API's JSON); Conflict while either job has
        not finished."""
        params = {
            "since": since,
            **({"group_by": group_by} if group_by else {}),
            **({"group": group} if group is not None else {}),
        }
        return self._json(
            "GET", f"{_job_path(request_id)}/change", params=params, request_id=request_id
        )

    def trend(
        self, request_ids: Sequence[str], group_by: str | None = None, group: str | None = None
    ) -> dict[str, Any]:
        """How the shares moved over ``request_ids`` (oldest first): label shares overall and
        per value of ``group_by`` (or of its value ``group`` alone, with its aspects), aspects'
        share negative, each tested for a trend (the API's JSON); Conflict while a job has not
        finished."""
        return self._json("GET", "/v1/trend", params=_jobs_query(request_ids, group_by, group))

    def trend_themes(
        self,
        request_ids: Sequence[str],
        label: str,
        group_by: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """Which themes of ``label``'s comments grew or faded over ``request_ids`` (oldest
        first; two for a change): each theme's share of each job's comments, tested for a
        trend (the API's JSON); Conflict while a job has not finished or has no themes."""
        params = {**_jobs_query(request_ids, group_by, group), "label": label}
        return self._json("GET", "/v1/trend/themes", params=params)

    def themes(
        self,
        request_id: str,
        label: str | None = None,
        aspect: str | None = None,
        group_by: str | None = None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """A finished job's themes (Conflict before it has finished), only of ``label`` or
        ``aspect`` if given; ``group`` (a value of ``group_by``) re-clusters that group alone."""
        asked = {"label": label, "aspect": aspect, "group_by": group_by, "group": group}
        params = {name: value for name, value in asked.items() if value is not None}
        return self._json(
            "GET", f"{_job_path(request_id)}/themes", params=params, request_id=request_id
        )

    def flagged(
        self,
        request_id: str,
        group_by: str | None = None,
        group: str | None = None,
        offset: int = 0,
        limit: int = 100,
        kinds: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The comments a report screens before release (``GET /flagged``): withheld ones
        (threats, distress, abusive) first, then those with a personal detail masked; with
        ``group``, a value of ``group_by``, only that group's; with ``kinds``, only those."""
        asked = {
            "group_by": group_by,
            "group": group,
            "offset": offset,
            "limit": limit,
            "kinds": ",".join(kinds) or None,
        }
        params = {name: value for name, value in asked.items() if value is not None}
        return self._json(
            "GET", f"{_job_path(request_id)}/flagged", params=params, request_id=request_id
        )

    def every_flagged(
        self,
        request_id: str,
        group_by: str | None = None,
        group: str | None = None,
        most: int | None = None,
        page_size: int = MAX_PAGE,
        kinds: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``flagged`` with every page, or the first ``most`` comments, in ``comments``."""
        body = self.flagged(request_id, group_by, group, 0, page_size, kinds)
        comments = list(body["comments"])
        page = comments
        while len(page) == page_size and (most is None or len(comments) < most):
            offset = len(comments)
            page = self.flagged(request_id, group_by, group, offset, page_size, kinds)["comments"]
            comments += page
        kept = comments if most is None else comments[:most]
        return {**body, "offset": 0, "limit": len(kept), "comments": kept}

    def ratings(
        self,
        request_id: str,
        column: str | None,
        group_by: str | None = None,
        scale: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> dict[str, Any]:
        """How a rating column of the job's input and its comments agree (``GET
        /ratings``): overall and per value of ``group_by``, with a page of the comments that
        contradict their own rating; ``scale`` (``1-5``, ``5-1``) overrides the one told
        from the values."""
        asked = {
            "column": column,
            "group_by": group_by,
            "scale": scale,
            "offset": offset,
            "limit": limit,
        }
        params = {name: value for name, value in asked.items() if value is not None}
        return self._json(
            "GET", f"{_job_path(request_id)}/ratings", params=params, request_id=request_id
        )

    def report(
        self,
        request_id: str,
        group_by: str | None = None,
        report_format: str = "pdf",
        group: str | None = None,
        since: str | None = None,
        trend: Sequence[str] = (),
        screen: bool = True,
        rating: str | None = None,
    ) -> bytes:
        """A finished job's report by ``group_by`` (default: the job's first group-by column),
        or of its value ``group`` alone, as PDF or self-contained HTML bytes, with what
        changed since the earlier job ``since`` and the trend through the earlier jobs
        ``trend`` (oldest first), with the rating column ``rating`` against the comments;
        screened before release unless ``screen`` is False.
        Conflict while the job has not succeeded. ``Accept`` names the format, so API Gateway
        hands a PDF over as binary."""
        params = {
            "format": report_format,
            **({"group_by": group_by} if group_by else {}),
            **({"group": group} if group is not None else {}),
            **({"since": since} if since else {}),
            **({"trend": ",".join(trend)} if trend else {}),
            **({} if screen else {"screen": "false"}),
            **({"rating": rating} if rating else {}),
        }
        accept = "application/pdf" if report_format == "pdf" else "text/html"
        response = self._send(
            "GET",
            f"{_job_path(request_id)}/report",
            params=params,
            headers={"Accept": accept},
            timeout=UPLOAD_TIMEOUT_S,
            request_id=request_id,
        )
        return response.content

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._decoded(self._send(method, path, **kwargs), path)

    def _decoded(self, response: httpx.Response, path: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise ApiError(
                f"the API at {self.base_url} answered {path} with something that is not JSON; "
                f"is {self._url_from} the address of the pipeline's API?"
            ) from exc
        if not isinstance(body, dict):
            raise ApiError(f"the API at {self.base_url} answered {path} with unexpected JSON")
        return body

    def _send(
        self,
        method: str,
        path: str,
        *,
        request_id: str | None = None,
        redirect_ok: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        response = self._fetch(self._http, self._http.build_request(method, path, **kwargs))
        if response.is_success or (redirect_ok and response.is_redirect):
            return response
        raise error_for_response(response, request_id, self._url_from)

    def _fetch(self, client: httpx.Client, request: httpx.Request) -> httpx.Response:
        """The whole answer, its body read (a body cut half-way is ApiError, not kept)."""
        with self._answer(client, request) as response:
            return _read(response)

    @contextmanager
    def _answer(self, client: httpx.Client, request: httpx.Request) -> Iterator[httpx.Response]:
        """The answer with its body still to come, closed after: a server that does not
        answer (refused, no answer in time) is ApiUnreachable; one that answers has its
        status, and a body that stops coming is told apart (``_read``, ``_copy_body``)."""
        try:
            response = client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise self._unanswered(client, request, exc) from exc
        try:
            yield response
        finally:
            response.close()

    def _unanswered(
        self, client: httpx.Client, request: httpx.Request, exc: httpx.TransportError
    ) -> ApiUnreachable:
        """A timeout says after how long (the server may be working on it still); anything
        else is a server that cannot be reached, and only for the API can we say where to
        look."""
        whom = f"the API at {self.base_url}" if client is self._http else "the object store"
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            sending = isinstance(exc, httpx.WriteTimeout)
            what = "took in none of the request" if sending else "gave no answer"
            return ApiUnreachable(
                f"{whom} {what} within {_limit_s(request, exc):g} s (the client's timeout); "
                "it may still be working on it: try again later"
            )
        if isinstance(exc, httpx.ConnectTimeout):
            reason = f"no connection within {_limit_s(request, exc):g} s"
        else:
            reason = _reason(exc)
        hint = (
            f"; check that it is running (sentiment-pipeline up) and that {self._url_from} "
            "points to it"
            if client is self._http
            else ""
        )
        return ApiUnreachable(f"{whom} cannot be reached ({reason}){hint}")


def _limit_s(request: httpx.Request, exc: httpx.TimeoutException) -> float:
    """The timeout that ran out, as the request carried it."""
    phase = {httpx.ConnectTimeout: "connect", httpx.WriteTimeout: "write"}.get(type(exc), "read")
    limit = request.extensions.get("timeout", {}).get(phase)
    return float(limit) if limit is not None else DEFAULT_TIMEOUT_S


def sendable_name(filename: str) -> str:
    """``filename`` as it can travel in a request (UTF-8): a name read from a disk whose bytes
    are not UTF-8 (a Latin-1 ``lat\\xe9.csv`` from a Windows export or a Samba share, which
    Python holds as lone surrogates) with each undecodable byte as U+FFFD; the job shows its
    name only, and the file's content is sent as it is."""
    return _SURROGATE.sub("\ufffd", filename)


_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone surrogate: no UTF-8 text holds one (an undecodable byte of a file name does)."""


def _size_of(content: bytes | BinaryIO) -> int:
    """Bytes left to send: the length of ``bytes``, or of a file from where it stands, found
    by seeking (an ``io.BytesIO`` has no file number); InputError for a stream that cannot
    seek, whose size nothing tells before it is read, and for what is no file's bytes (a
    notebook's DataFrame, CSV text, a file opened as text), saying what to pass instead."""
    if isinstance(content, bytes | bytearray):
        return len(content)
    if isinstance(content, str | io.TextIOBase) or not hasattr(content, "read"):
        raise InputError(_not_bytes(content))
    try:
        here = content.tell()
        end = content.seek(0, io.SEEK_END)
        content.seek(here)
    except (AttributeError, OSError) as exc:  # io.UnsupportedOperation is an OSError
        raise InputError(
            "the file to submit cannot be sent: give its bytes or a file opened for binary "
            f"reading that can seek, not a stream ({type(content).__name__})"
        ) from exc
    except ValueError as exc:  # what a closed file says
        raise InputError(f"the file to submit cannot be read: {exc}; open it again") from exc
    return end - here


def _as_it_stands(content: bytes | BinaryIO, name: str) -> bytes | BinaryIO:
    """What to send of ``content`` (checked by ``_size_of``): its bytes, or the file from where
    it stands, refused if it changes meanwhile (``_AsItStood``, which httpx reads as a file)."""
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    return cast(BinaryIO, _AsItStood(content, name))


class _AsItStood(io.RawIOBase):
    """The bytes of ``file`` from where it stood when the upload began to its end then, read as
    they are sent. A file that grows, shrinks or is written to meanwhile (an export still being
    written or rewritten: cron fired before it was done) is refused with InputError before the
    last of it goes, so the request never ends and nothing is queued. Unchecked, the body
    would differ from the length the request declared, and h11 would refuse it with an error
    of its own, out of the client, or a mix of two versions would be labelled."""

    def __init__(self, file: BinaryIO, name: str) -> None:
        super().__init__()
        self._file = file
        self._name = name
        self._start = file.tell()
        self._began = _state(file)
        self._size = self._began[0] - self._start
        self._at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Within the bytes to send (httpx seeks to the end for their length, then back)."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._size}[whence]
        self._at = min(max(base + offset, 0), self._size)
        self._file.seek(self._start + self._at)
        return self._at

    def read(self, size: int = -1) -> bytes:
        wanted = self._size - self._at if size < 0 else min(size, self._size - self._at)
        block = self._file.read(wanted) if wanted else b""
        if wanted and not block:  # the end came early: the file shrank
            raise self._changed()
        self._at += len(block)
        if self._at == self._size and _state(self._file) != self._began:
            raise self._changed()
        return block

    def _changed(self) -> InputError:
        began, now = self._began[0], _state(self._file)[0]
        told = f"{now:,} now" if now != began else "written to since"
        return InputError(
            f"{self._name} changed while it was being sent ({began:,} bytes when the upload "
            f"began, {told}), and was not submitted: a file still being written (an export "
            "that has not finished) cannot be sent whole. Submit it again once it is complete"
        )


def _state(file: BinaryIO) -> tuple[int, int | None]:
    """The file's length, and for a file on disk when it was last written (an in-memory file
    has no file number)."""
    here = file.tell()
    length = file.seek(0, io.SEEK_END)
    file.seek(here)
    try:
        written: int | None = os.fstat(file.fileno()).st_mtime_ns
    except OSError:  # io.UnsupportedOperation: io.BytesIO
        written = None
    return length, written


def _not_bytes(content: object) -> str:
    """What to pass instead of ``content``: httpx would send a DataFrame's repr, or fail on
    text with a TypeError of its own."""
    kind = type(content).__name__
    if isinstance(content, str):
        what = "a str (text or a path)"
    elif isinstance(content, io.TextIOBase):
        what = f"a file opened as text ({kind})"
    else:
        what = f"a {kind}"
    return (
        f"the file to submit must be its bytes or a file opened for binary reading, not {what}: "
        "pass open(path, 'rb') or Path(path).read_bytes() for a file on disk, "
        "io.BytesIO(text.encode('utf-8')) for CSV text, or "
        "io.BytesIO(frame.to_csv(index=False).encode('utf-8')) for a pandas DataFrame, "
        "with a file name ending in .csv"
    )


def _read(response: httpx.Response) -> httpx.Response:
    """``response`` with its body read; ApiError when the body stops half-way or cannot be
    decoded (the server answered: it is no unreachable API), and nothing of it is kept."""
    try:
        response.read()
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise _cut(response, exc, "nothing of it was kept") from exc
    return response


def _copy_body(response: httpx.Response, target: BinaryIO) -> int:
    written = 0
    try:
        for block in response.iter_bytes(_DOWNLOAD_BLOCK):
            target.write(block)
            written += len(block)
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raise _cut(response, exc, "what was written is incomplete") from exc
    return written


def _cut(response: httpx.Response, exc: httpx.RequestError, left: str) -> ApiError:
    expected = response.headers.get("content-length", "")
    of = f" of {int(expected):,}" if expected.isdigit() else ""
    return ApiError(
        f"the download from {response.request.url.host} was cut after "
        f"{response.num_bytes_downloaded:,}{of} bytes ({_reason(exc)}); {left}: try again"
    )


def _store_error(response: httpx.Response) -> ApiError:
    return ApiError(
        f"the object store answered HTTP {response.status_code}: {response.text.strip()[:300]}"
    )


def error_for_response(
    response: httpx.Response, request_id: str | None = None, url_from: str = "PIPELINE_API_URL"
) -> PipelineError:
    """The ``pipeline.errors`` class for an HTTP error, carrying the server's message.

    The status picks the family; the body's ``error`` code (``missing_column``…) narrows it
    to the server's own class when that class belongs to the family. ``url_from`` names
    where the API's address came from, for an address that is no route of the API."""
    error = _error_by_status(response, request_id, url_from)
    narrower = _ERRORS_BY_CODE.get(_error_code(response), type(error))
    if narrower is type(error) or not issubclass(narrower, type(error)):
        return error
    if isinstance(error, ServiceUnavailableError):  # the server's hint, else the narrower's
        return narrower(str(error), _retry_after_s(response))
    return narrower(str(error))


def _error_by_status(
    response: httpx.Response, request_id: str | None, url_from: str
) -> PipelineError:
    code = response.status_code
    message = server_message(response)
    if code in (401, 403):
        return Unauthorized(
            message or "the API refused the request: set a valid key in PIPELINE_API_KEY"
        )
    if code == 404:
        if _no_route(response, message):
            return NotFoundError(_wrong_address(response, url_from))
        if request_id is not None:
            return JobNotFound(message or f"no job with request id {request_id!r}")
        return NotFoundError(message or f"{response.request.url.path} does not exist")
    if code == 409:
        return Conflict(message or "the request contradicts the job's state")
    if code == 410:
        return JobErased(message or "the job's comments and results were erased")
    if code == 413:
        return LimitExceededError(message or "the upload is over the API's size limit")
    if code == 429 and message == QUOTA_SPENT:
        return QuotaExceeded(
            "this API key's request quota is used up (HTTP 429: Limit Exceeded, API Gateway's "
            "usage plan): every call of the key is refused until the quota resets, midnight "
            "UTC for the stack's daily quota; the operator can raise ApiRequestsPerKeyPerDay "
            "or give each person a key of their own"
        )
    if code in _NOT_NOW:  # a 503 is narrowed by its code: database_locked, disk_full…
        said = message if code == 503 else ""
        if not said:
            detail = f": {message}" if message else ""
            said = f"{_NOT_NOW[code]} (HTTP {code}{detail}); try again shortly"
        return ServiceUnavailableError(said, _retry_after_s(response))
    if 400 <= code < 500:
        return InputError(message or f"the API refused the request (HTTP {code})")
    if code == 501:  # the server lacks a feature (WeasyPrint for PDF reports): its detail says
        return Unsupported(message or "this deployment of the API cannot do that (HTTP 501)")
    return ApiError(f"the API failed with HTTP {code}" + (f": {message}" if message else ""))


def _no_route(response: httpx.Response, message: str) -> bool:
    """A 404 for an address the API has no route for (the framework's, or a gateway's, plain
    "Not Found"), not for a job or object it lacks (``job_not_found``, or a detail naming
    what is missing): an API address with a path after it (``…/v1``, ``…/api``) asks for
    ``/v1/v1/jobs/…``, and every call would otherwise read as a job that does not exist."""
    return message == ROUTE_NOT_FOUND and _error_code(response) in ("", "not_found")


def _wrong_address(response: httpx.Response, url_from: str) -> str:
    request = response.request
    return (
        f"{request.method} {request.url.copy_with(query=None)} is no address of the pipeline's "
        f"API (HTTP 404: {ROUTE_NOT_FOUND}): check that {url_from} is the API's address as "
        "`sentiment-pipeline up` or the stack's ApiUrl gives it (such as "
        "http://127.0.0.1:8000), with no /v1 or /api after it"
    )


def _retry_after_s(response: httpx.Response) -> int | None:
    """The server's ``Retry-After`` in whole seconds (a number of seconds, or an HTTP date
    from now on); None when it sent none that reads, so the error class's default holds."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, math.ceil((when - datetime.now(UTC)).total_seconds()))


def server_message(response: httpx.Response) -> str:
    """The message of a JSON error body (``message``, ``detail`` or ``error``), else its text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500]
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error"):
            if body.get(key):
                return _flatten(body[key])
    return _flatten(body)


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, Mapping) else ""


def _all_errors(kind: type[PipelineError]) -> list[type[PipelineError]]:
    return [kind, *(sub for child in kind.__subclasses__() for sub in _all_errors(child))]


_ERRORS_BY_CODE = {code_of(kind): kind for kind in _all_errors(PipelineError)}


def _flatten(detail: Any) -> str:
    """FastAPI's validation errors are a list of {loc, msg}; say which field and what is wrong."""
    if isinstance(detail, list):
        return "; ".join(_flatten(item) for item in detail)
    if isinstance(detail, Mapping) and "msg" in detail:
        where = [str(part) for part in detail.get("loc", ()) if part not in ("body", "query")]
        return f"{'.'.join(where)}: {detail['msg']}" if where else str(detail["msg"])
    if isinstance(detail, Mapping) and "message" in detail:
        return str(detail["message"])
    return str(detail)


def _reason(exc: httpx.RequestError) -> str:
    if isinstance(exc, httpx.DecodingError):  # a body its Content-Encoding does not describe
        return f"what came could not be decoded: {exc}"
    if isinstance(exc, httpx.TimeoutException):  # only a body's: see _unanswered
        return "the rest did not come in time"
    if isinstance(exc, httpx.LocalProtocolError):  # its text quotes the header: the key
        return "the request could not be built: a header holds a character HTTP does not allow"
    return str(exc) or type(exc).__name__


def usable_key(api_key: str) -> str:
    """The key to send: spaces and line breaks around it dropped (a key pasted from a file or
    a mail often ends in one). ConfigError, never quoting the key, when what is left holds a
    character no key has (a space inside, a typographic quote, a letter outside ASCII): sent,
    it would fail in a message that prints the whole secret."""
    key = api_key.strip()
    if any(not 33 <= ord(character) <= 126 for character in key):
        raise ConfigError(
            "the API key holds a character no key has (a space or line break inside it, a "
            "typographic quote mark, a letter outside ASCII): set PIPELINE_API_KEY (or the "
            "key field) to the key exactly as `sentiment-pipeline keys create` printed it"
        )
    return key


def _csv_params(raw: bool) -> dict[str, str]:
    """Only a raw download names ``raw``: a server from before formula escaping knows no such
    parameter (and ignores it)."""
    return {"format": "csv", "raw": "true"} if raw else {"format": "csv"}


def _job_path(request_id: str) -> str:
    """The job's path; JobNotFound, without asking the API, for what is no request id (the
    API would refuse it with its validation text)."""
    if not REQUEST_ID.fullmatch(request_id):
        raise JobNotFound(f"{request_id[:80]!r} is not a request id")
    return f"/v1/jobs/{request_id}"


def _jobs_query(
    request_ids: Sequence[str], group_by: str | None, group: str | None
) -> dict[str, str]:
    """The query of a request over several jobs in order (a trend, its themes)."""
    return {
        "jobs": ",".join(request_ids),
        **({"group_by": group_by} if group_by else {}),
        **({"group": group} if group is not None else {}),
    }


def _job_status(body: Mapping[str, Any]) -> JobStatus:
    return JobStatus(
        request_id=str(body["request_id"]),
        status=str(body["status"]),
        rows_total=int(body.get("rows_total") or 0),
        rows_done=int(body.get("rows_done") or 0),
        rows_failed=int(body.get("rows_failed") or 0),
        rows_per_s=_float_or_none(body.get("rows_per_s")),
        eta_s=_float_or_none(body.get("eta_s")),
        error=body.get("error"),
        input_name=str(body.get("input_name") or ""),
        input_format=str(body.get("input_format") or ""),
        input_options=dict(body.get("input_options") or {}),
        text_column=str(body.get("text_column") or ""),
        group_by=tuple(body.get("group_by") or ()),
        labels=tuple(body.get("labels") or ()),
        model_version=body.get("model_version"),
        low_confidence=_float_or_none(body.get("low_confidence")),
        worker_seconds=float(body.get("worker_seconds") or 0.0),
        cost_usd=float(body.get("cost_usd") or 0.0),
        created_at=body.get("created_at"),
        started_at=body.get("started_at"),
        finished_at=body.get("finished_at"),
        explain=bool(body.get("explain", False)),
        labelled_at=body.get("labelled_at"),
        erased_at=body.get("erased_at"),
        insights_done=_int_or_none(body.get("insights_done")),
        waiting_for_worker=bool(body.get("waiting_for_worker", False)),
        queued_ahead=_int_or_none(body.get("queued_ahead")),
        jobs_running=_int_or_none(body.get("jobs_running")),
        api=dict(body),
    )


def _group_counts(body: Mapping[str, Any]) -> GroupCounts:
    group = body.get("group")
    return GroupCounts(
        group=None if group is None else str(group),
        rows=int(body.get("rows") or 0),
        errors=int(body.get("errors") or 0),
        counts={str(k): int(v) for k, v in (body.get("counts") or {}).items()},
        shares={str(k): _float_or_none(v) for k, v in (body.get("shares") or {}).items()},
        mean_scores={str(k): _float_or_none(v) for k, v in (body.get("mean_scores") or {}).items()},
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
