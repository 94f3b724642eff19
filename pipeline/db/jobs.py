"""The job trace table: create, read, and every state change a job goes through.

Chunk writes are the heart of exactly-once results over an at-least-once queue: the job row is
locked, the chunk is accepted only if it starts where the committed rows end, and the rows and
the progress are committed together. The second phase (insights, ``write_insights``) works the
same way on its own counter: a chunk's insight columns and ``insights_done`` commit together.
Deliveries are judged the same way, under the job row's lock (``take_delivery``, the policy in
``pipeline.poison``), and reuse is an insert-or-get on a unique index
(``create_unless_reusable``), so neither can race.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.engine import (
    Database,
    as_datetime,
    as_utc,
    clock_of,
    database_now,
    once_more_if_dropped,
    utcnow,
)
from pipeline.db.keys import refuse_revoked
from pipeline.db.models import Job, ResultRow, WorkerBeat
from pipeline.db.records import (
    ACTIVE,
    TERMINAL,
    JobRecord,
    JobStatus,
    NewJob,
    QueuePlace,
    WorkerTime,
)
from pipeline.errors import Conflict, JobNotFound
from pipeline.model_fault import MODEL_FAULT_PREFIXES, ModelChanged, changed_note, is_waiting_note
from pipeline.poison import (
    DeliveryTrace,
    PoisonPolicy,
    after_failure,
    gave_up_themes,
    on_delivery,
    past_every_row,
    poison_reason,
    themes_given_up,
    without_themes,
)

REUSABLE = (*ACTIVE, JobStatus.SUCCEEDED)
_CLAIM_TRIES = 5


class ChunkOutcome(StrEnum):
    WRITTEN = "written"
    DUPLICATE = "duplicate"
    STOPPED = "stopped"


INSIGHT_COLUMNS = ("aspects", "aspect_sentiments", "explanation")
"""What the second phase sets on a labelled row (the worker's database role may update only
these and ``theme``: pipeline/db/roles.py)."""


class Intake(StrEnum):
    """What the worker does with a delivery, as ``take_delivery`` judged it."""

    WORK = "work"
    """Label the job from its first uncommitted row."""
    POISONED = "poisoned"
    """The job kept crashing without progress and was failed just now: drop the message."""
    FINISHED = "finished"
    """The job already ended: drop the message."""


@once_more_if_dropped
class JobRepository:
    def __init__(self, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._now = now

    def create(self, new: NewJob) -> JobRecord:
        """Always a new job (a fresh submission); it becomes the one later identical
        submissions reuse, in place of the previous one, which is otherwise left as it is."""
        job, _created = self._claim(new, reuse=False)
        return job

    def create_unless_reusable(self, new: NewJob) -> tuple[JobRecord, bool]:
        """The owner's live (queued, running or succeeded) job with the same dedup key, or a
        new one; the flag is True when the job was created.

        Atomic across threads and processes: a unique index on (owner, reuse key) over live
        jobs lets one of several identical submissions insert; the others find its job."""
        return self._claim(new, reuse=True)

    def _claim(self, new: NewJob, reuse: bool) -> tuple[JobRecord, bool]:
        """Insert (or, with ``reuse``, find) the job in one transaction that first checks its
        owner's key is not revoked (Unauthorized otherwise, nothing written)."""
        tries = 0
        while True:
            try:
                with self._db.write() as session:
                    refuse_revoked(session, new.owner)
                    holder = _reuse_holder(session, new.owner, new.dedup_key)
                    if holder is not None and reuse:
                        return _record(holder), False
                    if holder is not None:
                        holder.reuse_key = None
                        session.flush()
                    job = self._new_row(new)
                    session.add(job)
                    session.flush()
                    return _record(job), True
            except IntegrityError:
                # Another submission took the key between this one's read and its insert
                # (PostgreSQL; SQLite's write lock serialises them): read again.
                tries += 1
                if tries >= _CLAIM_TRIES:
                    raise

    def _new_row(self, new: NewJob) -> Job:
        now = self._now()
        return Job(
            request_id=new.request_id,
            owner=new.owner,
            status=JobStatus.QUEUED.value,
            input_key=new.input_key,
            input_name=new.input_name[:255],
            input_format=new.input_format,
            input_columns=list(new.input_columns),
            input_options=dict(new.input_options) or None,
            text_column=new.text_column,
            group_by=list(new.group_by),
            content_hash=new.content_hash,
            dedup_key=new.dedup_key,
            reuse_key=new.dedup_key,
            model=new.model,
            rows_total=new.rows_total,
            rows_done=0,
            rows_failed=0,
            attempts=0,
            worker_seconds=0.0,
            cost_usd=0.0,
            stalls=0,
            explain=new.explain,
            created_at=now,
            updated_at=now,
        )

    def get(self, request_id: str, owner: str | None = None) -> JobRecord:
        """The job, or JobNotFound; with ``owner`` another owner's job is reported missing."""
        query = self._with_holder().where(Job.request_id == request_id)
        with self._db.read() as session:
            found = session.execute(query).first()
            if found is None or (owner is not None and found[0].owner != owner):
                raise JobNotFound(f"job {request_id!r} was not found")
            return _record(found[0], holder=_beat_age(found[1], found[2]))

    def list_for(self, owner: str, limit: int = 50) -> list[JobRecord]:
        query = self._with_holder().where(Job.owner == owner)
        query = query.order_by(Job.created_at.desc()).limit(limit)
        with self._db.read() as session:
            return [
                _record(job, holder=_beat_age(beat, now))
                for job, beat, now in session.execute(query)
            ]

    def _with_holder(self) -> Select[tuple[Job, datetime | None, Any]]:
        """The job with the last beat of the worker holding it and the database's clock."""
        return select(Job, _holder_beat(), clock_of(self._db.dialect))

    def find_reusable(self, owner: str, dedup_key: str) -> JobRecord | None:
        """The job of this owner for the same content and parameters that identical
        submissions reuse (live: queued, running or succeeded), if any."""
        with self._db.read() as session:
            job = session.scalars(_reuse_query(owner, dedup_key)).first()
            return None if job is None else _record(job)

    def take_delivery(self, request_id: str, policy: PoisonPolicy, opening: bool = True) -> Intake:
        """Judge a delivery of the job at receive time, under the job row's lock.

        A delivery left open by the previous worker (crashed, killed) counts as a failure at
        the row the job stands at; after ``policy.max_failures`` failures in a row there the
        job fails here with the rows named. Past every row (only the themes and publishing
        left) the job's themes are given up first, and the delivery goes on without them
        (``pipeline.poison``). With ``opening`` this delivery is recorded as open from the
        current committed-row count; without, only judged (the worker re-sends the message
        instead of working on it)."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if job.status not in ACTIVE:
                return Intake.FINISHED
            trace, poisoned = on_delivery(_trace(job), policy, opening)
            if poisoned and _themes_to_give_up(job, trace):
                job.themes_error = themes_given_up(trace.stalls)
                trace, poisoned = without_themes(trace, opening), False
            _keep(job, trace)
            job.updated_at = self._now()
            if not poisoned:
                return Intake.WORK
            job.status = JobStatus.FAILED.value
            job.error = poison_reason(
                trace, policy, job.rows_total, job.error, job.insights_key is not None
            )
            job.finished_at = job.updated_at
            return Intake.POISONED

    def any_queued(self, waited_s: float = 0.0) -> bool:
        """Whether a job has waited at least ``waited_s`` for its first delivery: another job
        yields to it. A job waiting for its model (``model_fault.waiting_note``) is not
        counted: no worker can label it until the operator fixes the model, so yielding to it
        would only stall the jobs that can be labelled. One that met a passing storage fault
        (``model_fault.service_note``) is, as any worker may label it once the fault clears."""
        query = (
            select(Job.request_id)
            .where(Job.status == JobStatus.QUEUED.value)
            .where(_not_waiting_for_model())
            .where(Job.created_at <= self._now() - timedelta(seconds=waited_s))
            .limit(1)
        )
        with self._db.read() as session:
            return session.scalar(query) is not None

    def queue_place(self, job: JobRecord) -> QueuePlace:
        """Where the queued ``job`` stands (``QueuePlace``): two counts over the status
        index, read only for a queued job's status."""
        ahead = (
            select(func.count())
            .select_from(Job)
            .where(Job.status == JobStatus.QUEUED.value)
            .where(_not_waiting_for_model())
            .where(Job.created_at < job.created_at)
        )
        running = select(func.count()).select_from(Job).where(Job.status == JobStatus.RUNNING.value)
        with self._db.read() as session:
            return QueuePlace(int(session.scalar(ahead) or 0), int(session.scalar(running) or 0))

    def owners_at_work(self) -> tuple[dict[str, int], set[str]]:
        """Jobs running per owner, and the owners with a job queued that a worker can label
        (not one waiting for its model): what ``pipeline.fair_share`` weighs."""
        running = (
            select(Job.owner, func.count())
            .where(Job.status == JobStatus.RUNNING.value)
            .group_by(Job.owner)
        )
        waiting = (
            select(Job.owner)
            .where(Job.status == JobStatus.QUEUED.value)
            .where(_not_waiting_for_model())
            .distinct()
        )
        with self._db.read() as session:
            counts = {owner: int(count) for owner, count in session.execute(running)}
            return counts, set(session.scalars(waiting))

    def hand_back(self, request_id: str) -> None:
        """Close the open delivery without counting a failure: its worker stopped on request
        and handed the message back."""
        with self._db.write() as session:
            _locked(session, request_id).delivery_row = None

    def note_fault(
        self,
        request_id: str,
        reason: str,
        *,
        late_from: str | None = None,
        stale_after_s: float = 0.0,
    ) -> None:
        """Record why a delivery could not go on for a fault outside the job's rows (its model
        cannot be loaded: ``pipeline.model_fault``; the service's storage failed) and close it,
        if it was opened, without counting a failure: the job stays active and will be
        delivered again. ``late_from``: the worker writing it once the database answers again
        (it could not when the fault happened); nothing is written when another worker whose
        beat is within ``stale_after_s`` holds the job by then, as its delivery is the open
        one."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            taken = late_from is not None and _held_by_other(
                session,
                request_id,
                late_from,
                database_now(session) - timedelta(seconds=stale_after_s),
            )
            if job.status in ACTIVE and not taken:
                job.delivery_row = None
                job.error = reason
                job.updated_at = self._now()

    def begin_attempt(
        self,
        request_id: str,
        model_version: str,
        labels: Sequence[str],
        low_confidence: float | None = None,
        *,
        insights_key: str | None = None,
        aspect_model: str | None = None,
    ) -> JobRecord | None:
        """Mark the job running for one more delivery; None when it is already finished.
        ``low_confidence`` is the model's review threshold (None: it has none);
        ``insights_key`` and ``aspect_model`` are recorded when this worker computes insights
        (a worker without them leaves what an earlier delivery recorded). ModelChanged when
        rows are committed and this worker's model is not the one they came from
        (``model_fault.changed_note``): the worker checks before, this is the locked check."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if job.status not in ACTIVE:
                return None
            now = self._now()
            changed = changed_note(
                job.model,
                job.rows_done,
                (job.model_version, job.labels),
                (model_version, labels),
            )
            if changed is not None:
                raise ModelChanged(changed)
            job.status = JobStatus.RUNNING.value
            job.attempts += 1
            if is_waiting_note(job.error):  # this worker loaded the model: no longer waiting
                job.error = None
            job.model_version = model_version
            job.labels = list(labels)
            job.low_confidence = low_confidence
            if insights_key is not None:
                job.insights_key = insights_key
                job.aspect_model = aspect_model
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
            fresh = _fresh(job, rows, job.rows_done)
            if isinstance(fresh, ChunkOutcome):
                return fresh
            if fresh[0]["row_index"] != job.rows_done:
                raise Conflict(
                    f"chunk for job {request_id} starts at row {fresh[0]['row_index']} but "
                    f"{job.rows_done} rows are committed"
                )
            # A Core insert of the table: the ORM's bulk insert of the same dicts spends about
            # a tenth of a second per 10,000 rows on bookkeeping this does not need.
            session.execute(
                insert(ResultRow.metadata.tables[ResultRow.__tablename__]),
                [{**row, "request_id": request_id} for row in fresh],
            )
            job.rows_done += len(fresh)
            job.rows_failed += sum(1 for row in fresh if row.get("error"))
            job.updated_at = self._now()
            if job.rows_done >= job.rows_total and job.labelled_at is None:
                job.labelled_at = job.updated_at
            return ChunkOutcome.WRITTEN

    def write_insights(
        self, request_id: str, rows: Sequence[dict[str, Any]], spent: WorkerTime | None = None
    ) -> ChunkOutcome:
        """Set committed rows' insight columns (``INSIGHT_COLUMNS``) and advance
        ``insights_done`` together; rows already done are skipped, so a chunk analysed twice
        (a crash between its analysis and this commit) lands once.

        Each row is a mapping with ``row_index`` (ascending, from ``insights_done`` on, all
        labelled already) and the insight columns."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            _charge(job, spent)
            fresh = _fresh(job, rows, job.insights_done)
            if isinstance(fresh, ChunkOutcome):
                return fresh
            first, last = fresh[0]["row_index"], fresh[-1]["row_index"]
            if first != job.insights_done or last >= job.rows_done:
                raise Conflict(
                    f"insights for job {request_id} cover rows {first}–{last} but "
                    f"{job.insights_done} rows have insights and {job.rows_done} are labelled"
                )
            session.execute(
                update(ResultRow),
                [
                    {
                        "request_id": request_id,
                        "row_index": row["row_index"],
                        **{name: row.get(name) for name in INSIGHT_COLUMNS},
                    }
                    for row in fresh
                ],
            )
            job.insights_done += len(fresh)
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
            job.labelled_at = job.labelled_at or job.finished_at  # a job without rows
            return True

    def note_themes(self, request_id: str, error: str | None) -> None:
        """Record how finding the job's themes ended: None when they were found, otherwise
        why they are unavailable (the labels are complete either way)."""
        with self._db.write() as session:
            _locked(session, request_id).themes_error = error

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
        """Record why an attempt failed, as a failure where the job stands (pipeline.poison);
        the job stays active and will be delivered again."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            _charge(job, spent)
            if job.status in ACTIVE:
                _keep(job, after_failure(_trace(job)))
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

    def erase(
        self, request_id: str, owner: str | None = None, at: datetime | None = None
    ) -> Erased:
        """Mark the job erased and delete its result rows, in one transaction under the job
        row's lock: a worker's next commit finds it stopped and writes nothing (a queued or
        running job is cancelled by it). The row stays, saying when (``at``, default now); it
        is no longer reused. Erasing twice keeps the first time. ``shared_input``: another job
        that is not erased reads the same stored file (an upload submitted twice), which must
        then stay. ``newly``: the job was not erased before this call."""
        with self._db.write() as session:
            job = _locked(session, request_id)
            if owner is not None and job.owner != owner:
                raise JobNotFound(f"job {request_id!r} was not found")
            now = self._now()
            newly = job.erased_at is None
            if job.status not in TERMINAL:
                job.status = JobStatus.CANCELLED.value
                job.finished_at = now
            job.erased_at = job.erased_at or at or now
            job.reuse_key = None
            job.updated_at = now
            session.execute(delete(ResultRow).where(ResultRow.request_id == request_id))
            sharing = select(Job.request_id).where(
                Job.input_key == job.input_key,
                Job.request_id != request_id,
                Job.erased_at.is_(None),
            )
            shared = session.scalars(sharing.limit(1)).first() is not None
            erased = Erased(_record(job), shared_input=shared, newly=newly)
        self._db.purge_deleted()
        return erased

    def ended_before(self, moment: datetime, limit: int) -> list[str]:
        """Up to ``limit`` jobs finished before ``moment`` and not erased, oldest first: what
        a retention period ends."""
        query = (
            select(Job.request_id)
            .where(Job.finished_at < moment, Job.erased_at.is_(None))
            .order_by(Job.finished_at)
            .limit(limit)
        )
        with self._db.read() as session:
            return list(session.scalars(query))

    def not_erased(self, after: str, limit: int) -> list[str]:
        """Up to ``limit`` ids of jobs not erased, in id order from after ``after`` (``""``:
        from the first): the pages ``pipeline.service.restored_erasures`` checks."""
        query = (
            select(Job.request_id)
            .where(Job.erased_at.is_(None), Job.request_id > after)
            .order_by(Job.request_id)
            .limit(limit)
        )
        with self._db.read() as session:
            return list(session.scalars(query))

    def mark_sent(self, request_id: str) -> None:
        """The job's queue message was sent (by its submit, or again by a repair)."""
        with self._db.write() as session:
            _locked(session, request_id).sent_at = self._now()

    def unsent(self, created_before: datetime, limit: int) -> list[JobRecord]:
        """Up to ``limit`` queued jobs recorded before ``created_before`` whose message was
        never sent, oldest first: their submit died between the two."""
        query = (
            select(Job)
            .where(
                Job.status == JobStatus.QUEUED.value,
                Job.sent_at.is_(None),
                Job.erased_at.is_(None),
                Job.created_at < created_before,
            )
            .order_by(Job.created_at)
            .limit(limit)
        )
        with self._db.read() as session:
            return [_record(job) for job in session.scalars(query)]

    def stranded(
        self,
        quiet_before: datetime,
        held: Collection[str],
        limit: int,
        request_id: str | None = None,
    ) -> list[JobRecord]:
        """Up to ``limit`` live jobs (queued and sent, or running) that nothing has happened to
        since ``quiet_before``: no message sent, no delivery taken, no row committed. None of
        ``held`` (the jobs live workers hold), oldest first; with ``request_id`` only that job.
        What ``pipeline.service.unsent`` takes for a job whose queue message is gone."""
        sent = func.coalesce(Job.sent_at, Job.created_at)
        query = select(Job).where(
            or_(
                Job.status == JobStatus.RUNNING.value,
                (Job.status == JobStatus.QUEUED.value) & Job.sent_at.is_not(None),
            ),
            Job.erased_at.is_(None),
            Job.updated_at < quiet_before,
            sent < quiet_before,
        )
        if held:
            query = query.where(Job.request_id.not_in(sorted(held)))
        if request_id is not None:
            query = query.where(Job.request_id == request_id)
        with self._db.read() as session:
            ordered = query.order_by(sent, Job.request_id).limit(limit)
            return [_record(job) for job in session.scalars(ordered)]

    def hand_over(self, source: str, target: str) -> int:
        """Give every job of owner ``source`` to ``target`` (erased ones too: their rows say
        what was erased), in one transaction; returns how many moved. A moved job whose reuse
        key ``target`` already holds stops being reused, so identical submissions of
        ``target`` keep finding its own job and an owner's reuse keys stay unique."""
        held = select(Job.reuse_key).where(Job.owner == target, Job.reuse_key.is_not(None))
        with self._db.write() as session:
            session.execute(
                update(Job)
                .where(Job.owner == source, Job.reuse_key.in_(held))
                .values(reuse_key=None)
            )
            moved = session.execute(update(Job).where(Job.owner == source).values(owner=target))
            return int(getattr(moved, "rowcount", 0))


