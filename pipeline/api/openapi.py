"""What the OpenAPI document says each route can answer, besides its success.

Every error of both edges has one body, ``{"error": code, "detail": message}`` (built by
``pipeline.api.errors.error_body``); ``ErrorBody`` documents it for every status a route can
return, the 422 of a refused parameter included (FastAPI would otherwise document its own
validation body, which this API never sends). ``answers(...)`` builds a route's ``responses=``.

``install_openapi`` corrects what FastAPI documents for optional parameters and form fields:
``X | None`` becomes "X or null", but a query string, a header or a multipart field cannot
carry a null (absent is how they are not given), so the document says plain X.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_NULL = {"type": "null"}


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="stable code to branch on, e.g. missing_column, not_found")
    detail: str = Field(description="what is wrong and, where useful, what to do")


class DependencyBody(BaseModel):
    status: Literal["ok", "unavailable"]
    error: str | None = Field(None, description="the error code calls would get now")
    detail: str | None = None


class QueueDepthBody(BaseModel):
    visible: int
    in_flight: int


class HealthBody(BaseModel):
    """Readiness. Without an API key only ``status`` is shown."""

    status: Literal["ok", "unavailable"]
    detail: str | None = Field(None, description="which dependencies are down, and why")
    version: str | None = None
    backend: str | None = None
    dependencies: dict[str, DependencyBody] | None = Field(
        None, description="database, object_store, queue"
    )
    queue: QueueDepthBody | None = None


class LiveBody(BaseModel):
    status: Literal["ok"]


JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class SubmissionBody(BaseModel):
    """A submit's answer: the job to poll, new or (``reused``) an identical earlier one."""

    request_id: str
    status: JobState
    reused: bool = Field(description="an identical earlier job of this key was returned")
    other_text_columns: list[str] = Field(
        default_factory=list,
        description="with no text_column given: the file's other columns of free text, whose "
        "comments are not labelled (give text_column once for each to label them too)",
    )


class UploadTicketBody(BaseModel):
    """Where to upload a file over the request limit, and the key to submit it by."""

    upload_key: str
    upload_url: str
    method: str = Field(description="the HTTP method to send the file with: POST, a form")
    fields: dict[str, str] = Field(
        description="the form fields to send, as given, before the file itself (the last "
        "field, named 'file'); the store refuses a file over max_bytes"
    )
    expires_in_s: int
    max_bytes: int


class JobBody(BaseModel):
    """A job's status (``pipeline.service.views.JobView``)."""

    request_id: str
    status: JobState
    input_name: str
    input_format: str
    input_options: dict[str, str | int | list[str]] = Field(
        description="how the input is read (encoding, delimiter…)"
    )
    text_column: str
    group_by: list[str]
    rows_total: int
    rows_done: int
    rows_failed: int
    progress: float = Field(description="rows_done / rows_total, 0 to 1")
    rows_per_s: float | None
    eta_s: float | None = Field(
        description="seconds until the job succeeds at the pace measured: its labels left and "
        "then its insights (aspects, themes); null until enough is measured (more than a "
        "pass's first chunk, over 10 s), and unless running; 0 once succeeded; it assumes "
        "the job keeps its worker: with other jobs waiting it goes behind them after each "
        "turn (PIPELINE_TURN_S) and waits for a worker meanwhile (waiting_for_worker)"
    )
    waiting_for_worker: bool = Field(
        False,
        description="running but held by no worker now (put behind a queued job's turn): "
        "eta_s is null until a worker takes it again",
    )
    queued_ahead: int | None = Field(
        None,
        description="for a queued job, the jobs queued before it that a worker can label, "
        "every owner's (workers take them roughly in that order; an owner with fewer jobs "
        "running goes first); null unless queued",
    )
    jobs_running: int | None = Field(
        None,
        description="for a queued job, the jobs running now, every owner's; null unless queued",
    )
    model: str
    model_version: str | None
    labels: list[str] | None
    explain: bool = Field(description="rows carry the words that drove their label")
    low_confidence: float | None = Field(description="scores below this are worth a look")
    attempts: int = Field(
        description="deliveries that worked on the job: one more each time it was put behind "
        "a queued job's turn, handed back by a stopping worker, or its worker died; not a "
        "count of failures (those are in error and rows_failed)"
    )
    error: str | None
    worker_seconds: float
    cost_usd: float
    created_at: str = Field(description="ISO 8601, as every time below")
    started_at: str | None
    finished_at: str | None
    labelled_at: str | None = Field(description="when every row's label was in")
    insights_done: int | None = Field(description="rows whose aspects are worked out")
    erased_at: str | None = Field(description="when its comments and results were erased")


