"""The report's *Over the terms* section, from the trend's JSON (``trend_summary``), and the
rows the CLI's table and the app read from it.

Pure. A group's own report reads the trend of that group alone (``group``): its own row and
its own aspects, a family of their own; no other group is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.report.change_table import ALL, ASPECT_PREFIX
from pipeline.report.data import TrendCell, TrendJob, TrendRow, TrendSection
from pipeline.ui.groups import group_name


def trend_section(body: Mapping[str, Any]) -> TrendSection:
    """The section of the whole job or, for the trend of one group (``group`` in the body),
    that group's: its row where all comments stand, its aspects, and why there is no trend
    when it has comments in the last job only."""
    tested = tuple(body.get("tested_labels") or ())
    group = body.get("group")  # the name asked for (group_names), not a cell to name again
    rows = []
    if body.get("overall"):
        overall = ALL if group is None else str(group)
        rows.append(_row(overall, "all" if group is None else "group", body["overall"], tested))
    for item in body.get("aspects") or []:
        rows.append(_row(ASPECT_PREFIX + str(item["key"]), "aspect", [item], [item["key"]]))
    for item in body.get("groups") or []:
        rows.append(_row(group_name(item.get("group")), "group", item["series"], tested))
    section = TrendSection(
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
        group=None if group is None else str(group),
        possible_matches=tuple(
            (group_name(pair["group"]), group_name(pair["like"]))
            for pair in body.get("possible_matches") or []
        ),
    )
    if group is not None and not any(n for row in section.rows for n in row.n[:-1]):
        return replace(
            section,
            rows=(),
            missing=f"{group} has comments in this job only, so it has no trend",
        )
    return section


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
