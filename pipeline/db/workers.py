"""Worker heartbeats: which workers are alive and which job each one holds.

Every fleet (local processes, EC2, ECS) relies on this table so that the master can tell a busy
worker from an idle one without asking the fleet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from pipeline.db.engine import Database, as_utc, utcnow
from pipeline.db.models import WorkerBeat
from pipeline.db.records import WorkerRecord


class WorkerRegistry:
    def __init__(self, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._now = now

    def beat(self, worker_id: str, current_job: str | None, host: str, pid: int) -> None:
        """Record that the worker is alive and what it holds (registers it on the first beat)."""
        now = self._now()
        with self._db.write() as session:
            beat = session.get(WorkerBeat, worker_id)
            if beat is None:
                session.add(
                    WorkerBeat(
                        worker_id=worker_id,
                        host=host,
                        pid=pid,
                        current_job=current_job,
                        started_at=now,
                        heartbeat_at=now,
                    )
                )
            else:
                beat.current_job = current_job
                beat.heartbeat_at = now
                beat.host = host
                beat.pid = pid

    def remove(self, worker_id: str) -> None:
        with self._db.write() as session:
            session.execute(delete(WorkerBeat).where(WorkerBeat.worker_id == worker_id))

    def all(self) -> list[WorkerRecord]:
        with self._db.read() as session:
            return [_record(beat) for beat in session.scalars(select(WorkerBeat))]

    def busy(self, stale_after_s: float) -> dict[str, str]:
        """Worker id → job id for workers holding a job whose last beat is recent enough."""
        cutoff = self._now() - timedelta(seconds=stale_after_s)
        query = select(WorkerBeat.worker_id, WorkerBeat.current_job).where(
            WorkerBeat.current_job.is_not(None), WorkerBeat.heartbeat_at >= cutoff
        )
        with self._db.read() as session:
            return {worker: str(job) for worker, job in session.execute(query)}

    def prune(self, stale_after_s: float) -> list[str]:
        """Forget workers that stopped beating (killed, machine gone); returns their ids."""
        cutoff = self._now() - timedelta(seconds=stale_after_s)
        with self._db.write() as session:
            stale = list(
                session.scalars(
                    select(WorkerBeat.worker_id).where(WorkerBeat.heartbeat_at < cutoff)
                )
            )
            if stale:
                session.execute(delete(WorkerBeat).where(WorkerBeat.worker_id.in_(stale)))
            return stale


def _record(beat: WorkerBeat) -> WorkerRecord:
    return WorkerRecord(
        worker_id=beat.worker_id,
        host=beat.host,
        pid=beat.pid,
        current_job=beat.current_job,
        started_at=as_utc(beat.started_at),
        heartbeat_at=as_utc(beat.heartbeat_at),
    )
