"""Words for a running job: progress line, ETA, and this browser's list of recent jobs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.client import JobStatus
from pipeline.errors import JobNotFound
from pipeline.model_fault import is_model_fault
from pipeline.request_id import REQUEST_ID
from pipeline.ui.markdown import literal
from pipeline.ui.shares import count_text

RECENT_LIMIT = 10
# Streamlit's bundled Material icons: they render without an emoji font on the machine.
STATUS_ICONS = {
    "queued": ":material/hourglass_top:",
    "running": ":material/sync:",
    "succeeded": ":material/check_circle:",
    "failed": ":material/error:",
    "cancelled": ":material/cancel:",
}
UNKNOWN_ICON = ":material/help:"


def format_duration(seconds: float) -> str:
    """Round to what a person cares about: seconds under a minute, then minutes, then hours."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be a finite number of seconds, not {seconds}")
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def time_left(job: JobStatus) -> str:
    """``about 40 s left`` (until the job succeeds: its labels and then what they are about);
    ``estimating time left…`` until the service has measured enough of its pace; ``waiting
    for a worker`` for a running job no worker holds now (put behind a queued job's turn),
    whose time left is not known until one takes it."""
    return "waiting for a worker" if job.waiting_for_worker else format_eta(job.eta_s)


def format_eta(eta_s: float | None) -> str:
    if eta_s is None or not math.isfinite(eta_s):
        return "estimating time left…"
    if eta_s < 1:
        return "almost done"
    return f"about {format_duration(eta_s)} left"


def format_rate(rows_per_s: float | None) -> str | None:
    """``45 rows/s`` (``0.4 rows/s`` when slow); None when the service reported no rate."""
    if rows_per_s is None or not math.isfinite(rows_per_s) or rows_per_s <= 0:
        return None
    return f"{rows_per_s:,.0f} rows/s" if rows_per_s >= 10 else f"{rows_per_s:.1f} rows/s"


def progress_text(job: JobStatus) -> str:
    """E.g. "1,200 / 5,000 rows · 45 rows/s · about 40 s left": what the service reports (rows
    done, its rate when it sends one, its ETA) and how many rows could not be scored; once
    every row is labelled and the job works out what they are about, "5,000 / 5,000 labelled ·
    about what: 1,024 / 5,000"."""
    if job.status == "queued":
        if is_model_fault(job.error):
            return f"waiting: {job.error}"
        place = queue_place(job)
        return f"waiting for a worker… · {place}" if place else "waiting for a worker…"
    done = f"{job.rows_done:,} / {job.rows_total:,} rows"
    failed = f" ({job.rows_failed:,} without a label)" if job.rows_failed else ""
    if job.finished:
        return done + failed
    about = insights_text(job)
    if about is not None:
        return f"{job.rows_done:,} / {job.rows_total:,} labelled{failed} · {about}"
    if is_model_fault(job.error):  # it waits with rows done: the why, not a rate
        return f"{done}{failed} · waiting: {job.error}"
    rate = format_rate(job.rows_per_s)
    parts = [done + failed, *([rate] if rate else []), time_left(job)]
    return " · ".join(parts)


def queue_place(job: JobStatus) -> str:
    """Why a queued job waits: ``2 jobs queued before it, 1 running``, ``next in line, 3 jobs
    running``, ``next in line``; empty when the service did not say (an older API)."""
    if job.queued_ahead is None:
        return ""
    running = job.jobs_running or 0
    if job.queued_ahead == 0:
        return "next in line" + (f", {count_text(running, 'job')} running" if running else "")
    ahead = f"{count_text(job.queued_ahead, 'job')} queued before it"
    return ahead + (f", {running:,} running" if running else "")


def insights_text(job: JobStatus) -> str | None:
    """``about what: 1,024 / 5,000, about 20 s left`` while a labelled job works out its
    insights (the time left of that pass, the job's last); else None."""
    counts = working_out(job)
    if counts is None:
        return None
    return f"about what: {counts[0]:,} / {counts[1]:,}, {time_left(job)}"


def working_out(job: JobStatus) -> tuple[int, int] | None:
    """(rows with insights, rows) while a labelled job works out what they are about."""
    if job.finished or not job.labelled or job.insights_done is None:
        return None
    return job.insights_done, job.rows_total


def erased_note(job: JobStatus) -> str:
    """What the app says of an erased job (Markdown): when, and that nothing of its comments
    is left."""
    when = (job.erased_at or "")[:16].replace("T", " ")
    return (
        f"**This job was erased** on {when} UTC: its comments, labels, results files, aspects "
        f"and themes are gone. This record of it is all that is left ({literal(job.input_name)}, "
        f"{job.rows_total:,} comments)."
    )


def revision(job: JobStatus) -> str:
    """What the results table depends on: it grows with the labels and is whole (aspects,
    themes) once the job ends; the app's caches are keyed on it."""
    return f"{job.status}:{job.rows_done}"


def insights_revision(job: JobStatus) -> str:
    """What the aspect figures depend on: ``revision`` and the rows with insights."""
    return f"{revision(job)}:{job.insights_done}"


def insights_progress(job: JobStatus) -> float:
    """Share of rows whose insights are worked out, in 0..1 (1 for a job without rows)."""
    if job.rows_total <= 0:
        return 1.0
    return min(1.0, (job.insights_done or 0) / job.rows_total)


def clean_request_id(text: str) -> str:
    """A request id as pasted: surrounding spaces, line breaks and quotes dropped."""
    return text.strip().strip("\"'`").strip()


def not_a_request_id(request_id: str) -> JobNotFound | None:
    """For what is no request id (``pipeline.request_id``), the error the client raises
    before asking the API, so that a field shows what the sidebar shows (not the API's
    validation text); None for a request id."""
    if REQUEST_ID.fullmatch(request_id):
        return None
    return JobNotFound(f"{request_id[:80]!r} is not a request id")


@dataclass(frozen=True)
class RecentJob:
    request_id: str
    input_name: str
    status: str

    @property
    def caption(self) -> str:
        return f"{self.input_name or 'upload'} · {self.request_id[:8]}"

    @property
    def icon(self) -> str:
        return STATUS_ICONS.get(self.status, UNKNOWN_ICON)


def remember(recent: list[RecentJob], job: RecentJob, limit: int = RECENT_LIMIT) -> list[RecentJob]:
    """The list with ``job`` first (replacing an older entry of the same id), at most ``limit``."""
    others = [item for item in recent if item.request_id != job.request_id]
    return [job, *others][:limit]
