"""Builders for the report's tests: a finished job and its summary per group, without a
database (``from reportfakes import ...``; tests/ is on sys.path)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


def aspect(name: str, negative: int, neutral: int, positive: int, **extra: Any) -> dict[str, Any]:
    """One aspect's entry as ``GET /aspects`` has it (shares and intervals are not read)."""
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    return {"name": name, "n": sum(counts.values()), "counts": counts, **extra}


def aspects_summary(
    categories: list[dict[str, Any]] | None = None,
    groups: dict[str | None, list[dict[str, Any]]] | None = None,
    rows_labelled: int = 100,
    rows_with_aspects: int = 80,
) -> dict[str, Any]:
    """The service's aspect summary of a job (``insights.aspect_summary``), by course when
    ``groups`` are given; ``categories`` default to the groups' aspects summed."""
    if categories is None:
        summed: dict[str, list[int]] = {}
        for found in (groups or {}).values():
            for entry in found:
                total = summed.setdefault(entry["name"], [0, 0, 0])
                for index, label in enumerate(LABELS):
                    total[index] += entry["counts"][label]
        categories = [aspect(name, *counts) for name, counts in summed.items()]
    return {
        "request_id": "r1",
        "complete": True,
        "model_version": "aspects-test-1",
        "group_by": "course" if groups is not None else None,
        "rows_labelled": rows_labelled,
        "rows_with_aspects": rows_with_aspects,
        "categories": categories,
        "groups": [
            {"group": group, "n": sum(a["n"] for a in found), "small": False, "aspects": found}
            for group, found in (groups or {}).items()
        ],
    }


def theme(
    theme_id: int,
    label: str,
    name: str,
    size: int,
    quotes: tuple[str, ...] = (),
    counts: dict[str | None, int] | None = None,
) -> dict[str, Any]:
    """One theme as ``Theme.to_record()`` writes it."""
    return {
        "id": theme_id,
        "label": label,
        "name": name,
        "keywords": name.split(" / "),
        "quotes": [{"row": index, "text": text} for index, text in enumerate(quotes)],
        "size": size,
        "share": size / 100,
        "coverage": 0.6,
        "counts": [{"group": group, "count": count} for group, count in (counts or {}).items()],
    }


def themes_summary(themes: list[dict[str, Any]], n: int = 100) -> dict[str, Any]:
    return {
        "request_id": "r1",
        "label": None,
        "aspect": None,
        "group_by": "course",
        "group": None,
        "seed": 0,
        "diversity": 0.7,
        "n": n,
        "themes": themes,
    }
