"""The *Compare → Several jobs in order* view: the trend over several jobs (the API's JSON,
``GET /v1/trend``) as the table, chart rows and sentences the page shows. Pure: the page
fetches, this arranges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from pipeline.report import theme_trend_table, trend_table
from pipeline.report.data import TrendCell, TrendRow
from pipeline.ui.groups import SMALL_MARK
from pipeline.ui.insights import aspect_title, theme_name

MAX_CHART_GROUPS = 12
"""Lines one chart can keep apart: all comments and the largest groups (flagged ones first)."""
CHART_SHARE = "negative"
LABELLED_SHARES = "% of labelled comments by job"
"""The theme table's shares: of each job's labelled comments, not of all its rows."""


def table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row for all comments and one per group found in two jobs or more (or the one group
    of a group's trend): n in each job, whether that is few (``small``), each tested label's
    share in each job, and its trend where beyond the noise."""
    rows = [(row.part, row) for row in trend_table.rows(body) if row.kind != "aspect"]
    return _frame(rows, "part", list(body.get("tested_labels") or ()))


def aspect_table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row per aspect: its share negative in each job, as the table shows a label."""
    rows = [
        (aspect_title(row.cells[0].key), row)
        for row in trend_table.rows(body)
        if row.kind == "aspect"
    ]
    return _frame(rows, "aspect", ["negative"])


def chart_rows(body: Mapping[str, Any], limit: int = MAX_CHART_GROUPS) -> pd.DataFrame:
    """For ``charts.trend_chart``: all comments and up to ``limit`` groups (those with a trend
    beyond the noise first, then the largest), each with its share negative in every job that
    has comments of it (one row per job)."""
    names = [f"{index} {job['input_name']}" for index, job in enumerate(body.get("jobs") or [], 1)]
    rows = [row for row in trend_table.rows(body) if row.kind != "aspect"]
    groups = sorted(
        (row for row in rows if row.kind == "group"), key=lambda row: not _chart_cell(row)[1]
    )
    chosen = [row for row in rows if row.kind == "all"] + groups[:limit]
    records = []
    for row in chosen:
        cell, flagged = _chart_cell(row)
        if cell is None:
            continue
        for job, (share, shown, n) in enumerate(
            zip(cell.shares, cell.percents, row.n, strict=True)
        ):
            if share is None or shown is None:
                continue
            records.append(
                {
                    "part": row.part,
                    "job": names[job],
                    "position": job,
                    "share": share,
                    "percent": _percent(shown),
                    "n": n,
                    "trend": flagged or "within the noise",
                }
            )
    return pd.DataFrame.from_records(
        records, columns=["part", "job", "position", "share", "percent", "n", "trend"]
    )


def flag_sentences(body: Mapping[str, Any]) -> list[str]:
    """``CHEM110: negative falling (70 % → 12 %), positive rising (30 % → 88 %)`` for each
    part with a trend beyond the noise, in the table's order."""
    found = []
    for row in trend_table.rows(body):
        if not row.flagged:
            continue
        name = _name(row)
        moves = ", ".join(
            f"{'negative' if row.kind == 'aspect' else cell.key} {cell.direction} ({_ends(cell)})"
            for cell in row.flagged
        )
        found.append(f"{name}: {moves}")
    return found


def _frame(rows: Sequence[tuple[str, TrendRow]], title: str, names: Sequence[str]) -> pd.DataFrame:
    """``names``: what the columns call each of a row's cells, in their order. ``small``: the
    row rests on few comments in a job that has some, as the command line's and the report's
    tables mark it (``trend_table.is_small_row``)."""
    columns = [title, "n by job", SMALL_MARK]
    for name in names:
        columns += [f"{name} % by job", f"{name}: trend"]
    records = []
    for part, row in rows:
        record: dict[str, Any] = {title: part, "n by job": " · ".join(f"{n:,}" for n in row.n)}
        record[SMALL_MARK] = trend_table.is_small_row(row)
        for name, cell in zip(names, row.cells, strict=False):
            record[f"{name} % by job"] = " → ".join(
                "–" if percent is None else str(percent) for percent in cell.percents
            )
            record[f"{name}: trend"] = cell.direction or "–"
        record["beyond the noise"] = bool(row.flagged)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=[*columns, "beyond the noise"])


def _name(row: TrendRow) -> str:
    return f"{aspect_title(row.cells[0].key)} (aspect)" if row.kind == "aspect" else row.part


def _chart_cell(row: TrendRow) -> tuple[TrendCell | None, str | None]:
    cell = next((cell for cell in row.cells if cell.key == CHART_SHARE), None)
    return cell, None if cell is None or cell.direction is None else cell.direction


def _ends(cell: TrendCell) -> str:
    """``70 % → 12 %``: the first and the last percent shown (the report's whole percents)."""
    present = [percent for percent in cell.percents if percent is not None]
    return f"{_percent(present[0])} → {_percent(present[-1])}"


def _percent(percent: int) -> str:
    return f"{percent} %"


def named_themes(body: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /v1/trend/themes``'s answer with every theme named (``insights.theme_name``: a
    theme the API named "" gets its keywords or "(unnamed theme)"), for the sentences, the
    table and the CSV alike."""
    themes = [
        {**theme, "name": theme_name(theme.get("name"), theme.get("keywords") or ())}
        for theme in body.get("themes") or []
    ]
    return {**body, "themes": themes}


def theme_table(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row per theme of the label followed (``GET /v1/trend/themes``): its comments and
    its share of each job's labelled comments (those the shares are of), its trend, and a
    comment from it."""
    records = [
        {
            "theme": theme["name"],
            "comments by job": theme_trend_table.counts(theme),
            LABELLED_SHARES: theme_trend_table.percents(theme),
            "trend": theme_trend_table.trend_word(theme),
            "beyond the noise": bool(theme.get("flagged")),
            "for example": (theme_trend_table.first_quote(theme) or {}).get("text", ""),
        }
        for theme in body.get("themes") or []
    ]
    columns = [
        "theme",
        "comments by job",
        LABELLED_SHARES,
        "trend",
        "beyond the noise",
        "for example",
    ]
    return pd.DataFrame.from_records(records, columns=columns)
