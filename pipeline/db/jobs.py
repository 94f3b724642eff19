"""The job trace table: create, read, and every state change a job goes through.

Chunk writes are the heart of exactly-once results over an at-least-once queue: the job row is
locked, the chunk is accepted only if it starts where the committed rows end, and the rows and
the progress are committed together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pipeline.db.engine import Database, as_utc, utcnow
from pipeline.db.models import Job, ResultRow
from pipeline.db.records import ACTIVE, JobRecord, JobStatus, NewJob, WorkerTime
from pipeline.errors import Conflict, JobNotFound


class ChunkOutcome(StrEnum):
    WRITTEN = "written"
    DUPLICATE = "duplicate"
    STOPPED = "stopped"


class JobRepository:
    def __init__(self, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._now = now

    def create(self, new: NewJob) -> JobRecord:
        now = self._now()
        job = Job(
            request_id=new.request_id,
            owner=new.owner,
            status=JobStatus.QUEUED.value,
            input_key=new.input_key,
            input_name=new.input_name[:255],
            input_format=new.input_format,
            input_columns=list(new.input_columns),
            text_column=new.text_column,
            group_by=list(new.group_by),
            content_hash=new.content_hash,
            dedup_key=new.dedup_key,
            model=new.model,
            rows_total=new.rows_total,
            rows_done=0,
            rows_failed=0,
            attempts=0,
            worker_seconds=0.0,
            cost_usd=0.0,
            created_at=now,
            updated_at=now,
        )
        with self._db.write() as session:
            session.add(job)
            session.flush()
            return _record(job)

    def get(self, request_id: str, owner: str | None = None) -> JobRecord:
        """The job, or JobNotFound; with ``owner`` another owner's job is reported missing."""
        with self._db.read() as session:
            job = session.get(Job, request_id)
            if job is None or (owner is not None and job.owner != owner):
                raise JobNotFound(f"job {request_id!r} was not found")
            return _record(job)

    def list_for(self, owner: str, limit: int = 50) -> list[JobRecord]:
        query = select(Job).where(Job.owner == owner).order_by(Job.created_at.desc()).limit(limit)
        with self._db.read() as session:
            return [_record(job) for job in session.scalars(query)]

    def find_reusable(self, owner: str, dedup_key: str) -> JobRecord | None:
        """The newest job of this owner for the same content and parameters that did not fail."""
        query = (
            select(Job)
            .where(Job.owner == owner, Job.dedup_key == dedup_key)
            .where(Job.status.in_([*ACTIVE, JobStatus.SUCCEEDED]))
            .order_by(Job.created_at.desc())
            .limit(1)
        )
        with self._db.read() as session:
            job = session.scalars(query).first()
            return None if job is None else _record(job)

    def begin_attempt(
        self, request_id: str, model_version: str, labels: Sequence[str]
    ) -> JobRecord | None:
        """Mark the job running for one more delivery; None when it is already finished."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if job.status not in ACTIVE:
                return None
            now = self._now()
            if job.labels and list(job.labels) != list(labels):
                raise Conflict(
                    f"job {request_id} was started with labels {job.labels} but this worker's "
                    f"model has {list(labels)}"
                )
            job.status = JobStatus.RUNNING.value
            job.attempts += 1
            job.model_version = model_version
            job.labels = list(labels)
            job.started_at = job.started_at or now
            job.updated_at = now
            return _record(job)

    def write_chunk(
        self, request_id: str, rows: Sequence[dict[str, Any]], spent: WorkerTime | None = None
    ) -> ChunkOutcome:
        """Commit rows and progress together; rows already committed are skipped, not repeated.

        Each row is a mapping with the columns of ``ResultRow`` (``row_index`` ascending).
        ``spent`` (the worker time since the last record) is added whatever the outcome: the
        worker spent it even on a duplicate or a cancelled job.
        """
        with self._db.write() as session:
            job = _locked(session, request_id)
            _charge(job, spent)
            if job.status != JobStatus.RUNNING:
                return ChunkOutcome.STOPPED
            fresh = [row for row in rows if row["row_index"] >= job.rows_done]
            if not fresh:
                return ChunkOutcome.DUPLICATE
            if fresh[0]["row_index"] != job.rows_done:
                raise Conflict(
                    f"chunk for job {request_id} starts at row {fresh[0]['row_index']} but "
                    f"{job.rows_done} rows are committed"
                )
            session.execute(insert(ResultRow), [{**row, "request_id": request_id} for row in fresh])
            job.rows_done += len(fresh)
            job.rows_failed += sum(1 for row in fresh if row.get("error"))
            job.updated_at = self._now()
            return ChunkOutcome.WRITTEN

    def complete(self, request_id: str, result_key: str, spent: WorkerTime | None = None) -> bool:
        """Running → succeeded once every row is committed; False when the job was stopped."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            _charge(job, spent)
            if job.status != JobStatus.RUNNING:
                return False
            if job.rows_done != job.rows_total:
                raise Conflict(
                    f"job {request_id} has {job.rows_done} of {job.rows_total} rows committed"
                )
            job.status = JobStatus.SUCCEEDED.value
            job.result_key = result_key
            job.error = None
            job.finished_at = job.updated_at = self._now()
            return True

    def fail(self, request_id: str, reason: str) -> bool:
        """Queued/running → failed with the reason; a finished job is left as it is."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if job.status not in ACTIVE:
                return False
            job.status = JobStatus.FAILED.value
            job.error = reason
            job.finished_at = job.updated_at = self._now()
            return True

    def note_error(self, request_id: str, reason: str, spent: WorkerTime | None = None) -> None:
        """Record why an attempt stopped; the job stays active and will be delivered again."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            _charge(job, spent)
            if job.status in ACTIVE:
                job.error = reason
                job.updated_at = self._now()

    def cancel(self, request_id: str, owner: str | None = None) -> JobRecord:
        """Stop the job; rows already committed are kept. Cancelling twice is harmless."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if owner is not None and job.owner != owner:
                raise JobNotFound(f"job {request_id!r} was not found")
            if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                raise Conflict(f"job {request_id} already {job.status}; there is nothing to cancel")
            if job.status != JobStatus.CANCELLED:
                job.status = JobStatus.CANCELLED.value
                job.finished_at = job.updated_at = self._now()
            return _record(job)


def _charge(job: Job, spent: WorkerTime | None) -> None:
    if spent is not None:
        job.worker_seconds = (job.worker_seconds or 0.0) + spent.seconds
        job.cost_usd = (job.cost_usd or 0.0) + spent.cost_usd


def _locked(session: Session, request_id: str) -> Job:
    job = session.scalars(select(Job).where(Job.request_id == request_id).with_for_update()).first()
    if job is None:
        raise JobNotFound(f"job {request_id!r} was not found")
    return job


def _record(job: Job) -> JobRecord:
    return JobRecord(
        request_id=job.request_id,
        owner=job.owner,
        status=JobStatus(job.status),
        input_key=job.input_key,
        input_name=job.input_name,
        input_format=job.input_format,
        input_columns=tuple(job.input_columns),
        text_column=job.text_column,
        group_by=tuple(job.group_by),
        content_hash=job.content_hash,
        dedup_key=job.dedup_key,
        model=job.model,
        model_version=job.model_version,
        labels=tuple(job.labels) if job.labels else None,
        result_key=job.result_key,
        rows_total=job.rows_total,
        rows_done=job.rows_done,
        rows_failed=job.rows_failed,
        attempts=job.attempts,
        error=job.error,
        worker_seconds=job.worker_seconds or 0.0,
        cost_usd=job.cost_usd or 0.0,
        created_at=as_utc(job.created_at),
        started_at=as_utc(job.started_at),
        finished_at=as_utc(job.finished_at),
        updated_at=as_utc(job.updated_at),
    )
