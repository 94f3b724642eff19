"""A job's pace as the service reports it: rows labelled per second and the seconds left until
the job succeeds.

The rate is the rows committed over the time from the job's start to its last commit (the
job's ``updated_at``), so it does not sag while the next chunk is being labelled; once every
label is in (``labelled_at``) it is the labelling's rate and stays so.

The time left is the whole job's: the rows left to label at that rate and, for a job with
insights (``insights_key``: its worker works out aspects and themes after every label), the
rows left to analyse at the insights pass's rate. Before that pass starts, its rate is the
labelling's divided by ``INSIGHTS_PER_LABEL`` (the measured cost of insights against
labelling); once it runs, its own rate takes over as its measured time grows (``PRIOR_S``). So
the estimate neither leaves the second pass out while labelling ("about 17 s left" with 96 s
to go) nor starts that pass from the rate of its first chunk, which loads the insight models
("about 27 min left" with four to go).

No time is estimated from too little evidence: a rate measured over under ``MIN_EVIDENCE_S``
or over a delivery's first chunk alone (``FIRST_CHUNK_ROWS``), whose time holds the delivery's
set-up, is not used: it made a job's first estimate 5-15 times too long.

The time left counts down from the last commit for at most ``COUNTDOWN_S``: chunks are sized
to about two seconds of work (``pipeline.chunk_sizing``), so a commit later than that means a
slow chunk or a worker being replaced, and the estimate holds rather than run down to "almost
done" while nothing moves. A running job that no worker holds (put behind a queued job's turn)
waits for a worker: no time is estimated until one takes it again, rather than the last
estimate held for minutes. Nor for a running job whose delivery is open while no worker with
a fresh beat holds it (``held_by_no_worker``): its worker ended, or the service's storage
fails and no worker can go on or even beat; the note (``NO_HOLDER``) says so. Only the worker
could write such a note, and it cannot while the database is what fails, so the status showed
"about 11 min left" for as long as an outage lasted, with no worker alive (hunt 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.db.records import JobRecord, JobStatus
from pipeline.model_fault import is_waiting_note
from pipeline.settings import Settings

COUNTDOWN_S = 2.0
MIN_EVIDENCE_S = 10.0
"""A pass's rate is used once its commits span this long: five chunks at the default target,
so the first chunk's set-up (reading the file, loading a model) weighs on it less."""
FIRST_CHUNK_ROWS = Settings.first_chunk_rows
"""A delivery's first chunk (``PIPELINE_FIRST_CHUNK_ROWS``'s default): a pass's rate is used
once more rows than that are committed, so never from its first chunk alone."""
INSIGHTS_PER_LABEL = 2.0
"""The insights pass's time per row against the labelling's, before that pass is measured:
1.84x in process and 2.5-2.9x per job on a 2-core Xeon (docs/insights.md), 1.1x and 2.0x
on jobs of 3,000 and 18,000 rows under load (hunt 1)."""
PRIOR_S = 10.0
"""The insights pass's rate as projected from the labelling counts as this many seconds of
its own measurement: the measured rate takes over as the pass goes on, without a jump."""
NO_HOLDER = (
    "no worker holds the job now: the one working on it stopped beating (it ended, or the "
    "service's storage is failing: see /health); the job goes on from its committed rows once "
    "a worker takes it again"
)


@dataclass(frozen=True)
class Pace:
    rows_per_s: float | None
    """None until a row is committed."""
    eta_s: float | None
    """Seconds until the job succeeds: 0 once succeeded, None unless running with enough
    evidence of its pace."""
    note: str | None = None
    """What the job's status says in place of its recorded error: why it makes no progress
    when only its reader can tell (``NO_HOLDER``)."""


