"""The repository: SQLAlchemy tables shared by SQLite (embedded) and PostgreSQL (AWS)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.db.engine import DEFAULT_BUSY_TIMEOUT_S, Database
from pipeline.db.jobs import ChunkOutcome, JobRepository
from pipeline.db.keys import KeyRepository
from pipeline.db.leases import LeaseRecord, LeaseRepository
from pipeline.db.records import (
    JobRecord,
    JobStatus,
    NewJob,
    QueuePlace,
    ResultRecord,
    WorkerTime,
)
from pipeline.db.results import GroupStats, InsightRow, ResultRepository
from pipeline.db.workers import WorkerRegistry

__all__ = [
    "ChunkOutcome",
    "Database",
    "GroupStats",
    "InsightRow",
    "JobRecord",
    "JobRepository",
    "JobStatus",
    "KeyRepository",
    "LeaseRecord",
    "LeaseRepository",
    "NewJob",
    "QueuePlace",
    "Repository",
    "ResultRecord",
    "ResultRepository",
    "WorkerRegistry",
    "WorkerTime",
]


@dataclass(frozen=True)
class Repository:
    """Everything stored in the database, grouped by table family, over one engine."""

    database: Database
    jobs: JobRepository
    results: ResultRepository
    workers: WorkerRegistry
    keys: KeyRepository
    leases: LeaseRepository

    @classmethod
    def connect(cls, url: str, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Repository:
        database = Database(url, busy_timeout_s)
        return cls(
            database=database,
            jobs=JobRepository(database),
            results=ResultRepository(database),
            workers=WorkerRegistry(database),
            keys=KeyRepository(database),
            leases=LeaseRepository(database),
        )
