"""The report's *Over the terms* section, from the trend's JSON (``trend_summary``), and the
rows the CLI's table and the app read from it.

Pure. A group's own report reads the trend of that group alone (``group``): its own row and
its own aspects, a family of their own; no other group is named. Each share carries the whole
percent the report shows for it (``pipeline.report.shown``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.report.change_section import written_otherwise
from pipeline.report.change_table import ALL, ASPECT_PREFIX
from pipeline.report.data import TrendCell, TrendJob, TrendRow, TrendSection
from pipeline.report.shown import alone, row_percents
from pipeline.ui.groups import group_name


def trend_section(
    body: Mapping[str, Any], aspects_now: Mapping[str, int | None] | None = None
) -> TrendSection:
    """The section of the whole job or, for the trend of one group (``group`` in the body),
    that group's: its row where all comments stand, its aspects, and why there is no trend
    when it has comments in the last job only. ``aspects_now``: each aspect's share negative
    in the last job (the report's) as its aspect table shows it (``shown.aspect_percents``),
    for its row here to say the same."""
    tested = tuple(body.get("tested_labels") or ())
    group = body.get("group")  # the name asked for (group_names), not a cell to name again
    rows = []
    if body.get("overall"):
        overall = ALL if group is None else str(group)
        rows.append(_row(overall, "all" if group is None else "group", body["overall"], tested))
    for item in body.get("aspects") or []:
        rows.append(_aspect_row(item, aspects_now or {}))
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
        alike = [like for _group, like in section.possible_matches]
        recode = "recode the files to follow them as one"
        return replace(
            section,
            rows=(),
            possible_matches=(),  # said in ``missing``
            missing=f"{group} has comments in this job only, so it has no trend"
            + written_otherwise(str(group), alike, "; these jobs have", recode),
        )
    return section


def _row(
    part: str, kind: str, series: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> TrendRow:
    """A row of every label's series, showing those of ``keys``: each job's percents are
    those of its labels together, as the report shows a group's."""
    jobs = len(series[0]["shares"]) if series else 0
    by_job = [row_percents([item["shares"][job] for item in series]) for job in range(jobs)]
    cells = {
        str(item["key"]): _cell(item, tuple(shown[index] for shown in by_job))
        for index, item in enumerate(series)
    }
    first = series[0]["shares"] if series else []
    return TrendRow(
        part=part,
        kind=kind,
        n=tuple(int(share["n"]) for share in first),
        cells=tuple(cells[str(key)] for key in keys if str(key) in cells),
    )


def _aspect_row(item: Mapping[str, Any], now: Mapping[str, int | None]) -> TrendRow:
    """An aspect's share negative, the one share of it the trend has: rounded alone in each
    job, as the report's aspect table shows it in the last."""
    key = str(item["key"])
    shown = [alone(share.get("share")) for share in item["shares"]]
    if shown and key in now:
        shown[-1] = now[key]
    return TrendRow(
        part=ASPECT_PREFIX + key,
        kind="aspect",
        n=tuple(int(share["n"]) for share in item["shares"]),
        cells=(_cell(item, tuple(shown)),),
    )


def _cell(item: Mapping[str, Any], percents: tuple[int | None, ...]) -> TrendCell:
    return TrendCell(
        key=str(item["key"]),
        shares=tuple(share.get("share") for share in item["shares"]),
        difference=item.get("difference"),
        adjusted_p=item.get("adjusted_p"),
        direction=item.get("direction"),
        percents=percents,
    )