class JobsBody(BaseModel):
    """The caller's jobs, newest first."""

    jobs: list[JobBody]


class ResultsPageBody(BaseModel):
    """Rows ``offset``… of a job; while it runs ``available`` grows and ``complete`` is false."""

    request_id: str
    status: JobState
    columns: list[str]
    rows: list[dict[str, Any]] = Field(description="one object per row, keyed by columns")
    offset: int
    limit: int
    available: int = Field(description="rows readable now")
    rows_total: int
    complete: bool
    next_offset: int | None = Field(description="where the next page starts; null at the end")


class GroupSummaryBody(BaseModel):
    group: str | None = Field(description="the group's value; null overall or for blanks")
    rows: int
    errors: int
    counts: dict[str, int] = Field(description="rows per label")
    shares: dict[str, float | None]
    mean_scores: dict[str, float | None] = Field(description="mean probability per label")


class SummaryBody(BaseModel):
    """Label counts and mean probabilities overall and, with ``group_by``, per value of it."""

    request_id: str
    status: JobState
    labels: list[str]
    rows_done: int
    rows_total: int
    overall: GroupSummaryBody
    group_by: str | None
    groups: list[GroupSummaryBody]


class PolarityCounts(BaseModel):
    """One figure per aspect polarity."""

    negative: int
    neutral: int
    positive: int


class AspectFigures(BaseModel):
    name: str = Field(description="the aspect category, e.g. exams")
    n: int = Field(description="labelled comments about this aspect")
    counts: PolarityCounts = Field(description="comments by the aspect's own polarity")
    shares: dict[str, float | None] = Field(description="counts / n per polarity")
    intervals: dict[str, list[float] | None] = Field(
        description="Wilson 95 % interval [low, high] of each share"
    )


class AspectCategory(AspectFigures):
    meaning: str = Field(description="what the category covers (the aspect model's card)")


class AspectGroup(BaseModel):
    group: str | None = Field(description="the group value; null for blank cells")
    n: int = Field(description="labelled comments in the group")
    small: bool = Field(description="fewer than 10 labelled comments: shares are unreliable")
    aspects: list[AspectFigures]


class AspectsBody(BaseModel):
    """What students comment on: per aspect category, how many comments and with which
    polarity, overall and per group. Partial while the job runs (``complete`` false)."""

    request_id: str
    complete: bool = Field(
        description="false until the job succeeds: while its rows are labelled and their "
        "aspects worked out, or for a job cancelled or failed part-way"
    )
    model_version: str | None = Field(description="the aspect model's version")
    group_by: str | None
    rows_labelled: int = Field(
        description="the labelled comments these figures are of: those among the first "
        "insights_done rows (every one once the job succeeded)"
    )
    rows_with_aspects: int
    insights_done: int = Field(
        description="rows, from the first, whose aspects are worked out (after every label: 0 "
        "for a job cancelled or failed while labelling)"
    )
    rows_labelled_in_job: int = Field(
        description="every labelled comment of the job, more than rows_labelled while its "
        "aspects are worked out or when it stopped before they were"
    )
    categories: list[AspectCategory] = Field(description="largest n first")
    groups: list[AspectGroup] = Field(description="per value of group_by, by name")


class ThemeQuote(BaseModel):
    row: int = Field(description="the comment's row in the input (0-based)")
    text: str


class ThemeGroupCount(BaseModel):
    group: str | None
    count: int


