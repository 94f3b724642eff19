"""The app's change and trend tables (*Compare*) lacked the "small" mark that the command
line's tables, the CSVs and the report give a course with few comments in a job: ENG105's 4
comments then and 3 now read ``0 % → 67 %`` on the page beside BIO101's 80 and 85, with
nothing to say that one comment moves that share by 25 points. Now both tables have the
``small`` column (``ui.groups.SMALL_MARK``, as the app's summary table names it), true where
the command line's table marks the row (``change_table.is_small_row``), aspects included."""

from __future__ import annotations

from typing import Any

import pandas as pd
from test_change_small_rows import change_body, share, trend_body

from pipeline.report import change_table, trend_table
from pipeline.ui import change, trend


def marks(frame: pd.DataFrame, title: str = "part") -> dict[str, bool]:
    return dict(zip(frame[title], frame["small"], strict=True))


def aspect(n_before: int, n_now: int) -> dict[str, Any]:
    return {"key": "exams", "before": share(n_before, 1), "after": share(n_now, 1)}


def test_the_apps_change_tables_mark_a_small_row_as_the_command_line_does() -> None:
    body = change_body() | {"aspects": [aspect(12, 5)]}

    groups, aspects = change.table(body), change.aspect_table(body)

    assert list(groups.columns[:4]) == ["part", "n earlier", "n now", "small"]
    assert marks(groups) == {"(all comments)": False, "BIO101": False, "ENG105": True}
    assert marks(aspects, "aspect") == {"exams": True}, "5 comments now"
    shown = change_table.text(body)
    assert all(" small" in line for line in shown.splitlines() if line.startswith("ENG105"))


def test_the_apps_trend_tables_mark_a_small_row_as_the_command_line_does() -> None:
    body = trend_body() | {
        "aspects": [{"key": "exams", "shares": [share(40, 4), share(30, 3), share(20, 2)]}]
    }

    groups, aspects = trend.table(body), trend.aspect_table(body)

    assert list(groups.columns[:3]) == ["part", "n by job", "small"]
    assert marks(groups) == {"(all comments)": False, "BIO101": False, "ENG105": True}
    assert marks(aspects, "aspect") == {"exams": False}
    assert [trend_table.is_small_row(row) for row in trend_table.rows(body)] == [
        False,
        False,
        False,
        True,
    ]
