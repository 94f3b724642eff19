"""What the service functions return: plain dataclasses with a JSON-ready ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from pipeline.db.records import JobRecord, QueuePlace
from pipeline.service.pace import Pace, waits_for_worker


@dataclass(frozen=True)
class Submission:
    """The answer to a submit: ``reused`` is true when an identical earlier job was returned."""

    request_id: str
    status: str
    reused: bool = False
    other_text_columns: tuple[str, ...] = ()
    """With the comment column taken for its name (none asked for), the file's other columns
    of free text (``pipeline.column_guess.guess_more_text_columns``): their comments are not
    labelled, which the caller should hear of."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UploadTicket:
    """Where a client uploads a large file and the key it then submits: a multipart/form-data
    POST to ``upload_url`` of ``fields`` then the file as the field ``file``, whose signed
    policy holds the file to 1 to ``max_bytes`` bytes."""

    upload_key: str
    upload_url: str
    method: str
    fields: dict[str, str]
    expires_in_s: int
    max_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JobView:
    request_id: str
    status: str
    input_name: str
    input_format: str
    input_options: dict[str, str | int | list[str]]
    """How the input is read, as validation detected it (``encoding``, ``delimiter``)."""
    text_column: str
    group_by: tuple[str, ...]
    rows_total: int
    rows_done: int
    rows_failed: int
    progress: float
    rows_per_s: float | None
    """Rows labelled per second, as committed so far (``pipeline.service.pace``)."""
    eta_s: float | None
    model: str
    model_version: str | None
    labels: tuple[str, ...] | None
    explain: bool
    """Rows carry their top words toward their label (asked for at submit)."""
    low_confidence: float | None
    """Scores below this are worth a human look (the model's calibrated review threshold)."""
    attempts: int
    error: str | None
    """The job's recorded error; for a running job no worker holds, why it makes no progress
    (``pipeline.service.pace.NO_HOLDER``)."""
    worker_seconds: float
    """Worker time spent on the job so far, over all attempts (model loading included)."""
    cost_usd: float
    """``worker_seconds`` at the worker price per hour in force when each part was recorded."""
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    labelled_at: datetime | None
    """When every row's label was committed: the results, summaries and CSV hold all the
    labels from then on, while a job with insights still works them out (status running)."""
    insights_done: int | None
    """Rows whose aspects (and explanations) are worked out, from the first; None when the
    job computes no insights (PIPELINE_INSIGHTS off, or no worker has started it yet)."""
    erased_at: datetime | None = None
    """When the job's comments, results and files were erased; None while it holds them."""
    waiting_for_worker: bool = False
    """Running but held by no worker now (put behind a queued job's turn): no time left is
    estimated until a worker takes it again."""
    queued_ahead: int | None = None
    """For a queued job: the jobs queued before it that a worker can label, every owner's
    (``pipeline.db.records.QueuePlace``); None otherwise."""
    jobs_running: int | None = None
    """For a queued job: the jobs running now, every owner's; None otherwise."""

    @classmethod
    def of(cls, job: JobRecord, pace: Pace, queue: QueuePlace | None = None) -> JobView:
        return cls(
            request_id=job.request_id,
            status=job.status.value,
            input_name=job.input_name,
            input_format=job.input_format,
            input_options=dict(job.input_options),
            text_column=job.text_column,
            group_by=job.group_by,
            rows_total=job.rows_total,
            rows_done=job.rows_done,
            rows_failed=job.rows_failed,
            progress=job.rows_done / job.rows_total if job.rows_total else 1.0,
            rows_per_s=pace.rows_per_s,
            eta_s=pace.eta_s,
            model=job.model,
            model_version=job.model_version,
            labels=job.labels,
            explain=job.explain,
            low_confidence=job.low_confidence,
            attempts=job.attempts,
            error=job.error if pace.note is None else pace.note,
            worker_seconds=round(job.worker_seconds, 3),
            cost_usd=round(job.cost_usd, 6),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            labelled_at=job.labelled_at,
            insights_done=job.insights_done if job.insights_key is not None else None,
            erased_at=job.erased_at,
            waiting_for_worker=waits_for_worker(job),
            queued_ahead=queue.ahead if queue is not None else None,
            jobs_running=queue.running if queue is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created_at", "started_at", "finished_at", "labelled_at", "erased_at"):
            moment = data[name]
            data[name] = moment.isoformat() if moment is not None else None
        data["group_by"] = list(self.group_by)
        data["labels"] = list(self.labels) if self.labels is not None else None
        return data


@dataclass(frozen=True)
class ResultsPage:
    """Rows ``offset``… of a job; while it runs, ``available`` grows and ``complete`` is false."""

    request_id: str
    status: str
    columns: list[str]
    rows: list[dict[str, Any]]
    offset: int
    limit: int
    available: int
    rows_total: int
    complete: bool
    next_offset: int | None

    def to_dict(self) -> dict[str, Any]:
        """Shallow: its rows are plain dicts already (``asdict`` deep-copied every cell: 25 s
        for a page of a 5,000-column file)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass(frozen=True)
class GroupSummary:
    group: str | None
    rows: int
    errors: int
    counts: dict[str, int]
    shares: dict[str, float | None]
    mean_scores: dict[str, float | None]


@dataclass(frozen=True)
class SummaryView:
    """Counts and mean class probabilities overall and, with ``group_by``, per value of it."""

    request_id: str
    status: str
    labels: list[str]
    rows_done: int
    rows_total: int
    overall: GroupSummary
    group_by: str | None = None
    groups: list[GroupSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
