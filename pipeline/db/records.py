"""Plain records the repository returns: detached from sessions, safe to pass to any edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
TERMINAL = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class NewJob:
    request_id: str
    owner: str
    input_key: str
    input_name: str
    input_format: str
    input_columns: tuple[str, ...]
    text_column: str
    group_by: tuple[str, ...]
    content_hash: str
    dedup_key: str
    model: str
    rows_total: int
    input_options: dict[str, str | int | list[str]] = field(default_factory=dict)
    """How to read the input (``inputs.ReadOptions.to_json``): what validation detected."""
    explain: bool = False
    """Store each row's top words toward its label (issue 13; slower)."""


@dataclass(frozen=True)
class QueuePlace:
    """Where a queued job stands: the jobs queued before it that a worker can label (none
    waiting for its model), and the jobs running now, every owner's. Workers take jobs
    roughly in submit order (``pipeline.fair_share`` lets an owner with fewer jobs running
    go first), so ``ahead`` says why a job waits, not exactly when it starts."""

    ahead: int
    running: int


@dataclass(frozen=True)
class WorkerTime:
    """Worker time spent on a job since it was last recorded, and its estimated cost."""

    seconds: float
    cost_usd: float

    @classmethod
    def at_price(cls, seconds: float, price_per_hour: float) -> WorkerTime:
        seconds = max(0.0, seconds)
        return cls(seconds, seconds * price_per_hour / 3600.0)


@dataclass(frozen=True)
class JobRecord:
    request_id: str
    owner: str
    status: JobStatus
    input_key: str
    input_name: str
    input_format: str
    input_columns: tuple[str, ...]
    input_options: dict[str, str | int | list[str]]
    text_column: str
    group_by: tuple[str, ...]
    content_hash: str
    dedup_key: str
    model: str
    model_version: str | None
    labels: tuple[str, ...] | None
    result_key: str | None
    rows_total: int
    rows_done: int
    rows_failed: int
    attempts: int
    error: str | None
    worker_seconds: float
    cost_usd: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    low_confidence: float | None = None
    """Scores below this are worth a human look: the calibrated review threshold of the model
    that labelled the job (pipeline/model/calibration.py); None when the model has none."""
    explain: bool = False
    """Rows carry an ``explanation`` (asked for at submit)."""
    insights_key: str | None = None
    """The object-store prefix of the job's embeddings and themes.json (``pipeline.insights.
    storage``); None when no worker computed insights for it (PIPELINE_INSIGHTS off, or an
    older job)."""
    aspect_model: str | None = None
    """The version of the aspect model that tagged the rows."""
    themes_error: str | None = None
    """Why the job finished without themes, when finding them failed."""
    labelled_at: datetime | None = None
    """When the last row's label was committed: every label is in from then on, while the
    job may still be working out its insights (status stays running until it succeeds)."""
    insights_done: int = 0
    """Rows 0..insights_done-1 carry their aspects and explanations (the second phase of a
    job with an ``insights_key``; ``pipeline.worker``)."""
    erased_at: datetime | None = None
    """When the job's comments, results and files were erased (``pipeline.service.erase``);
    None while it holds them."""
    sent_at: datetime | None = None
    """When the job's queue message was sent (``pipeline.service.unsent``); None before."""
    awaits_delivery: bool = False
    """No worker's delivery of the job is open (``pipeline.poison``): a queued job, or a
    running one put behind a queued one's turn, whose next delivery no worker has taken."""
    holder_read: bool = False
    """The record was read with its holder (``JobRepository.get`` and ``list_for``: what a
    job's status shows), and ``holder_beat_age_s`` says who holds it."""
    holder_beat_age_s: float | None = None
    """With ``holder_read``, the seconds since the last beat of the worker holding the job,
    by the database's clock (the one beats are stamped by); None when no worker holds it."""

    @property
    def labelled(self) -> bool:
        """Every row's label is committed (a succeeded job's always are)."""
        return self.labelled_at is not None or self.status == JobStatus.SUCCEEDED

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class ResultRecord:
    """One labelled row as stored: ``data`` holds every input column of that row."""

    row_index: int
    text: str
    data: dict[str, Any]
    label: str | None
    scores: dict[str, float] | None
    error: str | None
    model_version: str
    language: str | None = None
    """The comment's language where it could be told (migration 0005)."""
    aspects: tuple[str, ...] = ()
    """The aspect categories the comment is about (migration 0008); empty when none."""
    aspect_sentiments: dict[str, str] = field(default_factory=dict)
    theme: int | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class WorkerRecord:
    worker_id: str
    host: str
    pid: int
    current_job: str | None
    started_at: datetime
    heartbeat_at: datetime
    receipt: str | None = None
    """The queue receipt of the delivery the worker holds; None while it is idle."""


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    replaced_at: datetime | None = None
