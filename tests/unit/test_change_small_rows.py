"""The change's and the trend's rows of a course with few comments carry the report's own
"small" mark (fewer than ``SMALL_GROUP`` comments in a job), in the report, the command line's
table and the CSV.

Without it, ENG105's 4 comments then and 3 now read ``75% → 0% (-75 pts)`` on the change page
of the very report that marks ENG105 *small* everywhere else: the largest move a committee
finds skimming the page is the least certain one."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from test_change import report_text, two_terms
from test_trend import four_terms

from pipeline.bootstrap import Backend
from pipeline.report import change_table, trend_table

LEGEND = "small: fewer than 10 comments in a job"
SAID = "small : fewer than 10 comments in a job"  # the report's, its tags dropped


def share(n: int, count: int) -> dict[str, Any]:
    return {"n": n, "count": count, "share": count / n if n else None}


def change_body() -> dict[str, Any]:
    """ENG105: 4 comments then, 3 now; BIO101: 80 and 85."""

    def changes(before: tuple[int, int], now: tuple[int, int]) -> list[dict[str, Any]]:
        return [
            {"key": "negative", "before": share(*before), "after": share(*now), "flagged": False}
        ]

    return {
        "before": {"request_id": "a", "input_name": "a.csv", "created_at": "2025-12-01"},
        "after": {"request_id": "b", "input_name": "b.csv", "created_at": "2026-12-01"},
        "tested_labels": ["negative"],
        "overall": changes((84, 20), (88, 20)),
        "groups": [
            {"group": "BIO101", "changes": changes((80, 20), (85, 20))},
            {"group": "ENG105", "changes": changes((4, 0), (3, 2))},
        ],
    }


def trend_body() -> dict[str, Any]:
    """ENG105: 4 comments, 3, then none; BIO101 80 in each."""

    def series(*shares: tuple[int, int]) -> list[dict[str, Any]]:
        return [{"key": "negative", "shares": [share(*one) for one in shares]}]

    return {
        "jobs": [
            {"input_name": f"{term}.csv", "created_at": "2026-12-01", "rows_total": 90}
            for term in ("a", "b", "c")
        ],
        "tested_labels": ["negative"],
        "overall": series((84, 20), (83, 20), (80, 20)),
        "groups": [
            {"group": "BIO101", "series": series((80, 20), (80, 20), (80, 20))},
            {"group": "ENG105", "series": series((4, 0), (3, 2), (0, 0))},
        ],
    }


def row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name))


def test_the_command_lines_table_marks_a_small_row_and_says_what_it_means() -> None:
    for text in (change_table.text(change_body()), trend_table.text(trend_body())):
        assert " small " in row(text, "ENG105"), text
        assert "small" not in row(text, "BIO101") and "small" not in row(text, "(all comments)")
        assert LEGEND in text


def test_a_table_without_a_small_row_has_no_mark_column() -> None:
    body = change_body()
    body["groups"] = body["groups"][:1]

    text = change_table.text(body)

    assert "small" not in text


def test_the_csv_has_a_small_column() -> None:
    for text in (change_table.to_csv(change_body()), trend_table.to_csv(trend_body())):
        rows = {item["part"]: item for item in csv.DictReader(io.StringIO(text))}
        assert rows["ENG105"]["small"] == "yes"
        assert rows["BIO101"]["small"] == "" and rows[change_table.ALL]["small"] == ""


def test_the_reports_change_page_marks_a_small_course(backend: Backend, client: TestClient) -> None:
    earlier, now = two_terms(backend, client)  # BIO101: 9 comments in each term

    change = report_text(client, now, group_by="course", since=earlier)

    assert "BIO101 9 small 9 small 11% → 22% (+11 pts)" in change
    assert "CHEM110 40 40 " in change, "40 comments: no mark"
    assert SAID in change


def test_the_reports_trend_page_marks_a_small_course(backend: Backend, client: TestClient) -> None:
    ids = four_terms(backend, client)

    trend = report_text(client, ids[3], "trend", group_by="course", trend=",".join(ids[:3]))

    assert "BIO101 9 · 9 · 9 · 9 small 11% → 11% → 11% → 11% (+0 pts)" in trend
    assert "CHEM110 40 · 40 · 40 · 40 ▼" in trend
    assert SAID in trend