class ThemeRecord(BaseModel):
    id: int
    label: str = Field(description="the sentiment label the theme was found in")
    name: str = Field(
        description="a short title: its first two keywords, or 'mixed comments' when they do "
        "not name it (named false)"
    )
    named: bool = Field(
        True,
        description="whether its keywords name it: they occur in at least 30 % of its comments; "
        "false only for a label's only theme whose comments share too few words",
    )
    keywords: list[str]
    quotes: list[ThemeQuote] = Field(description="up to 3 central, distinct comments")
    size: int = Field(description="comments in the theme")
    share: float = Field(description="of the label's comments considered, the share here")
    coverage: float = Field(description="of the theme's comments, the share with a keyword")
    counts: list[ThemeGroupCount] = Field(description="comments per value of group_by")


class ThemesBody(BaseModel):
    """Sub-themes of a finished job's comments: clusters of similar comments per label, with
    keywords and quotes; filtered by label, aspect or one group (re-clustered on demand)."""

    request_id: str
    label: str | None
    aspect: str | None
    group_by: str | None
    group: str | None
    seed: int = Field(description="the clustering seed: the same themes on every call")
    diversity: float = Field(description="share of distinct keywords over all themes")
    n: int = Field(description="comments considered")
    themes: list[ThemeRecord]


class FlaggedKind(BaseModel):
    kind: str = Field(
        description="threat, distress, abusive (the comment is withheld from reports); email, "
        "phone, number, name (masked where it is shown)"
    )
    comments: int
    means: str


class FlaggedFinding(BaseModel):
    kind: str
    start: int = Field(description="character offsets in text")
    end: int


class FlaggedComment(BaseModel):
    row_index: int = Field(description="the comment's row in the input (0-based)")
    action: str = Field(description="withheld or masked: what a report does with it")
    kinds: list[str] = Field(description="what was found, what needs acting on first")
    found: list[FlaggedFinding]
    text: str = Field(description="as written")
    masked: str = Field(description="as a report would show it, personal details masked")
    label: str | None
    group: str | None = Field(None, description="its value of group_by, with group_by")
    question: str | None = Field(
        None, description="the question it answers, in a job of several comment columns"
    )


class FlaggedBody(BaseModel):
    """The comments screening before release flags: threats and words of distress first,
    then abusive ones, then those with a personal detail; in the file's order within each."""

    request_id: str
    complete: bool = Field(description="false while rows are still being labelled")
    group_by: str | None
    group: str | None
    screened_for: list[str] = Field(description="the kinds looked for")
    rows_screened: int
    flagged: int
    withheld: int = Field(description="flagged comments a report leaves out")
    kinds: list[FlaggedKind]
    offset: int
    limit: int
    comments: list[FlaggedComment]


class RatingScaleRecord(BaseModel):
    name: str = Field(description="numbers, or the word scale the values were read on")
    worst: float
    best: float = Field(description="may be below worst: a scale where 1 is best")
    points: list[str] = Field(description="a word scale's points, worst first; [] for numbers")
    described: str


class RatingUnreadable(BaseModel):
    answers: int = Field(description="values that are not blank or N/A and not on the scale")
    examples: list[str]


class RatingFigures(BaseModel):
    group: str | None = Field(None, description="the group's value of group_by (per group)")
    rated: int = Field(description="labelled comments with a rating")
    unrated: int = Field(
        description="labelled comments without a rating on the scale (blank, N/A, unreadable)"
    )
    mean: float | None = Field(description="the mean rating on the column's own scale")
    mean_position: float | None = Field(description="the mean rating, 0 (worst) to 1 (best)")
    rated_high: int = Field(description="ratings in the scale's top quarter (4, 5 of 1-5)")
    rated_low: int = Field(description="ratings in the scale's bottom quarter (1, 2 of 1-5)")
    labels: dict[str, int] = Field(description="the rated comments' labels")
    correlation: float | None = Field(
        description="Spearman's rank correlation of rating and sentiment; null under 10 rated"
    )
    p_value: float | None
    adjusted_p: float | None = Field(description="Holm-adjusted over the groups")
    reads_reversed: bool = Field(
        description="ratings fall as comments get warmer, beyond the noise: the scale most "
        "likely reads the other way round"
    )
    high_but_negative: int
    low_but_positive: int


