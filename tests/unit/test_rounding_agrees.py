"""One share, one figure on every surface. The report rounds a row of shares together (largest
remainder, so they add up to 100); the CLI's and the app's change and trend tables must print
those very percents and their difference, not each share rounded alone: PHYS150's positive
29 of 60 (48.3 %) reads 49 % in the report, and its 21 of 40 (52.5 %) 53 %, so "49% → 53%
(+4)" everywhere, never "48% → 52%". And a cell that shows one share without its row (the
report's aspect grid, the app's heat map) reads a lone 1 of 3 as 33 %, not the 34 % its row's
tie-break gives the first label."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from reportfakes import LABELS, NOW, aspect, aspects_summary, job, part, summary

from pipeline.report import change_table, trend_table
from pipeline.report.about import insights
from pipeline.report.assemble import assemble
from pipeline.report.data import AspectModelFacts, ModelFacts
from pipeline.report.render import render_html
from pipeline.ui import change, trend
from pipeline.ui.about import heat_cells
from pipeline.ui.insights import aspect_summary

BEFORE = (26, 5, 29)
"""PHYS150 fall 2023: 43.3 · 8.3 · 48.3 % of 60, shown 43 · 8 · 49."""
AFTER = (14, 5, 21)
"""PHYS150 spring 2025: 35 · 12.5 · 52.5 % of 40, shown 35 · 12 · 53."""
JOB = {"request_id": "r", "input_name": "t.csv", "created_at": "2025-05-01T00:00:00+00:00"}


def share(count: int, n: int) -> dict[str, Any]:
    return {"count": count, "n": n, "share": count / n}


def change_body() -> dict[str, Any]:
    changes = [
        {
            "key": label,
            "before": share(before, sum(BEFORE)),
            "after": share(after, sum(AFTER)),
            "difference": after / sum(AFTER) - before / sum(BEFORE),
            "adjusted_p": 1.0,
            "flagged": False,
        }
        for label, before, after in zip(LABELS, BEFORE, AFTER, strict=True)
    ]
    return {
        "tested_labels": ["negative", "positive"],
        "tests": 2,
        "before": JOB,
        "after": JOB,
        "overall": changes,
        "groups": [{"group": "PHYS150", "changes": changes}],
    }


def trend_body() -> dict[str, Any]:
    series = [
        {
            "key": label,
            "shares": [share(before, sum(BEFORE)), share(after, sum(AFTER))],
            "difference": after / sum(AFTER) - before / sum(BEFORE),
            "adjusted_p": 1.0,
            "direction": None,
        }
        for label, before, after in zip(LABELS, BEFORE, AFTER, strict=True)
    ]
    return {
        "tested_labels": ["negative", "positive"],
        "tests": 2,
        "jobs": [{**JOB, "rows_total": 60}, {**JOB, "rows_total": 40}],
        "overall": series,
        "groups": [{"group": "PHYS150", "series": series}],
    }


def test_the_cli_and_the_app_change_tables_show_the_reports_percents_and_points() -> None:
    text = change_table.text(change_body())
    phys = next(line for line in text.splitlines() if line.startswith("PHYS150"))
    assert "43% → 35% (-8)" in phys and "49% → 53% (+4)" in phys, phys

    frame = change.table(change_body())
    row = frame[frame["part"] == "PHYS150"].iloc[0]
    assert row["positive: earlier → now"] == "49 % → 53 %"
    assert row["positive: change"] == "+4 points"
    assert change.chart_rows(change_body())["percent"].tolist()[:2] == ["43 %", "35 %"]


def test_the_cli_and_the_app_trend_tables_show_the_reports_percents() -> None:
    text = trend_table.text(trend_body())
    phys = next(line for line in text.splitlines() if line.startswith("PHYS150"))
    assert "43 35" in phys and "49 53" in phys, phys

    frame = trend.table(trend_body())
    row = frame[frame["part"] == "PHYS150"].iloc[0]
    assert row["positive % by job"] == "49 → 53"


def test_the_aspect_grid_and_the_app_heat_map_read_a_lone_1_of_3_as_33_percent() -> None:
    """POLS111's materials: 1 negative, 1 neutral, 1 positive."""
    groups: dict[str | None, list[dict[str, Any]]] = {
        "POLS111": [aspect("materials", 1, 1, 1)],
        "HIST210": [aspect("materials", 2, 3, 5)],
    }
    body = aspects_summary(groups=groups)
    found = insights(body, None, LABELS, AspectModelFacts("a-1"))
    labels = summary([part("POLS111", 1, 1, 1), part("HIST210", 2, 3, 5)])

    html = render_html(assemble(job(), labels, ModelFacts("m-1"), NOW, insights=found))
    grid = html[html.index('<table class="grid">') :]
    grid = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", grid[: grid.index("</table>")])))

    assert "POLS111 3 33% (3)" in grid, grid
    cells = heat_cells(aspect_summary(body))
    assert cells[cells["group_value"] == "POLS111"]["cell"].tolist() == ["33% · 3"]
