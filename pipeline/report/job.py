"""A finished job's report, read from the backend: what both HTTP edges serve.

The counts come from the database's per-group summary (``service.summary``, the figures the
app and ``GET /summary`` show); the quotes from one pass over the rows; the aspects and themes
from the service's summaries (``service.insights``, what ``GET /aspects`` and ``/themes``
answer). A report is of a job
that has finished labelling every row: shares of a job still running would change under the
reader, and those of a failed or cancelled one would describe part of a file as if all of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.errors import Conflict, PipelineError, ServiceUnavailableError
from pipeline.input_melt import question_column
from pipeline.inputs import ReadOptions
from pipeline.report import about
from pipeline.report.assemble import assemble, compared_labels
from pipeline.report.data import Insights, ReportData
from pipeline.report.model_facts import aspect_facts, local_card, model_facts, shipped_aspect_card
from pipeline.report.quotes import group_quotes
from pipeline.report.render import CONTENT_SECURITY_POLICY, render_html, render_pdf
from pipeline.service import insights as service_insights
from pipeline.service.results import input_column
from pipeline.service.views import SummaryView

ReportFormat = Literal["html", "pdf"]
MEDIA_TYPES: dict[str, str] = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    media_type: str
    filename: str

    @property
    def headers(self) -> dict[str, str]:
        """A download named for the job; an HTML page also forbids scripts and outside
        resources, should a browser open it from the API's address."""
        headers = {"Content-Disposition": f'attachment; filename="{self.filename}"'}
        if self.media_type.startswith("text/html"):
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return headers


def job_report(
    backend: Backend,
    request_id: str,
    owner: str | None = None,
    group_by: str | None = None,
) -> ReportData:
    """The report of a succeeded job grouped by ``group_by`` (default: the job's first
    group-by column that holds two values or more; a job without one gets the overview only).
    Conflict for a job that has not succeeded; MissingColumnError for a column the input does
    not have."""
    job = backend.repository.jobs.get(request_id, owner)
    if job.status != JobStatus.SUCCEEDED:
        raise Conflict(_not_finished(job))
    name: str | None = group_by
    if name:
        summary = service.summary(backend, request_id, owner, name)
    else:
        name, summary = _first_comparable(backend, job, owner)
    question = job_question_column(job)
    by_question = (
        service.summary(backend, request_id, owner, question)
        if question and question != name
        else None
    )
    column = input_column(job, name) if name else None
    rows = backend.repository.results.batches(request_id)
    quotes = group_quotes(rows, column, compared_labels(summary.labels))
    return assemble(
        job,
        summary,
        model_facts(job.model_version, local_card(job.model)),
        datetime.now(UTC),
        quotes=quotes if column else {},
        overall_quotes=() if column else quotes.get(None, ()),
        insights=job_insights(backend, job, owner, name),
        by_question=by_question,
    )


def _first_comparable(
    backend: Backend, job: JobRecord, owner: str | None
) -> tuple[str | None, SummaryView]:
    """The job's first group-by column that splits it into two groups or more, with its
    summary: an export's ``Term`` of one value on every row would only repeat the overview."""
    for column in job.group_by:
        summary = service.summary(backend, job.request_id, owner, column)
        if len(summary.groups) > 1:
            return column, summary
    return None, service.summary(backend, job.request_id, owner, None)


def job_question_column(job: JobRecord) -> str | None:
    """The question column of a job that read several comment columns; None for any other."""
    if not ReadOptions.from_json(job.input_options).comment_columns:
        return None
    return question_column(job.input_columns, job.text_column)


def job_insights(
    backend: Backend, job: JobRecord, owner: str | None, group_by: str | None
) -> Insights:
    """The job's aspects and themes as ``GET /aspects`` and ``GET /themes`` have them. A job
    without them (insights switched off, labelled before they existed, a failed theme pass)
    gets a report that says why; a fault of the moment (a database away) fails the report
    as it fails every other read."""
    request_id = job.request_id
    aspects, aspects_note = _read(
        lambda: service_insights.aspect_summary(backend, owner, request_id, group_by)
    )
    themes, themes_note = _read(
        lambda: service_insights.theme_summary(backend, owner, request_id, group_by=group_by)
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
) -> ReportFile:
    """The report as a downloadable file: self-contained HTML or a printable PDF."""
    data = job_report(backend, request_id, owner, group_by)
    content = render_pdf(data) if report_format == "pdf" else render_html(data).encode("utf-8")
    return ReportFile(content, MEDIA_TYPES[report_format], filename(data, report_format))


def filename(data: ReportData, report_format: str) -> str:
    """``evaluations-AbC123xy-report-by-course.pdf``: letters, digits, ``-`` and ``_`` only,
    so it is safe in a Content-Disposition header and on any file system."""
    stem = _safe(data.input_name.rsplit(".", 1)[0]) or "comments"
    by = f"-by-{_safe(data.group_by)}" if data.group_by else ""
    return f"{stem[:40]}-{_safe(data.request_id)[:8]}-report{by[:44]}.{report_format}"


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_")


def _not_finished(job: JobRecord) -> str:
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return (
            f"the job is {job.status.value} ({job.rows_done:,} of {job.rows_total:,} rows "
            "labelled): a report needs every row; ask again when it has finished"
        )
    return (
        f"the job {job.status.value}, so its rows describe only part of the file: a report is "
        "made of a job that finished; its rows so far are in its results and summary"
    )