@dataclass(frozen=True)
class Erased:
    """An erased job's record, and whether its stored input is another job's too."""

    job: JobRecord
    shared_input: bool
    newly: bool


def _not_waiting_for_model() -> ColumnElement[bool]:
    """A job whose error is not a note that it waits for its model (``pipeline.model_fault``)."""
    waiting = [Job.error.startswith(prefix, autoescape=True) for prefix in MODEL_FAULT_PREFIXES]
    return or_(Job.error.is_(None), ~or_(*waiting))


def _holder_beat() -> ScalarSelect[datetime]:
    """The last beat of a worker holding the job: what tells a job being worked on from one
    whose delivery is open with no worker left (ended, or stopped by the storage failing)."""
    beats = select(func.max(WorkerBeat.heartbeat_at)).where(
        WorkerBeat.current_job == Job.request_id
    )
    return beats.scalar_subquery()


def _beat_age(beat: datetime | None, now: datetime | str) -> tuple[float | None]:
    """The seconds since a holder's ``beat`` at the database's ``now`` (``clock_of``)."""
    if beat is None:
        return (None,)
    return ((as_datetime(now) - as_utc(beat)).total_seconds(),)


def _held_by_other(session: Session, request_id: str, worker_id: str, since: datetime) -> bool:
    """Whether a worker other than ``worker_id`` that beat at ``since`` or later holds the job."""
    holder = select(WorkerBeat.worker_id).where(
        WorkerBeat.current_job == request_id,
        WorkerBeat.worker_id != worker_id,
        WorkerBeat.heartbeat_at >= since,
    )
    return session.scalars(holder.limit(1)).first() is not None


