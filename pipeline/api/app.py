"""The FastAPI app: each route authenticates, calls one service function, returns its dict.

OpenAPI docs are at /docs and /redoc, served with their assets from this process (they work
offline); every status a route can answer is in its ``responses=`` (``pipeline.api.openapi``).
A request's body is read only after its key is checked and never past the upload limit
(``pipeline.api.body_guard``); an upload is spooled to a file of the data folder's scratch
(``pipeline.scratch``) with the limit enforced while reading, then submitted like any other file.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi import Path as PathParameter
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from pipeline import __version__, scratch, service
from pipeline.api.body_guard import BodyGuard
from pipeline.api.common import (
    HEALTH,
    HEALTH_LIVE,
    HEALTH_READY,
    JOB_COMPLETE,
    JOBS,
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
    visible_health,
)
from pipeline.api.docs_pages import install_docs_pages
from pipeline.api.fastapi_errors import install_error_handlers
from pipeline.api.local_only import FORBIDDEN, install_local_only
from pipeline.api.openapi import (
    AspectsBody,
    ChangeBody,
    FlaggedBody,
    HealthBody,
    JobBody,
    JobsBody,
    LiveBody,
    RatingsBody,
    ResultsPageBody,
    SubmissionBody,
    SummaryBody,
    ThemesBody,
    ThemeTrendBody,
    TrendBody,
    UploadTicketBody,
    answers,
    body_answer,
    csv_answers,
    form_needs_one_of,
    health_answers,
    install_openapi,
)
from pipeline.api.rendered_json import json_response
from pipeline.api.slow_clients import HeadLimit
from pipeline.bootstrap import Backend
from pipeline.group_names import NAMES_NOTE
from pipeline.report.job import ReportFormat, report_file
from pipeline.request_id import REQUEST_ID_PATTERN
from pipeline.service import insights
from pipeline.service.change import change_summary
from pipeline.service.flagged import flagged_comments
from pipeline.service.keys import (
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

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

REPORT_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the report: self-contained HTML (format=html) or a PDF (format=pdf)",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
"""What the OpenAPI document says the report route answers when it succeeds."""


ApiKey = Annotated[str | None, Header(alias=HEADER)]
RequestId = Annotated[
    str, PathParameter(pattern=REQUEST_ID_PATTERN, description="from POST /v1/jobs")
]
TrendJobs = Annotated[
    str,
    Query(
        pattern=TREND_JOBS_PATTERN,
        description="the jobs' request ids separated by commas, oldest first (terms in "
        "order): 2 to 12 of them",
    ),
]
OneGroup = Annotated[
    str | None,
    Query(
        description="one value of group_by: that group alone, its labels and aspects, tested "
        f"as a family of their own ({NAMES_NOTE})"
    ),
]


def _caller(request: Request) -> str:
    """The caller's owner id from its one X-API-Key header (``anonymous`` only where no key is
    required): what every route and the body guard (``pipeline.api.body_guard``) check."""
    query = request.query_params.multi_items()
    refuse_key_in_query(query)
    refuse_key_in_path(request.scope["path"])
    refuse_repeated_query(query)
    state = request.app.state
    presented = presented_key(request.headers.getlist(HEADER))
    return service.authenticate(
        state.backend, presented, state.keys_required, state.closes_once_keyed
    )


def _owner(request: Request, api_key: ApiKey = None) -> str:
    """The caller's owner id (``_caller``). ``api_key`` puts the header in the OpenAPI
    document; its value is not used, as it holds only the first of several headers."""
    return _caller(request)


def _check_sender(request: Request) -> None:
    """Before a route's body is read: the key check its ``Owner`` makes (every route that
    takes a POST needs an owner), then that the body is not compressed (415). A request no
    route takes is left to the router (404, 405), as on the API Gateway edge."""
    routes = request.app.router.routes
    if any(_takes(route, request.scope) for route in routes):
        _caller(request)
        refuse_encoded_body(request.headers.get("content-encoding"))


def _takes(route: BaseRoute, scope: Scope) -> bool:
    """Whether ``route`` is one of the API's routes and answers this path and method."""
    return isinstance(route, APIRoute) and route.matches(scope)[0] is Match.FULL


Owner = Annotated[str, Depends(_owner)]


async def _one_file(request: Request) -> None:
    """The form the framework has parsed (and kept) holds one ``file`` part at most, and as a
    file: the framework would read the last of several and drop the others, and refuse a
    text field in words naming a Python type."""
    parts = (await request.form()).getlist("file")
    texts = sum(isinstance(part, str) for part in parts)
    check_file_parts(len(parts) - texts, texts)


