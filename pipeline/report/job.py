"""A finished job's report, read from the backend: what both HTTP edges serve.

The counts come from the database's per-group summary (``service.summary``, the figures the
app and ``GET /summary`` show); the quotes from one pass over the rows; the aspects and themes
from the service's summaries (``service.insights``, what ``GET /aspects`` and ``/themes``
answer). A report is of a job
that has finished labelling every row: shares of a job still running would change under the
reader, and those of a failed or cancelled one would describe part of a file as if all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.errors import (
    Conflict,
    InputError,
    LimitExceededError,
    PipelineError,
    ServiceUnavailableError,
)
from pipeline.file_names import content_disposition, job_stem, safe_name
from pipeline.group_names import group_cell
from pipeline.messages import echo
from pipeline.release.screen import ReleaseScreen, personal_words
from pipeline.report import about, theme_trend_table
from pipeline.report.assemble import assemble, compared_labels, focus_on
from pipeline.report.change_section import change_section
from pipeline.report.data import AspectShares, Insights, ReportData, ThemeTrendSection
from pipeline.report.listing import PDF_LISTED_MOST, group_comments, shortened
from pipeline.report.model_facts import aspect_facts, local_card, model_facts, shipped_aspect_card
from pipeline.report.quotes import group_quotes
from pipeline.report.ratings_section import ratings_section
from pipeline.report.release import keep_quote, screen_report
from pipeline.report.render import CONTENT_SECURITY_POLICY, render_html, render_pdf
from pipeline.report.shown import aspect_percents
from pipeline.report.trend_section import trend_section
from pipeline.service import insights as service_insights
from pipeline.service.change import change_summary
from pipeline.service.erase import readable_job
from pipeline.service.ratings import rating_summary
from pipeline.service.results import (
    check_one_group,
    input_column,
    job_question_column,
    job_respondent_column,
    no_such_group,
)
from pipeline.service.theme_trend import theme_trend_summary
from pipeline.service.trend import trend_summary
from pipeline.service.views import SummaryView
from pipeline.ui.groups import group_name

THEMES_LABEL = "negative"
"""The label whose themes a change's or a trend's page follows: the complaints."""

ReportFormat = Literal["html", "pdf"]
MEDIA_TYPES: dict[str, str] = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
PDF_GROUPS_MOST = 100
"""The most groups a whole job's PDF report is made by: each has a page of its own, and the
layout grows by about 6.5 MB and 0.4 s a group in the API's process (100: 1.0 GB and 48 s on
a 2-core machine; 1,000 ran for minutes past 2.5 GB; ``benchmarks/report_groups.py``, figures
in docs/pipeline.md). Past it the PDF is refused before any row is read, naming the HTML
report, one group's own report and a coarser column as the ways on."""
HTML_GROUPS_MOST = 5_000
"""The most groups a whole job's HTML report is made by (4,000: 5 s, 404 MB, a 32 MB page):
past it the page is tens of megabytes that no browser shows usefully (a column of respondent
ids, not of courses)."""


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str

    @property
    def headers(self) -> dict[str, str]:
        """A download named for the job; an HTML page also forbids scripts and outside
        resources, should a browser open it from the API's address."""
        headers = {"Content-Disposition": content_disposition(self.filename)}
        if self.media_type.startswith("text/html"):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return headers


