"""Erasing a job: its comments, labels, results files and analysis go, its record stays.

Course comments are personal data: an institution keeps them only as long as its policy says,
and a student may ask for theirs to go. A job is erased at its owner's request (``DELETE
/v1/jobs/{id}?erase=true``, ``sentiment-pipeline erase``, the app) or, with
``PIPELINE_RETENTION_DAYS``, by the master once it finished that many days ago.

Order matters, so nothing written by a worker that is still busy with the job survives it:
the job is first marked erased (and cancelled) with its rows deleted, in one transaction under
the job row's lock, so no worker commits another row; then its objects are removed; then the
erasure is recorded in the object store (``pipeline.service.erasure_marks``), where a restore
of the database from an earlier backup does not undo it (``restored_erasures``). A worker
writes a job's objects before the commit that follows them, and a commit that finds the job
erased removes the job's objects again (``pipeline.worker``). Erasing again repeats the
removal and the record, so an erasure that failed halfway (the store away) is finished by
retrying it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pipeline.bootstrap import Backend
from pipeline.db.jobs import Erased
from pipeline.db.records import JobRecord
from pipeline.errors import JobErased, PipelineError
from pipeline.insights.storage import insights_key
from pipeline.ports import ObjectStore
from pipeline.service.erasure_marks import ErasureMark, ErasureReason, write_mark
from pipeline.service.export import RESULTS_PREFIX
from pipeline.service.pace import job_pace
from pipeline.service.views import JobView

log = logging.getLogger(__name__)
RETENTION_BATCH = 20
"""Jobs the master erases per pass at most: a backlog is worked off over several passes."""


def erase(
    backend: Backend,
    request_id: str,
    owner: str | None = None,
    reason: ErasureReason | None = None,
) -> JobView:
    """Erase the job (a queued or running one is cancelled first) and record the erasure
    outside the database (``erasure_marks``); JobNotFound for a job unknown or another
    owner's. Erasing an erased job removes its objects again and records it again.
    ``reason``, by default: its owner's request with ``owner``, else the operator's. A record
    that cannot be written (the store away, a role without the right) is logged and raised
    once the job is erased: erasing again records it."""
    erased = erase_data(backend, request_id, owner)
    asked = reason or (ErasureReason.OWNER if owner is not None else ErasureReason.OPERATOR)
    try:
        write_mark(backend.store, ErasureMark(request_id, erased.job.erased_at, asked.value))
    except PipelineError as exc:
        log.error(
            "job %s was erased but its erasure could not be recorded outside the database "
            "(%s): a restore of the database from an earlier backup would bring it back; "
            "erase it again to record it",
            request_id,
            exc,
        )
        raise
    log.info("job %s erased %s", request_id, asked.value)
    return JobView.of(erased.job, job_pace(erased.job, datetime.now(UTC)))


def erase_data(
    backend: Backend, request_id: str, owner: str | None = None, at: datetime | None = None
) -> Erased:
    """The job's rows, then its objects, without recording the erasure (``erase`` records
    it; an erasure done again after a restore has its record). ``at``: the time the job's
    record says it was erased, when not erased yet (default now)."""
    erased = backend.repository.jobs.erase(request_id, owner, at)
    erase_objects(backend.store, erased.job, keep_input=erased.shared_input)
    return erased


def erase_objects(store: ObjectStore, job: JobRecord, keep_input: bool = False) -> int:
    """Remove the job's stored input (unless another job reads it too), its results CSVs and
    its analysis (embeddings, themes); returns how many objects under its own prefixes went.
    Each removal is tried even when one before it failed (a role refused the input's delete,
    the store away for a moment), so a refusal leaves only what it refused; the first
    failure is raised once all were tried: erasing again finishes the job."""
    failures: list[PipelineError] = []

    def removing(remove: Callable[[], int | None]) -> int:
        try:
            return remove() or 0
        except PipelineError as exc:
            failures.append(exc)
            return 0

    if not keep_input:
        removing(lambda: store.delete(job.input_key))
        folder = job.input_key.rpartition("/")[0]
        if folder.count("/") == 1 and folder.startswith("uploads/"):  # the upload's own
            removing(lambda: store.delete_under(folder))  # folder, by its id: nothing left
    analysis = job.insights_key or insights_key(job.request_id)
    removed = removing(lambda: store.delete_under(f"{RESULTS_PREFIX}{job.request_id}"))
    removed += removing(lambda: store.delete_under(analysis))
    if failures:
        raise failures[0]
    return removed


def readable_job(backend: Backend, request_id: str, owner: str | None = None) -> JobRecord:
    """The job whose comments or results are to be read; JobNotFound as ``jobs.get``, and
    JobErased for an erased one, so a read never answers an empty job for an erased one. A job
    past its retention reads as erased before the master has erased it (the master may not
    run for a while on AWS, where the bucket's lifecycle rule expires its files meanwhile)."""
    job = backend.repository.jobs.get(request_id, owner)
    if job.erased_at is not None:
        raise JobErased(
            f"job {request_id}'s comments and results were erased on "
            f"{job.erased_at:%Y-%m-%d %H:%M} UTC; only its record is left "
            f"(GET /v1/jobs/{request_id})"
        )
    days, ended = backend.settings.retention_days, job.finished_at
    if ended is not None and overdue(backend, job):
        raise JobErased(
            f"job {request_id} finished on {ended:%Y-%m-%d}, more than {days:g} days "
            "ago: its comments and results are erased at the end of this deployment's "
            "retention (PIPELINE_RETENTION_DAYS)"
        )
    return job


def overdue(backend: Backend, job: JobRecord) -> bool:
    """The job is past this deployment's retention now: it reads as erased and is never
    handed out again, whether or not the master has erased it yet."""
    return past_retention(job, backend.settings.retention_days, datetime.now(UTC))


def past_retention(job: JobRecord, days: float, now: datetime) -> bool:
    """The job finished more than ``days`` before ``now`` (never with ``days`` 0)."""
    return days > 0 and job.finished_at is not None and job.finished_at < now - timedelta(days=days)


def erase_expired(backend: Backend, days: float, now: datetime) -> list[str]:
    """Erase up to ``RETENTION_BATCH`` jobs that finished more than ``days`` ago; returns
    their request ids. A job whose files cannot be removed now (the store away) is logged by
    id: its rows are gone and it reads as erased, and erasing it again removes the files (on
    AWS the bucket's lifecycle rule expires them too)."""
    erased = []
    moment = now - timedelta(days=days)
    for request_id in backend.repository.jobs.ended_before(moment, RETENTION_BATCH):
        try:
            erase(backend, request_id, reason=ErasureReason.RETENTION)
        except PipelineError:
            log.exception(
                "erasing job %s at the end of its retention failed; erase it again "
                "(sentiment-pipeline erase %s) to remove what is left",
                request_id,
                request_id,
            )
            continue
        erased.append(request_id)
    return erased