def _charge(job: Job, spent: WorkerTime | None) -> None:
    if spent is not None:
        job.worker_seconds = (job.worker_seconds or 0.0) + spent.seconds
        job.cost_usd = (job.cost_usd or 0.0) + spent.cost_usd


def _fresh(
    job: Job, rows: Sequence[dict[str, Any]], done: int
) -> list[dict[str, Any]] | ChunkOutcome:
    """The rows of a chunk from ``done`` on, or why there are none to write: the job is no
    longer running, or every row landed already."""
    if job.status != JobStatus.RUNNING:
        return ChunkOutcome.STOPPED
    return [row for row in rows if row["row_index"] >= done] or ChunkOutcome.DUPLICATE


def _trace(job: Job) -> DeliveryTrace:
    """The job's deliveries, where progress counts labelled rows and then rows with insights:
    a second phase that keeps committing chunks is not poison, one stuck on a chunk is."""
    progress = job.rows_done
    if job.rows_done >= job.rows_total and job.insights_key is not None:
        progress += job.insights_done or 0
    return DeliveryTrace(progress, job.delivery_row, job.stalled_row, job.stalls or 0)


def _themes_to_give_up(job: Job, trace: DeliveryTrace) -> bool:
    """Whether the job has themes still to find and stands past every row, where the
    deliveries that kept dying were finding them (or publishing): give them up, not the job."""
    two_phases = job.insights_key is not None
    return (
        two_phases
        and past_every_row(trace, job.rows_total, two_phases)
        and not gave_up_themes(job.themes_error)
    )