class RatingAspect(BaseModel):
    aspect: str
    negative: int = Field(description="rated comments negative about the aspect")
    positive: int = Field(description="rated comments positive about it")
    mean_negative: float | None = Field(description="their mean rating (the column's scale)")
    mean_positive: float | None
    mean_others: float | None = Field(description="the other rated comments' mean rating")
    difference: float | None = Field(
        description="mean_negative less mean_others in points toward the best (negative: worse)"
    )
    p_value: float | None = Field(
        description="Mann-Whitney U, negative about it against the others; null under 5"
    )
    adjusted_p: float | None = Field(description="Holm-adjusted over the aspects tested")
    flagged: bool = Field(description="adjusted_p under 0.05: beyond the noise")


class ContradictingComment(BaseModel):
    row_index: int
    rating: str = Field(description="as written")
    rating_position: float
    rated: str = Field(description="high or low")
    label: str
    sentiment: float = Field(description="p(positive) - p(negative), -1 to 1")
    text: str
    group: str | None = Field(None, description="its value of group_by, with group_by")


class ContradictingPage(BaseModel):
    comments: int = Field(description="every comment that contradicts its rating")
    offset: int
    limit: int
    page: list[ContradictingComment] = Field(description="the clearest contradictions first")


class RatingsBody(BaseModel):
    """How a rating column and the comments' sentiment agree, overall and per group, and the
    comments that contradict their own rating."""

    request_id: str
    complete: bool = Field(description="false while rows are still being labelled")
    column: str
    question: str | None = Field(
        description="the survey question the column answers, where the export gave one "
        "(a Qualtrics export's question row); null otherwise"
    )
    group_by: str | None = Field(
        description="the column read per value of; in a job of several open questions, the "
        "question column unless another is asked for"
    )
    scale: RatingScaleRecord
    note: str | None = Field(
        description="what to know before reading the figures: in a job of several open "
        "questions, a student's rating counts once per answer outside one question's row"
    )
    unreadable: RatingUnreadable
    overall: RatingFigures
    groups: list[RatingFigures]
    aspects: list[RatingAspect] = Field(
        description="what the ratings follow: the largest fall beyond the noise first; [] "
        "for a job without aspects"
    )
    contradicting: ContradictingPage


class ChangeShare(BaseModel):
    count: int
    n: int
    share: float | None = Field(description="count / n; null when n is 0")
    low: float | None = Field(description="95 % Wilson interval")
    high: float | None


class AspectShare(ChangeShare):
    counts: dict[str, int] = Field(
        description="the comments about the aspect by their polarity toward it, per label"
    )
    shares: dict[str, float | None] = Field(description="counts / n per label; null when n is 0")


class ShareChangeRecord(BaseModel):
    key: str = Field(description="a label, or an aspect (its share negative)")
    before: ChangeShare = Field(description="in the earlier job (since)")
    after: ChangeShare = Field(description="in this job")
    difference: float | None = Field(description="after less before, 0..1 units")
    p_value: float | None = Field(description="Fisher's exact test; null when not tested")
    adjusted_p: float | None = Field(description="Holm-adjusted over every test of the change")
    flagged: bool = Field(description="adjusted_p under alpha: beyond the noise")


class AspectChangeRecord(ShareChangeRecord):
    before: AspectShare = Field(description="in the earlier job (since)")
    after: AspectShare = Field(description="in this job")


class GroupChangeRecord(BaseModel):
    group: str | None = Field(description="the value, in both jobs (null: rows without one)")
    n_before: int
    n_after: int
    flagged: bool
    changes: list[ShareChangeRecord] = Field(description="one per label")


class GroupCountRecord(BaseModel):
    group: str | None
    n: int


class PossibleMatch(BaseModel):
    before: str
    after: str


class ChangeJob(BaseModel):
    request_id: str
    input_name: str
    created_at: str
    rows_total: int
    rows_failed: int
    model_version: str | None
    aspect_model: str | None


