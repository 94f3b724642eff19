"""The trend over several jobs as one table: a row for all comments, one per aspect and one
per group, a column block per tested share (each job's share, the change from the first job to
the last, the trend). Pure: the API's JSON (``trend_summary``) read once into rows, then laid
out for the CLI's text and CSV and the app's table and chart.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import partial
from typing import Any

from pipeline.csv_rows import DictRowWriter
from pipeline.report.change_table import (
    ASPECT_KEY,
    SMALL_LEGEND,
    after_heading,
    csv_cell,
    small,
)
from pipeline.report.data import TrendCell, TrendRow, TrendSection
from pipeline.report.trend_section import trend_section
from pipeline.terminal_text import display_width, fitted, padded
from pipeline.ui.groups import SMALL_MARK

ARROWS = {"rising": "↑", "falling": "↓"}


def rows(body: Mapping[str, Any]) -> list[TrendRow]:
    """All comments, the aspects (their share negative), then the groups, as the API orders
    them; only the tested labels' shares."""
    return list(trend_section(body).rows)


def job_names(body: Mapping[str, Any]) -> list[str]:
    """``1 fall-2024.csv (2024-12-03, 325 comments)``, one per job in order."""
    return [
        f"{index} {job['input_name']} ({job['created_at'][:10]}, {job['rows_total']:,} comments)"
        for index, job in enumerate(body.get("jobs") or [], start=1)
    ]


def columns(body: Mapping[str, Any]) -> list[str]:
    """The CSV's columns: ``n_1``… per job, ``small`` (``yes`` for fewer than
    ``SMALL_GROUP`` comments in a job that has some), then per tested share ``<key>_1``… (0..1),
    ``<key>_change_points``, ``<key>_adjusted_p`` and ``<key>_trend``."""
    count = len(body.get("jobs") or [])
    jobs = range(1, count + 1)
    per_share = [
        name
        for key in [*(body.get("tested_labels") or []), ASPECT_KEY]
        for name in [
            *(f"{key}_{job}" for job in jobs),
            f"{key}_change_points",
            f"{key}_adjusted_p",
            f"{key}_trend",
        ]
    ]
    return ["part", "kind", *(f"n_{job}" for job in jobs), SMALL_MARK, *per_share]


def to_csv(body: Mapping[str, Any], raw: bool = False) -> str:
    """The rows as CSV, group names formula-escaped like every file the product writes;
    ``raw``: as written, for a workbook (``change_table.csv_cell``)."""
    buffer = io.StringIO()
    writer = DictRowWriter(buffer, columns(body))
    writer.writeheader()
    for row in rows(body):
        record: dict[str, Any] = {"part": row.part, "kind": row.kind}
        record.update({f"n_{job}": n for job, n in enumerate(row.n, start=1)})
        record[SMALL_MARK] = "yes" if is_small_row(row) else ""
        for cell in row.cells:
            key = ASPECT_KEY if row.kind == "aspect" else cell.key
            record.update({f"{key}_{job}": share for job, share in enumerate(cell.shares, start=1)})
            points = None if cell.difference is None else cell.difference * 100
            record[f"{key}_change_points"] = points
            record[f"{key}_adjusted_p"] = cell.adjusted_p
            record[f"{key}_trend"] = cell.direction
        writer.writerow({key: csv_cell(value, raw) for key, value in record.items()})
    return buffer.getvalue()


def text(body: Mapping[str, Any], width: int = 100) -> str:
    """A terminal table: each tested share in each job (``small`` beside few comments), ``↑``/
    ``↓`` where the trend is beyond the noise; for one group found in the last job only, why
    there is no row instead; then the jobs, the groups in one job only and the notes."""
    section = trend_section(body)
    lines = [
        f"Trend over {len(body.get('jobs') or [])} jobs, oldest first:",
        *(f"  {name}" for name in job_names(body)),
    ]
    flags = (
        f"↑ ↓: a trend beyond the noise (Cochran–Armitage test, Holm's correction over the "
        f"{section.tests} tests of this trend, 5 % family-wise)."
    )
    table = partial(_table, section, width)  # drawn only where there are rows
    found = one_job_only(body)
    return "\n".join([*lines, *after_heading(section.missing, flags, table, found, section.notes)])


def _table(section: TrendSection, width: int) -> list[str]:
    """The rows under their header, a ``small`` column where a row is, and what it means."""
    widest = max((display_width(row.part) for row in section.rows), default=4)
    name_width = min(widest, max(12, width - 60))
    marked = any(is_small_row(row) for row in section.rows)
    blocks = [f"{key} % by job" for key in section.labels]
    mark_width = len(SMALL_MARK) + 2 if marked else 0
    header = f"{'':<{name_width}}  {'n by job':<24}{'':<{mark_width}}  "
    lines = [header + "  ".join(f"{b:<30}" for b in blocks)]
    for row in section.rows:
        counts = " ".join(f"{n:,}" for n in row.n)
        mark = f"  {SMALL_MARK if is_small_row(row) else '':<{len(SMALL_MARK)}}" if marked else ""
        line = f"{padded(fitted(row.part, name_width), name_width)}  {counts:<24}{mark}"
        for cell in row.cells:
            line += f"  {shares_text(cell):<30}"
        lines.append(line.rstrip())
    return [*lines, "", SMALL_LEGEND] if marked else lines


def is_small_row(row: TrendRow) -> bool:
    """Whether a row's shares rest on few comments in a job that has some: the report's
    *small* (``change_table.small``)."""
    return small(*row.n)


def shares_text(cell: TrendCell) -> str:
    """``57 40 20 ↓`` (percent per job as the report shows it, ``–`` where none)."""
    values = " ".join("–" if percent is None else str(percent) for percent in cell.percents)
    return f"{values} {ARROWS.get(cell.direction or '', '')}".rstrip()


def one_job_only(body: Mapping[str, Any]) -> list[str]:
    """The groups found in one job only, and those that look like another group written
    another way (for one group: its other spellings, unless its ``missing`` sentence names
    them), as sentences (the CLI's text and the app)."""
    section = trend_section(body)
    lines = []
    if section.only_one:
        names = ", ".join(f"{name} (job {job + 1}, n={n:,})" for name, job, n in section.only_one)
        lines.append(f"In one job only, so no trend: {names}. Values are matched exactly.")
    for value, like in section.possible_matches:
        lines.append(
            f"“{value}” and “{like}” may be one group written two ways: recode one file to "
            "follow them as one."
        )
    return lines
