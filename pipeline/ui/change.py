"""The *Compare → This job against an earlier one* view: which earlier jobs can be chosen, and
the change since one of them (the API's JSON, ``GET /v1/jobs/{id}/change``) as the table,
chart rows and sentences the page shows. Pure: the page fetches, this arranges."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from pipeline.client import JobStatus
from pipeline.report import change_table
from pipeline.report.change_section import change_section
from pipeline.report.data import ChangeRow, Move
from pipeline.ui.groups import SMALL_MARK, group_name
from pipeline.ui.insights import aspect_title
from pipeline.ui.progress import clean_request_id
from pipeline.ui.shares import comments_text

EARLIER, NOW = "earlier", "now"
MAX_CHART_GROUPS = 25
CHART_SHARE = "negative"


def earlier_jobs(
    jobs: Sequence[JobStatus], current: str, made: str | None = None
) -> list[JobStatus]:
    """The finished jobs that can be compared with ``current``: every other succeeded one not
    erased. Any of them may hold the earlier term, whenever it was uploaded: an older term's
    file is submitted again after a model change, or a chair starts with this term and fills
    in the years before. With ``made`` (``current``'s ``created_at``), those uploaded before
    it come first; each part in the API's order (newest first)."""
    found = [
        job
        for job in jobs
        if job.status == "succeeded" and job.request_id != current and not job.erased_at
    ]
    return sorted(found, key=lambda job: made_after(job.created_at, made))


def made_after(created_at: str | None, made: str | None) -> bool:
    """Whether a job of ``created_at`` was uploaded after ``made``; False where either time
    is unknown."""
    limit = moment(created_at)
    return limit is not None and _before(moment(made), limit)


def uploaded_later(jobs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The jobs of a change (``before``, ``after``) or a trend (``jobs``), in the order they
    are read, that were uploaded after a job read after them: right for an older term
    submitted again, backwards for a newer term put first, which only the user can tell. So
    the page says so and shows the figures; a job of unknown time is none."""
    return [
        job
        for index, job in enumerate(jobs)
        if any(
            made_after(str(job.get("created_at") or ""), str(later.get("created_at") or ""))
            for later in jobs[index + 1 :]
        )
    ]


def pasted_ids(text: str) -> list[str]:
    """Request ids pasted in one field, in their order: split at spaces, commas, semicolons
    and line breaks, each cleaned as one pasted alone (``progress.clean_request_id``)."""
    return [clean for part in re.split(r"[\s,;]+", text) if (clean := clean_request_id(part))]


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


def job_caption(job: JobStatus, made: str | None = None) -> str:
    """``fall-2025.csv · 2025-12-03 · 5,000 comments · dtnDdzNt``, and ``uploaded after this
    job`` where it was uploaded after ``made`` (the open job's ``created_at``)."""
    day = (job.created_at or "")[:10]
    parts = [job.input_name or "upload", *([day] if day else [])]
    parts += [comments_text(job.rows_total), job.request_id[:8]]
    later = ["uploaded after this job"] if made_after(job.created_at, made) else []
    return " · ".join([*parts, *later])


def table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row for all comments and one per group found in both jobs: n in each job, whether
    that is few (``small``), each tested label's share earlier → now with the change in
    points, and whether a change of the row is beyond the noise."""
    section = change_section(body)
    rows = [(part, row) for part, kind, row in change_table.parts(section) if kind != "aspect"]
    return _frame(rows, "part", section.labels)


def aspect_table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row per aspect: its share negative earlier → now, as the group table shows a label."""
    rows = [(aspect_title(row.name), row) for row in change_section(body).aspects]
    return _frame(rows, "aspect", ["negative"])


def _frame(rows: Sequence[tuple[str, ChangeRow]], title: str, names: Sequence[str]) -> pd.DataFrame:
    """``names``: what the columns call each of a row's moves, in their order. ``small``: the
    row rests on few comments in a job, as the command line's and the report's tables mark it
    (``change_table.is_small_row``)."""
    columns = [title, "n earlier", "n now", SMALL_MARK]
    for name in names:
        columns += [f"{name}: earlier → now", f"{name}: change"]
    records = []
    for part, row in rows:
        record: dict[str, Any] = {title: part, "n earlier": row.n_before, "n now": row.n_now}
        record[SMALL_MARK] = change_table.is_small_row(row)
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
        sides = (
            (EARLIER, move.before, move.before_shown, row.n_before),
            (NOW, move.now, move.now_shown, row.n_now),
        )
        for when, share, shown, n in sides:
            if share is None:
                continue
            records.append(
                {
                    "part": part,
                    "order": order,
                    "when": when,
                    "share": share,
                    "percent": _percent(shown),
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
    """``40 % → 22 %``: the report's whole percents (``Move.before_shown``)."""
    return f"{_percent(move.before_shown)} → {_percent(move.now_shown)}"


def _percent(percent: int | None) -> str:
    return "–" if percent is None else f"{percent} %"