def create_app(
    backend: Backend,
    lifespan: Lifespan | None = None,
    on_submitted: Callable[[], None] | None = None,
    require_keys: bool | None = None,
    local_only: bool = False,
) -> FastAPI:
    """The API over ``backend``; ``on_submitted`` runs after every accepted submission (``up``
    wakes its master with it, so a new job does not wait for the next reconcile tick).
    ``require_keys`` defaults to what PIPELINE_AUTH says for PIPELINE_API_HOST; it is fixed
    for the app's life, whatever keys are created or revoked meanwhile. ``local_only`` (a
    keyless API on a loopback address: ``serve``) refuses requests addressed to, or sent by a
    page of, another host (``pipeline.api.local_only``), which every route documents.

    A path with a trailing slash is not redirected to the route without it (a redirect built
    from the Host header, before the key check, that a client follows by sending its upload
    again): it is a 404, as on the API Gateway edge."""
    app = FastAPI(
        title="Comment Sentiment Pipeline",
        version=__version__,
        description="Submit files of comments, poll by request id, read labelled results.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        responses=answers(FORBIDDEN) if local_only else None,
    )
    quiet_form_parser()
    scratch.sweep(backend.settings.data_dir)  # uploads an API killed mid-submit left
    install_openapi(app)
    install_docs_pages(app)
    app.state.backend = backend
    settings = backend.settings
    if require_keys is None:
        require_keys = keys_required(settings.auth, settings.api_host)
    app.state.keys_required = require_keys
    app.state.closes_once_keyed = not require_keys and settings.auth == "auto"
    install_error_handlers(app)
    limit = backend.settings.max_upload_bytes
    app.add_middleware(
        BodyGuard,
        max_bytes=limit,
        allowance=limit + SPOOL_BLOCK,  # multipart framing around the file
        check_sender=_check_sender,
    )
    if local_only:
        install_local_only(app)
    app.add_middleware(HeadLimit)  # outermost: before the body guard reads who is sending

    @app.get(HEALTH, response_model=HealthBody, responses=health_answers())
    @app.get(HEALTH_READY, response_model=HealthBody, responses=health_answers())
    def health(request: Request, api_key: ApiKey = None) -> JSONResponse:
        """Readiness: 200 when the database, object store and queue answer, else 503 naming the
        one that is down. Without a valid key only ``status`` is shown."""
        refuse_key_in_query(request.query_params.multi_items())
        presented = presented_key(request.headers.getlist(HEADER))  # two headers are refused
        report = service.check_health(backend)
        authenticated = bool(presented) and key_checked(
            lambda: service.authenticate(backend, presented, require_keys)
        )
        status, headers = health_status(report)
        body = visible_health(health_body(backend, report), authenticated)
        return JSONResponse(body, status, headers=headers)

    @app.get(HEALTH_LIVE, response_model=LiveBody)
    def live() -> dict[str, str]:
        """Liveness: the process answers; no dependency is consulted."""
        return {"status": "ok"}

    @app.post(
        UPLOADS,
        status_code=201,
        response_model=None,
        responses={
            **body_answer(UploadTicketBody, "where to upload the file", 201),
            **answers(401, 413, 415, 422, 501, 503),
        },
    )
    def upload_url(who: Owner) -> dict[str, Any]:
        """A presigned upload form for a file over the API's request limit (S3 store only)."""
        return service.request_upload(backend, who).to_dict()

    @app.post(
        JOBS,
        status_code=202,
        response_model=None,
        responses={
            **body_answer(SubmissionBody, "the job to poll", 202),
            **answers(400, 401, 408, 409, 413, 415, 422, 503),
        },
        openapi_extra=form_needs_one_of("file", "upload_key"),
        dependencies=[Depends(_one_file)],
    )
    def submit_job(
        who: Owner,
        file: Annotated[
            UploadFile | None,
            File(
                description="CSV, XLSX, ODS or one-per-line TXT; a text file's encoding is "
                "detected: UTF-8 (with or without a byte order mark), UTF-16 (with one), "
                "else a Windows code page (Western, Chinese, Japanese, Korean) or Mac Roman"
            ),
        ] = None,
        upload_key: Annotated[
            str | None, Form(description="instead of file: the key from POST /v1/uploads")
        ] = None,
        filename: Annotated[str | None, Form(description="the uploaded file's name")] = None,
        text_column: Annotated[
            list[str] | None,
            Form(
                description="the comment column; repeated for several (each row's answers to "
                "several open questions), read as one row per comment with a question column"
            ),
        ] = None,
        group_by: Annotated[list[str] | None, Form(description="columns to summarise by")] = None,
        fresh: Annotated[bool, Form(description="run again even if identical")] = False,
        explain: Annotated[
            bool,
            Form(description="also store the words that drove each label (slower to label)"),
        ] = False,
        sheet: Annotated[
            str | None,
            Form(
                description="XLSX and ODS only: the sheet, by name or 1-based number, or * "
                "for every sheet whose header names text_column, read as one table with a sheet "
                "column (default: the first such sheet)"
            ),
        ] = None,
    ) -> dict[str, Any]:
        with scratch.folder(backend.settings.data_dir, "upload") as folder:
            limit = backend.settings.max_upload_bytes
            submission = submit_upload(
                backend,
                who,
                file=None if file is None else spool(file.file, folder / "upload", limit),
                file_name=None if file is None else file.filename,
                upload_key=upload_key,
                filename=filename,
                text_column=text_column or [],
                group_by=group_by_fields(group_by or []),
                fresh=fresh,
                sheet=sheet,
                explain=explain,
            )
        if on_submitted is not None:
            on_submitted()
        return submission.to_dict()

    @app.get(
        JOBS,
        response_model=None,
        responses={**body_answer(JobsBody, "the caller's jobs"), **answers(401, 422, 503)},
    )
    def list_jobs(who: Owner, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
        return {"jobs": [job.to_dict() for job in service.list_jobs(backend, who, limit)]}

    @app.get(
        JOBS + "/{request_id}",
        response_model=None,
        responses={**body_answer(JobBody, "the job's status"), **answers(401, 404, 422, 503)},
    )
    def job_status(request_id: RequestId, who: Owner) -> dict[str, Any]:
        return service.get_status(backend, request_id, who).to_dict()

    @app.get(
        JOBS + "/{request_id}/results",
        response_model=None,
        responses={**csv_answers(ResultsPageBody), **answers(401, 404, 410, 422, 503)},
        description="A page of rows as JSON, or with format=csv the results CSV. The CSV of a "
        "job that has not succeeded (queued, running, cancelled or failed) holds the rows "
        f"labelled so far only: its {JOB_COMPLETE} header says false and its file name ends "
        f"-results-partial.csv; a finished job's says true ({JOB_COMPLETE} is on the CSV the "
        "API sends itself, not on a 303 to a stored file, which only a finished job has).",
    )
    def job_results(
        request_id: RequestId,
        who: Owner,
        format: Literal["json", "csv"] = "json",
        raw: Annotated[
            bool, Query(description="CSV only: cells as stored, without formula escaping")
        ] = False,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> Response:
        if format == "csv":
            url = service.results_url(backend, request_id, who, raw=raw)
            if url is not None:  # a finished job on S3: the client downloads it from there
                return RedirectResponse(url, status_code=303)
            job, blocks = service.results_csv(backend, request_id, who, raw)
            return StreamingResponse(
                blocks, media_type="text/csv; charset=utf-8", headers=csv_headers(job)
            )
        page = service.results_page(backend, request_id, who, offset, limit)
        return json_response(page.to_dict(), listed="rows")  # here, off the event loop

    @app.get(
        JOBS + "/{request_id}/summary",
        response_model=None,
        responses={
            **body_answer(SummaryBody, "label counts overall and per group"),
            **answers(400, 401, 404, 410, 422, 503),
        },
    )
    def job_summary(
        request_id: RequestId, who: Owner, group_by: str | None = None
    ) -> dict[str, Any]:
        return service.summary(backend, request_id, who, group_by or None).to_dict()

    @app.get(
        JOBS + "/{request_id}/aspects",
        response_model=None,
        responses={
            **body_answer(AspectsBody, "comments per aspect and polarity, overall and per group"),
            **answers(400, 401, 404, 409, 410, 422, 503),
        },
    )
    def job_aspects(
        request_id: RequestId,
        who: Owner,
        group_by: Annotated[
            str | None, Query(description="also count per value of this input column")
        ] = None,
    ) -> dict[str, Any]:
        """What the comments are about: per aspect category (teaching, exams…) the labelled
        comments that mention it and their polarity towards it, with 95 % intervals; per group
        too with ``group_by``. Partial while the job runs (``complete`` false); 409 for a job
        labelled without aspects."""
        return insights.aspect_summary(backend, who, request_id, group_by or None)

    @app.get(
        JOBS + "/{request_id}/themes",
        response_model=None,
        responses={
            **body_answer(ThemesBody, "the themes, each with keywords, quotes and counts"),
            **answers(400, 401, 404, 409, 410, 422, 503),
        },
    )
    def job_themes(
        request_id: RequestId,
        who: Owner,
        label: Annotated[str | None, Query(description="only this label's themes")] = None,
        aspect: Annotated[
            str | None, Query(description="only comments about this aspect category")
        ] = None,
        group_by: Annotated[
            str | None, Query(description="count each theme per value of this column")
        ] = None,
        group: Annotated[
            str | None,
            Query(
                description=f"with group_by: re-cluster only this value's comments ({NAMES_NOTE})"
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Sub-themes of a finished job's comments (409 until it has finished): clusters of
        similar comments per label with their keywords and most central quotes; the same
        themes on every call."""
        return insights.theme_summary(
            backend,
            who,
            request_id,
            label=label or None,
            aspect=aspect or None,
            group_by=group_by or None,
            group=group,
        )

    @app.get(
        JOBS + "/{request_id}/flagged",
        response_model=None,
        responses={
            **body_answer(FlaggedBody, "the flagged comments and what a report does with each"),
            **answers(400, 401, 404, 410, 422, 503),
        },
    )
    def job_flagged(
        request_id: RequestId,
        who: Owner,
        group_by: Annotated[
            str | None, Query(description="name each comment's value of this column")
        ] = None,
        group: Annotated[
            str | None,
            Query(description=f"with group_by: only this value's comments ({NAMES_NOTE})"),
        ] = None,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        kinds: Annotated[
            str | None,
            Query(description="only these kinds, comma-separated (threat,distress); default all"),
        ] = None,
    ) -> dict[str, Any]:
        """The comments a report screens before release: the abusive ones and those with
        words of self-harm or a threat (left out of every report) and those with a personal
        detail such as an e-mail address or a student number (masked). For the person who
        releases the reports to read and act on; partial while the job runs."""
        return flagged_comments(
            backend, who, request_id, group_by or None, group, offset, limit, kinds
        )

    @app.get(
        JOBS + "/{request_id}/ratings",
        response_model=None,
        responses={
            **body_answer(RatingsBody, "the rating column against the comments, per group"),
            **answers(400, 401, 404, 410, 422, 503),
        },
    )
    def job_ratings(
        request_id: RequestId,
        who: Owner,
        column: Annotated[
            str | None,
            Query(description="the input column of ratings (numbers or a Likert scale's words)"),
        ] = None,
        group_by: Annotated[
            str | None, Query(description="figures per value of this column")
        ] = None,
        scale: Annotated[
            str | None,
            Query(description="worst-best: 1-5, or 5-1 where 1 is best; default: from the values"),
        ] = None,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any]:
        """Do the comments say what the ratings say? A closed question of the file (a column
        of 1-5 or of Strongly agree … Strongly disagree) against the comments' sentiment:
        the mean rating, Spearman's correlation, a scale that reads reversed, and the comments
        that contradict their own rating, the clearest first. Partial while the job runs."""
        return rating_summary(
            backend, who, request_id, column, group_by or None, scale or None, offset, limit
        )

    @app.get(
        JOBS + "/{request_id}/change",
        response_model=None,
        responses={
            **body_answer(ChangeBody, "each share in the earlier job and in this one, tested"),
            **answers(400, 401, 404, 409, 410, 422, 503),
        },
    )
    def job_change(
        request_id: RequestId,
        who: Owner,
        since: Annotated[
            str,
            Query(
                pattern=REQUEST_ID_PATTERN,
                description="the earlier job's request id (last term's, say)",
            ),
        ],
        group_by: Annotated[
            str | None, Query(description="also per value of this column, in both jobs")
        ] = None,
        group: OneGroup = None,
    ) -> dict[str, Any]:
        """What changed since an earlier job of the same survey: label shares overall and per
        group, each aspect's share negative (with its counts and shares of every label), with
        95 % intervals, flagged only beyond the noise (Fisher's exact test, Holm over the whole
        change). Both jobs must have finished (409) and be the caller's (404)."""
        return change_summary(backend, who, request_id, since, group_by or None, group)

    @app.get(
        TREND,
        response_model=None,
        responses={
            **body_answer(TrendBody, "each share in each job, oldest first, tested for a trend"),
            **answers(400, 401, 404, 409, 410, 422, 503),
        },
    )
    def trend(
        who: Owner,
        jobs: TrendJobs,
        group_by: Annotated[
            str | None, Query(description="also per value of this column, in every job")
        ] = None,
        group: OneGroup = None,
    ) -> dict[str, Any]:
        """How the shares moved over several jobs of a survey, in the order given: label
        shares overall and per group, each aspect's share negative (with its counts and shares
        of every label), with 95 % intervals, and a trend flagged only beyond the noise
        (Cochran-Armitage, Holm over the whole trend). Every job must have finished (409) and
        be the caller's (404)."""
        return trend_summary(backend, who, trend_jobs(jobs), group_by or None, group)

    @app.get(
        TREND_THEMES,
        response_model=None,
        responses={
            **body_answer(ThemeTrendBody, "each theme's share of each job, tested for a trend"),
            **answers(400, 401, 404, 409, 410, 422, 503),
        },
    )
    def trend_themes(
        who: Owner,
        jobs: TrendJobs,
        label: Annotated[str, Query(description="the label whose themes to follow")],
        group_by: Annotated[
            str | None, Query(description="with group: the column whose value it is")
        ] = None,
        group: OneGroup = None,
    ) -> dict[str, Any]:
        """Which themes of one label grew or faded over several jobs of a survey: the themes
        found once over every job's comments of that label, each one's share of each job's
        comments, a trend flagged only beyond the noise (Cochran-Armitage, Holm over the
        themes). Every job must have finished with its themes (409) and be the caller's
        (404)."""
        return theme_trend_summary(backend, who, trend_jobs(jobs), label, group_by or None, group)

    @app.get(
        JOBS + "/{request_id}/report",
        response_class=Response,
        responses={**REPORT_ANSWERS, **answers(400, 401, 404, 409, 410, 413, 422, 501, 503)},
    )
    def job_report(
        request_id: RequestId,
        who: Owner,
        group_by: Annotated[
            str | None,
            Query(description="column to report by (default: the job's first with two values)"),
        ] = None,
        format: ReportFormat = "html",
        group: Annotated[
            str | None,
            Query(
                description="one value of group_by: the report of that group alone, with "
                f"every one of its comments ({NAMES_NOTE})"
            ),
        ] = None,
        since: Annotated[
            str | None,
            Query(
                pattern=REQUEST_ID_PATTERN,
                description="also what changed since this earlier job, by the same column",
            ),
        ] = None,
        trend: Annotated[
            str | None,
            Query(
                pattern=TREND_JOBS_PATTERN,
                description="also the trend through these earlier jobs to this one: request "
                "ids separated by commas, oldest first (1 to 11)",
            ),
        ] = None,
        screen: Annotated[
            bool,
            Query(
                description="screened before release (default): abusive comments and words of "
                "self-harm or threats left out, personal details masked; false: every comment "
                "as written"
            ),
        ] = True,
        rating: Annotated[
            str | None,
            Query(description="also this input column of ratings against the comments"),
        ] = None,
    ) -> Response:
        """A finished job's report: label shares with 95 % intervals overall and per group,
        each group against the rest, the model's accuracy and the method (409 until the job
        has succeeded). With ``group``, one group's own report: its shares against the rest,
        its aspects and themes and all its comments, naming no other group."""
        report = report_file(
            backend,
            request_id,
            who,
            group_by or None,
            format,
            group,
            since or None,
            earlier_jobs(trend, request_id),
            screen,
            rating or None,
        )
        return Response(report.content, media_type=report.media_type, headers=report.headers)

    @app.delete(
        JOBS + "/{request_id}",
        response_model=None,
        responses={
            **body_answer(JobBody, "the job's status once cancelled (or erased)"),
            **answers(401, 404, 409, 422, 503),
        },
    )
    def cancel_job(
        request_id: RequestId,
        who: Owner,
        erase: Annotated[
            bool,
            Query(
                description="also erase the job: its comments, labels, results files and "
                "analysis are deleted (a finished job too), its record stays with "
                "`erased_at`; every read of it then answers 410"
            ),
        ] = False,
    ) -> dict[str, Any]:
        if erase:
            return service.erase(backend, request_id, who).to_dict()
        return service.cancel(backend, request_id, who).to_dict()

    return app
