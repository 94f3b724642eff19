"""The *Compare → This job against an earlier one* view: which earlier jobs can be chosen, and
the change since one of them (the API's JSON, ``GET /v1/jobs/{id}/change``) as the table,
chart rows and sentences the page shows. Pure: the page fetches, this arranges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from pipeline.client import JobStatus
from pipeline.report import change_table
from pipeline.report.change_section import change_section
from pipeline.report.data import ChangeRow, Move
from pipeline.ui.groups import group_name
from pipeline.ui.insights import aspect_title
from pipeline.ui.shares import comments_text

EARLIER, NOW = "earlier", "now"
MAX_CHART_GROUPS = 25
CHART_SHARE = "negative"


def earlier_jobs(
    jobs: Sequence[JobStatus], current: str, made_before: str | None = None
) -> list[JobStatus]:
    """The finished jobs that can be compared with ``current``: every other succeeded one not
    erased, in the API's order (newest first). With ``made_before`` (``current``'s
    ``created_at``), only the ones made before it: the change reads the chosen job as the
    earlier one and the trend puts it before this one, so a newer job there would turn every
    rise into a fall; a job whose time is unknown is not called earlier."""
    limit = moment(made_before)
    return [
        job
        for job in jobs
        if job.status == "succeeded"
        and job.request_id != current
        and not job.erased_at
        and (limit is None or _before(moment(job.created_at), limit))
    ]


def newer_than_now(body: Mapping[str, Any]) -> bool:
    """Whether the change's "earlier" job (``since``, a pasted id) was made after this one:
    its figures would read backwards."""
    before = moment(str(body.get("before", {}).get("created_at") or ""))
    after = moment(str(body.get("after", {}).get("created_at") or ""))
    return before is not None and after is not None and before > after


def moment(created_at: str | None) -> datetime | None:
    """An API time (ISO 8601) as an aware datetime; None when missing or unreadable."""
    if not created_at:
        return None
    try:
        parsed = datetime.fromisoformat(created_at)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _before(made: datetime | None, limit: datetime) -> bool:
    return made is not None and made < limit


def job_caption(job: JobStatus) -> str:
    """``fall-2025.csv · 2025-12-03 · 5,000 comments · dtnDdzNt``."""
    day = (job.created_at or "")[:10]
    parts = [job.input_name or "upload", *([day] if day else [])]
    return " · ".join([*parts, comments_text(job.rows_total), job.request_id[:8]])


def table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row for all comments and one per group found in both jobs: n in each job, each
    tested label's share earlier → now with the change in points, and whether a change of the
    row is beyond the noise."""
    section = change_section(body)
    rows = [(part, row) for part, kind, row in change_table.parts(section) if kind != "aspect"]
    return _frame(rows, "part", section.labels)


def aspect_table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row per aspect: its share negative earlier → now, as the group table shows a label."""
    rows = [(aspect_title(row.name), row) for row in change_section(body).aspects]
    return _frame(rows, "aspect", ["negative"])


def _frame(rows: Sequence[tuple[str, ChangeRow]], title: str, names: Sequence[str]) -> pd.DataFrame:
    """``names``: what the columns call each of a row's moves, in their order."""
    columns = [title, "n earlier", "n now"]
    for name in names:
        columns += [f"{name}: earlier → now", f"{name}: change"]
    records = []
    for part, row in rows:
        record: dict[str, Any] = {title: part, "n earlier": row.n_before, "n now": row.n_now}
        for name, move in zip(names, row.moves, strict=False):
            record[f"{name}: earlier → now"] = _move(move)
            record[f"{name}: change"] = (
                "–"
                if move.shown_difference is None
                else f"{move.shown_difference * 100:+.0f} points"
            )
        record["beyond the noise"] = bool(row.flagged)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[*columns, "beyond the noise"])


def chart_rows(body: Mapping[str, Any], limit: int = MAX_CHART_GROUPS) -> pd.DataFrame:
    """For ``charts.change_chart``: all comments and the ``limit`` largest groups, each with
    its share negative earlier and now (two rows)."""
    rows = [
        (part, row)
        for part, kind, row in change_table.parts(change_section(body))
        if kind != "aspect"
    ][: limit + 1]
    records = []
    for order, (part, row) in enumerate(rows):
        move = next((move for move in row.moves if move.label == CHART_SHARE), None)
        if move is None:
            continue
        flagged = "beyond the noise" if move.flagged else "within the noise"
        for when, share, n in ((EARLIER, move.before, row.n_before), (NOW, move.now, row.n_now)):
            if share is None:
                continue
            records.append(
                {
                    "part": part,
                    "order": order,
                    "when": when,
                    "share": share,
                    "percent": _percent(share),
                    "n": n,
                    "flagged": flagged,
                }
            )
    return pd.DataFrame.from_records(
        records, columns=["part", "order", "when", "share", "percent", "n", "flagged"]
    )


def flag_sentences(body: Mapping[str, Any]) -> list[str]:
    """``CHEM110: negative 75 % → 12 %, positive 25 % → 88 %`` for each part with a change
    beyond the noise, in the table's order."""
    return [
        f"{part}: "
        + ", ".join(f"{change_table.flag_name(kind, move)} {_move(move)}" for move in row.flagged)
        for part, kind, row in change_table.parts(change_section(body))
        if row.flagged
    ]


def detail_groups(body: Mapping[str, Any]) -> list[str]:
    """The groups of a change's or a trend's answer (found in both jobs, or in two jobs or
    more), by name ("(blank)" for rows without a value), in the answer's order (largest
    first): the ones that can be looked at in detail."""
    return [group_name(group.get("group")) for group in body.get("groups") or []]


def _move(move: Move) -> str:
    return f"{_percent(move.before)} → {_percent(move.now)}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"
