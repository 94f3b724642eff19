"""Builders for the report's tests: a finished job and its summary per group, without a
database (``from reportfakes import ...``; tests/ is on sys.path)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.db.records import JobRecord, JobStatus
from pipeline.service.views import GroupSummary, SummaryView

LABELS = ("negative", "neutral", "positive")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def part(
    group: str | None, negative: int, neutral: int, positive: int, errors: int = 0
) -> GroupSummary:
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    scored = sum(counts.values())
    return GroupSummary(
        group=group,
        rows=scored + errors,
        errors=errors,
        counts=counts,
        shares={k: (v / scored if scored else None) for k, v in counts.items()},
        mean_scores=dict.fromkeys(counts, 0.5),
    )


def summary(groups: list[GroupSummary], group_by: str | None = "course") -> SummaryView:
    overall = part(
        None,
        *(sum(g.counts[label] for g in groups) for label in LABELS),
        errors=sum(g.errors for g in groups),
    )
    return SummaryView(
        "r1", "succeeded", list(LABELS), overall.rows, overall.rows, overall, group_by, groups
    )


def job() -> JobRecord:
    return JobRecord(
        request_id="r1",
        owner="o",
        status=JobStatus.SUCCEEDED,
        input_key="uploads/r1/input.csv",
        input_name="evaluations.csv",
        input_format="csv",
        input_columns=("course", "comment"),
        input_options={},
        text_column="comment",
        group_by=("course",),
        content_hash="h",
        dedup_key="d",
        model="default",
        model_version="m-1",
        labels=LABELS,
        result_key=None,
        rows_total=100,
        rows_done=100,
        rows_failed=0,
        attempts=1,
        error=None,
        worker_seconds=1.0,
        cost_usd=0.0,
        created_at=NOW,
        started_at=NOW,
        finished_at=NOW,
        updated_at=NOW,
    )