def job_report(
    backend: Backend,
    request_id: str,
    owner: str | None = None,
    group_by: str | None = None,
    group: str | None = None,
    since: str | None = None,
    trend: Sequence[str] = (),
    screen: bool = True,
    rating: str | None = None,
    report_format: ReportFormat | None = None,
) -> ReportData:
    """The report of a succeeded job grouped by ``group_by`` (default: the job's first
    group-by column that holds two values or more; a job without one gets the overview only),
    or, with ``group``, the report of that one value of ``group_by`` alone (``group_report``);
    with ``since``, also what changed since that earlier job (``change_summary``, by the same
    column); with ``trend`` (earlier jobs, oldest first), also how the shares moved through
    them to this one (``trend_summary``); with ``rating`` (an input column of ratings), how
    it and the comments agree per group (``rating_summary``, figures only); with ``screen``
    (the default), screened before release (``pipeline.report.release``: flagged comments
    left out, personal details masked). Conflict for a job that has not succeeded;
    MissingColumnError for a column the input does not have; InputError for ``group`` without
    ``group_by`` or a value no row holds; with ``report_format``, LimitExceededError for a
    whole report by more groups than one in that format is made by (``groups_most``); the
    change's and the trend's own refusals."""
    release = ReleaseScreen.from_settings(backend.settings) if screen else None
    most = None if report_format is None else groups_most(report_format)
    data = _job_report(backend, request_id, owner, group_by, group, release, most)
    focus = None if data.focus is None else data.focus.group.name
    aspects_now = aspect_percents(_aspects_shown(data))
    if since is not None:
        body = change_summary(backend, owner, request_id, since, data.group_by, focus)
        themes = _themes_over(backend, owner, [since, request_id], data.group_by, focus)
        data = replace(data, change=replace(change_section(body, aspects_now), themes=themes))
    if trend:
        ids = [*trend, request_id]
        body = trend_summary(backend, owner, ids, data.group_by, focus)
        themes = _themes_over(backend, owner, ids, data.group_by, focus)
        data = replace(data, trend=replace(trend_section(body, aspects_now), themes=themes))
    if rating is not None:
        body = rating_summary(backend, owner, request_id, rating, data.group_by, limit=1)
        data = replace(data, ratings=ratings_section(body, focus))
    if release is None:
        return data
    if data.insights.themes:  # stored: maybe found before keywords left personal details out
        release = replace(release, known_personal=_personal_words(backend, request_id))
    return screen_report(data, release)


def _aspects_shown(data: ReportData) -> tuple[AspectShares, ...]:
    """The aspects whose shares the report's aspect table shows: the job's, or in a group's
    own report the group's (those its change and its trend follow)."""
    if data.focus is not None:
        return data.focus.group.aspects
    return data.insights.aspects.categories if data.insights.aspects else ()


def _personal_words(backend: Backend, request_id: str) -> frozenset[str]:
    """The words inside the personal details of the job's comments. Its stored themes'
    keywords may have been found from the comments as written (before terms blanked personal
    details), so a screened report checks them against these; themes found afresh for the
    report (a group's own, over several jobs) never hold one."""
    texts = (
        record.text for batch in backend.repository.results.batches(request_id) for record in batch
    )
    return personal_words(texts)


def _themes_over(
    backend: Backend,
    owner: str | None,
    ids: Sequence[str],
    group_by: str | None,
    focus: str | None,
) -> ThemeTrendSection | None:
    """The negative comments' themes over the jobs (of the report's group alone, in a group's
    own report); why not, for jobs without themes; None for jobs without a negative label."""
    try:
        body = theme_trend_summary(
            backend, owner, ids, THEMES_LABEL, group_by if focus else None, focus
        )
    except Conflict as exc:
        return ThemeTrendSection(THEMES_LABEL, (), 0, (), missing=str(exc))
    except InputError:
        return None
    return theme_trend_table.section(body)


def _job_report(
    backend: Backend,
    request_id: str,
    owner: str | None,
    group_by: str | None,
    group: str | None,
    release: ReleaseScreen | None,
    most_groups: tuple[ReportFormat, int] | None = None,
) -> ReportData:
    check_one_group(group_by, group)
    job = readable_job(backend, request_id, owner)
    if job.status != JobStatus.SUCCEEDED:
        raise Conflict(_not_finished(job))
    name: str | None = group_by
    if name:
        summary = service.summary(backend, request_id, owner, name)
    else:
        name, summary = _first_comparable(backend, job, owner)
    check_labelled(summary)
    if name and group is not None:
        return group_report(backend, job, owner, name, summary, group)
    if name and most_groups is not None and len(summary.groups) > most_groups[1]:
        raise LimitExceededError(too_many_groups(name, len(summary.groups), *most_groups))
    question = job_question_column(job)
    by_question = (
        service.summary(backend, request_id, owner, question)
        if question and question != name
        else None
    )
    column = input_column(job, name) if name else None
    rows = backend.repository.results.batches(request_id)
    keep = None if release is None else keep_quote(release)
    quotes = group_quotes(rows, column, compared_labels(summary.labels), keep=keep)
    return _assembled(
        job,
        summary,
        respondents=_respondents(backend, job),
        quotes=quotes if column else {},
        overall_quotes=() if column else quotes.get(None, ()),
        insights=job_insights(backend, job, owner, name),
        by_question=by_question,
    )


def check_labelled(summary: SummaryView) -> None:
    """Conflict for a job none of whose comments got a label: a report is made of the labels'
    shares, and one of none would read as a finding ("no course differs from the rest") where
    there is nothing to find. The app makes no report of such a job either."""
    labelled = sum(summary.overall.counts.get(label, 0) for label in summary.labels)
    if labelled:
        return
    rows = summary.overall.rows
    which = "its one row has none" if rows == 1 else f"none of its {rows:,} rows has one"
    raise Conflict(
        f"no comment of this job got a label ({which}: blank, a placeholder such as "
        '"N/A", another language, over the length limit): a report is made of the labels\' '
        "shares, so there is no report to make; each row's reason is in the job's results"
    )