class ChangeBody(BaseModel):
    """Label shares and aspects' share negative in an earlier job and in this one, overall and
    per group value found in both, each change tested (Fisher, Holm over all of them)."""

    request_id: str
    since: str
    group_by: str | None
    before: ChangeJob
    after: ChangeJob
    labels: list[str]
    tested_labels: list[str]
    alpha: float
    tests: int = Field(description="the Holm family: every tested share")
    overall: list[ShareChangeRecord]
    aspects: list[AspectChangeRecord] = Field(
        description="each aspect's share negative, tested, with every label's count and share "
        "beside it; empty unless both jobs have aspects"
    )
    groups: list[GroupChangeRecord] = Field(description="values in both jobs, largest first")
    only_before: list[GroupCountRecord] = Field(description="values in the earlier job only")
    only_after: list[GroupCountRecord] = Field(description="values in this job only")
    possible_matches: list[PossibleMatch] = Field(
        description="values in one job each that differ only in case, spaces or punctuation"
    )
    notes: list[str] = Field(description="what to know before reading a change as real")


class TrendSeries(BaseModel):
    key: str = Field(description="a label, or an aspect (its share negative)")
    shares: Sequence[ChangeShare] = Field(description="one per job, in the order given")
    difference: float | None = Field(
        description="the last job's share less the first's, among the jobs with comments"
    )
    z: float | None = Field(description="Cochran-Armitage statistic: above 0 when rising")
    p_value: float | None = Field(description="null when not tested (too few comments)")
    adjusted_p: float | None = Field(description="Holm-adjusted over every test of the trend")
    flagged: bool = Field(description="adjusted_p under alpha: a trend beyond the noise")
    direction: str | None = Field(description="rising or falling when flagged, else null")


class AspectTrendSeries(TrendSeries):
    shares: list[AspectShare] = Field(description="one per job, in the order given")


class GroupTrendRecord(BaseModel):
    group: str | None = Field(description="the value (null: rows without one)")
    n: list[int] = Field(description="its comments in each job; 0 where a job has none")
    flagged: bool
    series: list[TrendSeries] = Field(description="one per label")


class OneJobGroup(BaseModel):
    group: str | None
    job: int = Field(description="the position (from 0) of the one job that has it")
    n: int


class LookAlike(BaseModel):
    group: str
    like: str


class ThemeTrendQuote(BaseModel):
    job: int = Field(description="the position (from 0) of the job the comment is from")
    row: int = Field(description="its row in that job's results")
    text: str


class ThemeTrendRecord(TrendSeries):
    name: str = Field(description="a short title: its first two keywords")
    keywords: list[str]
    size: int = Field(description="its comments over all the jobs")
    counts: list[int] = Field(description="its comments in each job")
    new: bool = Field(description="no comment in it before the last job")
    quotes: list[ThemeTrendQuote] = Field(description="up to 3 central, distinct comments")


class ThemeTrendBody(BaseModel):
    """The themes of one label's comments, found once over every job together, with each
    theme's share of each job's comments (oldest first), tested for a trend (Cochran-Armitage,
    Holm over the themes)."""

    jobs: list[ChangeJob] = Field(description="in the order given")
    label: str
    group_by: str | None
    group: str | None
    seed: int = Field(description="the clustering seed: the same themes on every call")
    n: list[int] = Field(description="each job's comments with a label: a share's base")
    label_n: list[int] = Field(description="each job's comments with this label")
    alpha: float
    min_expected: float
    tests: int = Field(description="the Holm family: every tested theme")
    themes: list[ThemeTrendRecord] = Field(description="flagged ones first, then the largest")


class TrendBody(BaseModel):
    """Label shares and aspects' share negative in each job, oldest first, overall and per
    group value found in two jobs or more, each tested for a trend (Cochran-Armitage, Holm
    over all of them)."""

    jobs: list[ChangeJob] = Field(description="in the order given")
    group_by: str | None
    labels: list[str]
    tested_labels: list[str]
    alpha: float
    min_expected: float = Field(
        description="a share is tested only with at least this many comments with the label "
        "and without it, over all the jobs"
    )
    tests: int = Field(description="the Holm family: every tested series")
    overall: list[TrendSeries]
    aspects: list[AspectTrendSeries] = Field(
        description="each aspect's share negative, tested, with every label's count and share "
        "beside it in each job; empty unless every job has aspects"
    )
    groups: list[GroupTrendRecord] = Field(description="values in two jobs or more")
    only_one_job: list[OneJobGroup] = Field(description="values found in one job only")
    possible_matches: list[LookAlike] = Field(
        description="a value in one job only and another that differs only in case, spaces "
        "or punctuation: perhaps one group written two ways"
    )
    notes: list[str] = Field(description="what to know before reading a trend as real")


