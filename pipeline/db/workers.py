"""Worker heartbeats: which workers are alive, which job each one holds, and its receipt.

Every fleet (local processes, EC2, ECS) relies on this table so that the master can tell a busy
worker from an idle one without asking the fleet, and can hand back the message a dead worker
held (the receipt is stored with the beat) instead of waiting out the visibility timeout.

Beats are stamped, and judged stale, by the database's clock (``engine.clock_of``), as leases
are: workers and the master run on different machines whose clocks disagree, and a worker
45 s behind the master's clock was taken for gone at every tick, its job handed back under it
(hunt 3). Tests inject a clock instead (``now``), which replaces the database's throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.db.engine import Database, as_utc, database_now, once_more_if_dropped
from pipeline.db.models import Job, WorkerBeat
from pipeline.db.records import WorkerRecord


@once_more_if_dropped
class WorkerRegistry:
    def __init__(self, db: Database, now: Callable[[], datetime] | None = None) -> None:
        """``now``: a clock replacing the database's (tests); None reads the database's."""
        self._db = db
        self._now = now

    def _clock(self, session: Session) -> datetime:
        return self._now() if self._now is not None else database_now(session)

    def beat(
        self,
        worker_id: str,
        current_job: str | None,
        host: str,
        pid: int,
        receipt: str | None = None,
    ) -> None:
        """Record that the worker is alive, what it holds and the receipt of that delivery
        (registers it on the first beat)."""
        with self._db.write() as session:
            self._beat_in(session, worker_id, current_job, host, pid, receipt)

    def claim(
        self,
        worker_id: str,
        request_id: str,
        host: str,
        pid: int,
        receipt: str,
        stale_after_s: float,
    ) -> str | None:
        """Beat as holding ``request_id``, unless another worker whose last beat is recent
        enough holds it already: that worker's id is returned and nothing is written. The
        job's row is locked first (FOR UPDATE on PostgreSQL; SQLite's writes are serial), so
        two workers handed one job by two messages at once are served one after the other,
        and the second finds the first."""
        with self._db.write() as session:
            session.execute(
                select(Job.request_id).where(Job.request_id == request_id).with_for_update()
            )
            cutoff = self._clock(session) - timedelta(seconds=stale_after_s)
            holder = session.scalar(
                select(WorkerBeat.worker_id)
                .where(
                    WorkerBeat.current_job == request_id,
                    WorkerBeat.worker_id != worker_id,
                    WorkerBeat.heartbeat_at >= cutoff,
                )
                .limit(1)
            )
            if holder is not None:
                return str(holder)
            self._beat_in(session, worker_id, request_id, host, pid, receipt)
        return None

    def _beat_in(
        self,
        session: Session,
        worker_id: str,
        current_job: str | None,
        host: str,
        pid: int,
        receipt: str | None,
    ) -> None:
        now = self._clock(session)
        beat = session.get(WorkerBeat, worker_id)
        if beat is None:
            session.add(
                WorkerBeat(
                    worker_id=worker_id,
                    host=host,
                    pid=pid,
                    current_job=current_job,
                    receipt=receipt,
                    started_at=now,
                    heartbeat_at=now,
                )
            )
        else:
            beat.current_job = current_job
            beat.receipt = receipt
            beat.heartbeat_at = now
            beat.host = host
            beat.pid = pid

    def remove(self, worker_id: str) -> None:
        with self._db.write() as session:
            session.execute(delete(WorkerBeat).where(WorkerBeat.worker_id == worker_id))

    def forget(self, worker_id: str) -> WorkerRecord | None:
        """Remove a worker known to be gone and return its last beat (None if it had none),
        whose receipt names the message it may still hold."""
        query = delete(WorkerBeat).where(WorkerBeat.worker_id == worker_id).returning(WorkerBeat)
        with self._db.write() as session:
            gone = session.scalars(query).all()
            return _record(gone[0]) if gone else None

    def all(self) -> list[WorkerRecord]:
        with self._db.read() as session:
            return [_record(beat) for beat in session.scalars(select(WorkerBeat))]

    def busy(self, stale_after_s: float) -> dict[str, str]:
        """Worker id → job id for workers holding a job whose last beat is recent enough."""
        with self._db.read() as session:
            cutoff = self._clock(session) - timedelta(seconds=stale_after_s)
            query = select(WorkerBeat.worker_id, WorkerBeat.current_job).where(
                WorkerBeat.current_job.is_not(None), WorkerBeat.heartbeat_at >= cutoff
            )
            return {worker: str(job) for worker, job in session.execute(query)}

    def prune(self, stale_after_s: float) -> list[WorkerRecord]:
        """Forget workers that stopped beating (killed, machine gone) and return their last
        beats. One statement reads and deletes, so a worker that beats meanwhile is kept."""
        with self._db.write() as session:
            cutoff = self._clock(session) - timedelta(seconds=stale_after_s)
            query = delete(WorkerBeat).where(WorkerBeat.heartbeat_at < cutoff)
            return sorted(
                (_record(beat) for beat in session.scalars(query.returning(WorkerBeat))),
                key=lambda record: record.worker_id,
            )


def _record(beat: WorkerBeat) -> WorkerRecord:
    return WorkerRecord(
        worker_id=beat.worker_id,
        host=beat.host,
        pid=beat.pid,
        current_job=beat.current_job,
        started_at=as_utc(beat.started_at),
        heartbeat_at=as_utc(beat.heartbeat_at),
        receipt=beat.receipt,
    )