def groups_most(report_format: ReportFormat) -> tuple[ReportFormat, int]:
    """The format and the most groups a whole report in it is made by (``PDF_GROUPS_MOST``,
    ``HTML_GROUPS_MOST``), read when asked, so that a benchmark can measure past them."""
    return report_format, PDF_GROUPS_MOST if report_format == "pdf" else HTML_GROUPS_MOST


def too_many_groups(column: str, groups: int, report_format: ReportFormat, most: int) -> str:
    """Why a whole report by ``column`` is not made, and the ways on."""
    ways = (
        "ask for the HTML report (format=html), which shows every group, for one group's own "
        "report (group=VALUE), or for a report by a column with fewer values"
        if report_format == "pdf"
        else "ask for one group's own report (group=VALUE), or for a report by a column with "
        "fewer values"
    )
    report = "a PDF report" if report_format == "pdf" else "an HTML report"
    return (
        f"{report} by {echo(column)} would have {groups:,} groups, more than the {most:,} "
        f"{report} is made by (each has a section: its time and memory grow with them); {ways}"
    )


def group_report(
    backend: Backend,
    job: JobRecord,
    owner: str | None,
    group_by: str,
    summary: SummaryView,
    group: str,
) -> ReportData:
    """The report of one value of ``group_by`` alone, for the course or instructor it is
    about: its shares and flags (the same as in the whole report), its aspects against the
    rest, its own themes (found among its comments alone) and every one of its comments. No
    other group is named or quoted."""
    column = input_column(job, group_by)
    if column is None:  # never every row: fail closed
        raise InputError(
            f"{echo(group_by)} is not a column of the job's input: a report of one group is "
            "of a value of an input column"
        )
    index = group_index(summary, group)
    value = summary.groups[index].group or ""  # "": the rows without one, however stored
    question = job_question_column(job)
    comments = group_comments(
        backend.repository.results.group_batches(job.request_id, column, value),
        column,
        value,
        summary.labels,
        question_column=input_column(job, question) if question and question != group_by else None,
    )
    data = _assembled(
        job,
        summary,
        # Never group=None here: to the theme service that means every group's comments.
        insights=job_insights(backend, job, owner, group_by, group=group_name(value)),
    )
    return focus_on(data, index, comments)


def _assembled(job: JobRecord, summary: SummaryView, **parts: Any) -> ReportData:
    """``assemble`` with what every report of the job shows alike: its model's facts, made
    now, and what its rows are (a job of several comment columns has a row per answer:
    "102 rows" read as 102 responses where 60 students wrote them)."""
    return assemble(
        job,
        summary,
        model_facts(job.model_version, local_card(job.model)),
        datetime.now(UTC),
        row_noun="row" if job_question_column(job) is None else "answer",
        **parts,
    )


def _respondents(backend: Backend, job: JobRecord) -> int | None:
    """The respondents with an answer in a job that read several comment columns (the
    distinct values of its respondent column), for the whole report's heading; None for any
    other job."""
    respondent = job_respondent_column(job)
    if respondent is None:
        return None
    return sum(
        1
        for stats in backend.repository.results.summarize(job.request_id, (), respondent)
        if stats.group is not None
    )


def group_index(summary: SummaryView, group: str) -> int:
    """Where the group named ``group`` (``group_name``: a value as written, "(blank)" for
    the rows without one, ``"(blank)" (as written)`` for a value written so) is in
    ``summary.groups``; InputError naming the groups there are when no row holds it. Only an
    exact match is taken: a report of one group must not gather another's comments."""
    cell = group_cell(group)
    for index, part in enumerate(summary.groups):
        if (part.group or "") == cell:
            return index
    raise no_such_group(
        str(summary.group_by), group, [group_name(part.group) for part in summary.groups]
    )


def _first_comparable(
    backend: Backend, job: JobRecord, owner: str | None
) -> tuple[str | None, SummaryView]:
    """The job's first group-by column that splits it into two groups or more, with its
    summary: an export's ``Term`` of one value on every row would only repeat the overview.
    The comment column is passed over (a job queued before submit refused it as a group)."""
    for column in job.group_by:
        if column == job.text_column:
            continue
        summary = service.summary(backend, job.request_id, owner, column)
        if len(summary.groups) > 1:
            return column, summary
    return None, service.summary(backend, job.request_id, owner, None)


