"""A job's pace as the service reports it: rows labelled per second and the seconds left.

The rate is the rows committed over the time from the job's start to its last commit (the
job's ``updated_at``), so it does not sag while the next chunk is being labelled; once every
label is in (``labelled_at``) it is the labelling's rate and stays so. The time left is the
rows left at that rate, counted down from the last commit for at most ``COUNTDOWN_S``:
chunks are sized to about a second of work (``pipeline.chunk_sizing``), so a commit later
than that means a slow chunk or a worker being replaced, and the estimate holds rather than
run down to "almost done" while nothing moves. While a labelled job works out its insights
(its second pass), the time left is that pass's: the rows without insights at the rate the
pass has kept since the labels were in (unknown until its first chunk commits). A running job
that no worker holds (put behind a queued job's turn) waits for a worker: no time is
estimated until one takes it again, rather than the last estimate held for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.db.records import JobRecord, JobStatus

COUNTDOWN_S = 2.0


@dataclass(frozen=True)
class Pace:
    rows_per_s: float | None
    """None until a row is committed."""
    eta_s: float | None
    """Seconds left: 0 once succeeded, None unless running with a known rate."""


def job_pace(job: JobRecord, now: datetime) -> Pace:
    rate = _rate(job)
    shown = None if rate is None else round(rate, 1)
    if job.status == JobStatus.SUCCEEDED:
        return Pace(shown, 0.0)
    if job.status != JobStatus.RUNNING or rate is None or waits_for_worker(job):
        return Pace(shown, None)
    since_commit = min(max((now - job.updated_at).total_seconds(), 0.0), COUNTDOWN_S)
    if job.labelled_at is not None and job.insights_key is not None:
        analysed = _rows_per_s(job.insights_done, job.labelled_at, job.updated_at)
        if analysed is None:
            return Pace(shown, None)
        left = (job.rows_total - job.insights_done) / analysed - since_commit
    else:
        left = (job.rows_total - job.rows_done) / rate - since_commit
    return Pace(shown, round(max(left, 0.0), 1))


def waits_for_worker(job: JobRecord) -> bool:
    """Running, with no delivery open: put behind a queued job's turn, it waits for a worker
    to take its next delivery."""
    return job.status == JobStatus.RUNNING and job.awaits_delivery


def _rate(job: JobRecord) -> float | None:
    """Rows labelled per second from the start to the last label's commit (or the last commit,
    or the end of a finished job)."""
    if job.started_at is None:
        return None
    end = job.labelled_at or job.finished_at or job.updated_at
    return _rows_per_s(job.rows_done, job.started_at, end)


def _rows_per_s(rows: int, start: datetime, end: datetime) -> float | None:
    span = (end - start).total_seconds()
    return rows / span if rows > 0 and span > 0 else None
