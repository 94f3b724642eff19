"""The schema shared by SQLite and PostgreSQL: job trace, result rows, worker heartbeats, keys.

The Alembic migrations in ``pipeline/migrations`` create exactly these tables; a test compares
the two so they cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)
# Jobs whose results a new identical submission may reuse: not failed, not cancelled.
REUSABLE = text("status IN ('queued', 'running', 'succeeded')")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Job(Base):
    """The trace row of one request: what was asked, where it stands, how it ended."""

    __tablename__ = "jobs"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    input_key: Mapped[str] = mapped_column(String(512))
    input_name: Mapped[str] = mapped_column(String(255))
    input_format: Mapped[str] = mapped_column(String(8))
    input_columns: Mapped[list[str]] = mapped_column(JSON)
    # How the worker reads the input, as validation found it (migration 0003): encoding and
    # delimiter of a CSV; None on jobs queued before, which are read with the defaults.
    input_options: Mapped[dict[str, str | int | list[str]] | None] = mapped_column(JSON)
    text_column: Mapped[str] = mapped_column(String(255))
    group_by: Mapped[list[str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    dedup_key: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(1024))
    model_version: Mapped[str | None] = mapped_column(String(255))
    labels: Mapped[list[str] | None] = mapped_column(JSON)
    result_key: Mapped[str | None] = mapped_column(String(512))
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # Worker time and its estimated cost, added after every committed chunk (migration 0002).
    worker_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    # The labelling model's low-confidence (review) threshold, from its card (migration 0005).
    low_confidence: Mapped[float | None] = mapped_column(Float)
    # Deliveries and poison (migration 0004, pipeline/poison.py): the committed rows when the
    # open delivery began (None: none open), and the failed deliveries in a row that ended at
    # the same committed row.
    delivery_row: Mapped[int | None] = mapped_column(Integer)
    stalled_row: Mapped[int | None] = mapped_column(Integer)
    stalls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The dedup key while this job is the one identical submissions reuse; None for a job that
    # was displaced by a fresh one (migration 0004). Unique per owner among live jobs.
    reuse_key: Mapped[str | None] = mapped_column(String(64))
    # Issue 13 (migration 0008): word explanations asked for at submit; where the worker keeps
    # the job's embeddings and themes.json (None: no insights computed), the aspect model's
    # version, and why a finished job has no themes.
    explain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    insights_key: Mapped[str | None] = mapped_column(String(512))
    aspect_model: Mapped[str | None] = mapped_column(String(255))
    themes_error: Mapped[str | None] = mapped_column(Text)
    # Labels first, insights after (migration 0009): when the last labelled row committed, and
    # the rows (from the first) whose aspects and explanations the second phase has stored.
    labelled_at: Mapped[datetime | None] = mapped_column(Timestamp)
    insights_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Erased (migration 0010): when the job's rows and objects were erased; the row stays.
    erased_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Sent (migration 0012): when the job's queue message was sent; None until then.
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)

    __table_args__ = (
        Index(
            "uq_jobs_owner_reuse_key",
            "owner",
            "reuse_key",
            unique=True,
            sqlite_where=REUSABLE,
            postgresql_where=REUSABLE,
        ),
        Index("ix_jobs_owner_created_at", "owner", "created_at"),
        Index("ix_jobs_status", "status"),
    )


class ResultRow(Base):
    """One labelled input row; the primary key makes a chunk written twice leave one copy."""

    __tablename__ = "result_rows"

    request_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("jobs.request_id", ondelete="CASCADE"), primary_key=True
    )
    row_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(64))
    scores: Mapped[dict[str, float] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str] = mapped_column(String(255))
    # The comment's language where it could be told (migration 0005, pipeline/model/language.py).
    language: Mapped[str | None] = mapped_column(String(16))
    # Issue 13 (migration 0008): the categories the comment is about, the sentiment toward
    # each, its theme (set when the job completes) and, with explain, its top words.
    aspects: Mapped[list[str] | None] = mapped_column(JSON)
    aspect_sentiments: Mapped[dict[str, str] | None] = mapped_column(JSON)
    theme: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[str | None] = mapped_column(Text)


class WorkerBeat(Base):
    """A live worker and the job it holds; the master never stops one whose job is set."""

    __tablename__ = "workers"

    worker_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    current_job: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime] = mapped_column(Timestamp)
    # The queue receipt of the delivery it holds: released by the master once the worker is gone.
    receipt: Mapped[str | None] = mapped_column(Text)


class ApiKey(Base):
    """An API key: only a hash of the secret is stored; ``key_id`` owns the key's jobs."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Rotated (migration 0011): when ``keys rotate`` last replaced the secret.
    replaced_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Lease(Base):
    """Who may act alone for a while (the master that reconciles): migration 0007 and
    pipeline/db/leases.py. The holder renews ``expires_at`` by the database's clock; once it
    has passed, another contender may take the row over."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