def job_insights(
    backend: Backend,
    job: JobRecord,
    owner: str | None,
    group_by: str | None,
    group: str | None = None,
) -> Insights:
    """The job's aspects and themes as ``GET /aspects`` and ``GET /themes`` have them (with
    ``group``, the themes of that group's comments alone). A job without them (insights
    switched off, labelled before they existed, a failed theme pass) gets a report that says
    why; a fault of the moment (a database away) fails the report as it fails every other
    read."""
    request_id = job.request_id
    aspects, aspects_note = _read(
        lambda: service_insights.aspect_summary(backend, owner, request_id, group_by)
    )
    themes, themes_note = _read(
        lambda: service_insights.theme_summary(
            backend, owner, request_id, group_by=group_by, group=group
        )
    )
    version = aspects.get("model_version") if aspects else None
    return about.insights(
        aspects,
        themes,
        tuple(job.labels or ()),
        aspect_facts(version, shipped_aspect_card()),
        aspects_note,
        themes_note,
    )


def _read(
    summary: Callable[[], Mapping[str, Any]],
) -> tuple[Mapping[str, Any] | None, str | None]:
    """A summary, or None and why it could not be had."""
    try:
        return summary(), None
    except ServiceUnavailableError:
        raise
    except PipelineError as exc:
        return None, _sentence(str(exc))


def _sentence(message: str) -> str:
    """The service's reason as a sentence of the report."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")


def report_file(
    backend: Backend,
    request_id: str,
    owner: str | None = None,
    group_by: str | None = None,
    report_format: ReportFormat = "html",
    group: str | None = None,
    since: str | None = None,
    trend: Sequence[str] = (),
    screen: bool = True,
    rating: str | None = None,
) -> ReportFile:
    """The report as a downloadable file: self-contained HTML or a printable PDF (of one
    group alone with ``group``; with what changed since the job ``since``; with the trend
    through the earlier jobs ``trend``; with a rating column ``rating`` against the comments;
    every comment as written without ``screen``)."""
    data = job_report(
        backend, request_id, owner, group_by, group, since, trend, screen, rating, report_format
    )
    if report_format == "pdf" and data.focus is not None:
        listing = shortened(data.focus.comments, PDF_LISTED_MOST)
        data = replace(data, focus=replace(data.focus, comments=listing))
    content = render_pdf(data) if report_format == "pdf" else render_html(data).encode("utf-8")
    return ReportFile(content, MEDIA_TYPES[report_format], filename(data, report_format))


def filename(data: ReportData, report_format: str) -> str:
    """``evaluations-AbC123xy-report-by-course.pdf`` (one group's:
    ``evaluations-AbC123xy-report-course-CHEM110.pdf``; made without screening:
    ``evaluations-AbC123xy-unscreened-report-by-course.pdf``, as the app names it, so it is
    never saved over nor taken for the screened one): letters and digits of any script, ``-``
    and ``_`` only, so it is safe on any file system (``ReportFile.headers`` carries it as
    RFC 6266 says)."""
    by = f"-by-{safe_name(data.group_by)}" if data.group_by else ""
    if data.focus is not None and data.group_by:
        value = safe_name(data.focus.group.name or "") or "group"
        by = f"-{safe_name(data.group_by)[:20]}-{value[:40]}"
    since = f"-since-{safe_name(data.change.earlier_id)[:8]}" if data.change else ""
    trend = f"-trend-{len(data.trend.jobs)}-jobs" if data.trend else ""
    stem = job_stem(data.input_name, data.request_id)
    unscreened = "-unscreened" if data.release is None else ""
    return f"{stem}{unscreened}-report{by[:64]}{since}{trend}.{report_format}"


def _not_finished(job: JobRecord) -> str:
    if job.status == JobStatus.RUNNING and job.labelled:
        return (
            f"every row of the job is labelled and it is working out what they are about "
            f"({job.insights_done:,} of {job.rows_total:,} rows): a report needs their aspects "
            "and themes too; ask again when it has finished (the results and summary hold "
            "every label now)"
        )
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return (
            f"the job is {job.status.value} ({job.rows_done:,} of {job.rows_total:,} rows "
            "labelled): a report needs every row; ask again when it has finished"
        )
    return (
        f"the job {job.status.value}, so its rows describe only part of the file: a report is "
        "made of a job that finished; its rows so far are in its results and summary"
    )