def _keep(job: Job, trace: DeliveryTrace) -> None:
    job.delivery_row = trace.open_at
    job.stalled_row = trace.stalled_at
    job.stalls = trace.stalls


def _reuse_query(owner: str, dedup_key: str) -> Select[Job]:
    return select(Job).where(
        Job.owner == owner, Job.reuse_key == dedup_key, Job.status.in_(REUSABLE)
    )


def _reuse_holder(session: Session, owner: str, dedup_key: str) -> Job | None:
    return session.scalars(_reuse_query(owner, dedup_key).with_for_update()).first()


def _locked(session: Session, request_id: str) -> Job:
    job = session.scalars(select(Job).where(Job.request_id == request_id).with_for_update()).first()
    if job is None:
        raise JobNotFound(f"job {request_id!r} was not found")
    return job


def _record(job: Job, holder: tuple[float | None] | None = None) -> JobRecord:
    """``holder``: the age of the last beat of the worker holding the job, when read."""
    return JobRecord(
        request_id=job.request_id,
        owner=job.owner,
        status=JobStatus(job.status),
        input_key=job.input_key,
        input_name=job.input_name,
        input_format=job.input_format,
        input_columns=tuple(job.input_columns),
        input_options=dict(job.input_options or {}),
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
        low_confidence=job.low_confidence,
        explain=bool(job.explain),
        insights_key=job.insights_key,
        aspect_model=job.aspect_model,
        themes_error=job.themes_error,
        labelled_at=as_utc(job.labelled_at),
        insights_done=job.insights_done or 0,
        erased_at=as_utc(job.erased_at),
        sent_at=as_utc(job.sent_at),
        awaits_delivery=job.delivery_row is None,
        holder_read=holder is not None,
        holder_beat_age_s=None if holder is None else holder[0],
    )