def job_pace(job: JobRecord, now: datetime, stale_s: float = Settings.worker_stale_s) -> Pace:
    """``stale_s``: how old the beat of the worker holding a running job may be
    (PIPELINE_WORKER_STALE_S, as the master judges a worker gone)."""
    rate = _rate(job)
    shown = None if rate is None else round(rate, 1)
    if job.status == JobStatus.SUCCEEDED:
        return Pace(shown, 0.0)
    if held_by_no_worker(job, stale_s):
        last = f" (last error: {job.error})" if job.error else ""
        return Pace(shown, None, NO_HOLDER + last)
    if job.status != JobStatus.RUNNING or rate is None or waits_for_worker(job):
        return Pace(shown, None)
    left = seconds_left(job)
    if left is None:
        return Pace(shown, None)
    since_commit = min(max((now - job.updated_at).total_seconds(), 0.0), COUNTDOWN_S)
    return Pace(shown, round(max(left - since_commit, 0.0), 1))


def seconds_left(job: JobRecord) -> float | None:
    """At the last commit, the seconds until the running ``job`` succeeds: its labels left,
    then its insights (for a job with them); None without enough evidence of its pace."""
    labelling = _labelling_rate(job)
    if job.labelled_at is None:
        if labelling is None:
            return None
        labels_left = (job.rows_total - job.rows_done) / labelling
        if job.insights_key is None:
            return labels_left
        analysed = labelling / INSIGHTS_PER_LABEL
        return labels_left + (job.rows_total - job.insights_done) / analysed
    if job.insights_key is None:
        return 0.0
    analysing = _insights_rate(job, job.labelled_at, labelling)
    return None if analysing is None else (job.rows_total - job.insights_done) / analysing


def waits_for_worker(job: JobRecord) -> bool:
    """Running, with no delivery open: put behind a queued job's turn, it waits for a worker
    to take its next delivery. Not one that waits for the deployment (its model, the
    service's storage: its ``error`` says so): a free worker would not take it on."""
    return (
        job.status == JobStatus.RUNNING and job.awaits_delivery and not is_waiting_note(job.error)
    )


def held_by_no_worker(job: JobRecord, stale_s: float) -> bool:
    """Running with a delivery open, and no worker that beat in the last ``stale_s`` holds
    it (``JobRecord.holder_beat_age_s``, read with the job's status by the database's clock,
    as the master judges a worker gone)."""
    if job.status != JobStatus.RUNNING or job.awaits_delivery or not job.holder_read:
        return False
    age = job.holder_beat_age_s
    return age is None or age > stale_s


def _rate(job: JobRecord) -> float | None:
    """Rows labelled per second from the start to the last label's commit (or the last commit,
    or the end of a finished job)."""
    if job.started_at is None:
        return None
    end = job.labelled_at or job.finished_at or job.updated_at
    return _rows_per_s(job.rows_done, job.started_at, end)


def _labelling_rate(job: JobRecord) -> float | None:
    """The labelling's rate where it rests on enough evidence (``_measured``); else None."""
    if job.started_at is None:
        return None
    end = job.labelled_at or job.updated_at
    return _measured(job.rows_done, job.started_at, end)


def _insights_rate(job: JobRecord, labelled_at: datetime, labelling: float | None) -> float | None:
    """Rows analysed per second in the insights pass, which began at ``labelled_at``:
    projected from the labelling's rate, weighed against the pass's own rate once that rests
    on enough evidence (either alone when the other is unknown); None when neither is
    known."""
    measured = _measured(job.insights_done, labelled_at, job.updated_at)
    if labelling is None:
        return measured
    projected = labelling / INSIGHTS_PER_LABEL
    if measured is None:
        return projected
    span = (job.updated_at - labelled_at).total_seconds()
    return (job.insights_done + projected * PRIOR_S) / (span + PRIOR_S)


def _measured(rows: int, start: datetime, end: datetime) -> float | None:
    """Rows per second over a pass's commits when they are more than its first chunk and
    span at least ``MIN_EVIDENCE_S``; else None."""
    if rows <= FIRST_CHUNK_ROWS or (end - start).total_seconds() < MIN_EVIDENCE_S:
        return None
    return _rows_per_s(rows, start, end)


def _rows_per_s(rows: int, start: datetime, end: datetime) -> float | None:
    span = (end - start).total_seconds()
    return rows / span if rows > 0 and span > 0 else None