_WHEN: dict[int, str] = {
    400: "the file or a parameter is refused; the detail names the problem",
    401: "no valid API key in the X-API-Key header",
    403: (
        "this API serves without keys, so it answers this machine only: the Host header must "
        "name a loopback address and an Origin header, if any, a loopback origin"
    ),
    404: "no such job visible to this key",
    408: "the request's head or body stopped arriving (a stalled upload)",
    409: "the request contradicts the job's state",
    410: "the job's comments and results were erased; its status says when (erased_at)",
    413: "over a size limit",
    415: "a compressed body (Content-Encoding): send the file as it is",
    422: "a parameter is missing or malformed; the detail names it",
    501: "this deployment cannot do that",
    503: (
        "a dependency cannot serve now (database_locked, database_unavailable, disk_full, "
        "queue_unavailable, store_unavailable); retry after Retry-After seconds"
    ),
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "X-API-Key"}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can fail with these statuses, each an ErrorBody."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        answer: dict[str, Any] = {
            "model": ErrorBody,
            "description": f"{HTTPStatus(status).phrase}: {_WHEN[status]}",
        }
        if status in _HEADERS:
            answer["headers"] = _HEADERS[status]
        documented[status] = answer
    return documented


def health_answers() -> dict[int | str, dict[str, Any]]:
    """/health's 503 carries the health body (which dependency is down), not an ErrorBody."""
    documented = answers(401, 422)
    documented[503] = {
        "model": HealthBody,
        "description": "a dependency is down: see dependencies; retry after Retry-After",
        "headers": _HEADERS[503],
    }
    return documented


def body_answer(
    model: type[BaseModel], description: str, status: int = 200
) -> dict[int | str, dict[str, Any]]:
    """A JSON route's success, documented by ``model`` (the route itself returns a plain dict,
    so keys added later reach callers instead of being filtered out)."""
    return {status: {"model": model, "description": description}}


def csv_answers(page: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The results route's successes: a ``page`` of rows as JSON, the CSV itself, or a
    redirect to where it is."""
    return {
        200: {
            "model": page,
            "description": "a page of rows as JSON, or with format=csv the results CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        303: {
            "description": "format=csv of a finished job on S3: download it from Location",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
    }


def form_needs_one_of(*fields: str) -> dict[str, Any]:
    """A route's ``openapi_extra``: its form body must carry at least one of ``fields``, not
    empty (each is optional on its own, and an empty one is read as absent)."""
    needs = {
        "anyOf": [{"required": [name], "properties": {name: {"minLength": 1}}} for name in fields]
    }
    body = {"required": True, "content": {"multipart/form-data": {"schema": needs}}}
    return {"requestBody": body}


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's document with nulls taken out where HTTP cannot send one."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_impossible_nulls(generate())
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def without_impossible_nulls(document: dict[str, Any]) -> dict[str, Any]:
    """Drop ``null`` from the schemas of parameters and of form bodies' fields (in place)."""
    schemas = document.get("components", {}).get("schemas", {})
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _not_null(parameter.get("schema", {}))
            content = operation.get("requestBody", {}).get("content", {})
            for media_type in _FORMS:
                reference = content.get(media_type, {}).get("schema", {}).get("$ref", "")
                form = schemas.get(reference.rsplit("/", 1)[-1], {})
                properties = form.get("properties", {})
                for name, schema in properties.items():
                    properties[name] = _not_null(schema)
    return document


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [X, {"type": "null"}], …}`` → X with the rest (title, description…)."""
    options = schema.get("anyOf")
    if not options or _NULL not in options:
        return schema
    kept = [option for option in options if option != _NULL]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}
