"""The report's *Over the terms* section, from the trend's JSON (``trend_summary``), and the
rows the CLI's table and the app read from it.

Pure. A group's own report keeps that group's row alone (``for_group``): no other group is
named, not even among the values found in one job only, and the job-wide rows (all comments,
the aspects) stay out as they stay out of the rest of that report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.report.change_table import ALL, ASPECT_PREFIX
from pipeline.report.data import TrendCell, TrendJob, TrendRow, TrendSection
from pipeline.ui.groups import group_name


def trend_section(body: Mapping[str, Any]) -> TrendSection:
    tested = tuple(body.get("tested_labels") or ())
    rows = []
    if body.get("overall"):
        rows.append(_row(ALL, "all", body["overall"], tested))
    for item in body.get("aspects") or []:
        rows.append(_row(ASPECT_PREFIX + str(item["key"]), "aspect", [item], [item["key"]]))
    for group in body.get("groups") or []:
        rows.append(_row(group_name(group.get("group")), "group", group["series"], tested))
    return TrendSection(
        jobs=tuple(
            TrendJob(
                request_id=str(job.get("request_id", "")),
                name=str(job.get("input_name", "")),
                created=str(job.get("created_at", "")),
                rows_total=int(job.get("rows_total") or 0),
            )
            for job in body.get("jobs") or []
        ),
        labels=tested,
        tests=int(body.get("tests") or 0),
        min_expected=float(body.get("min_expected") or 0),
        rows=tuple(rows),
        only_one=tuple(
            (group_name(item.get("group")), int(item["job"]), int(item["n"]))
            for item in body.get("only_one_job") or []
        ),
        notes=tuple(str(note) for note in body.get("notes") or []),
    )


def for_group(section: TrendSection, name: str) -> TrendSection:
    """The section of one group's own report: that group's row alone, or why there is none."""
    rows = tuple(row for row in section.rows if row.kind == "group" and row.part == name)
    missing = None
    if not rows:
        missing = f"{name} has comments in this job only, so it has no trend"
    return replace(section, rows=rows, only_one=(), missing=missing)


def _row(
    part: str, kind: str, series: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> TrendRow:
    by_key = {str(item["key"]): item for item in series}
    first = series[0]["shares"] if series else []
    return TrendRow(
        part=part,
        kind=kind,
        n=tuple(int(share["n"]) for share in first),
        cells=tuple(_cell(by_key[key]) for key in keys if key in by_key),
    )


def _cell(item: Mapping[str, Any]) -> TrendCell:
    return TrendCell(
        key=str(item["key"]),
        shares=tuple(share.get("share") for share in item["shares"]),
        difference=item.get("difference"),
        adjusted_p=item.get("adjusted_p"),
        direction=item.get("direction"),
    )
