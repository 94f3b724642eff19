"""One share, one number in a report. The overview's table gives a row's shares by the
largest remainder (they add up to 100): 27 negative of 74 comments is 36.5 % and shows as
37 % beside 28 % and 35 %. Every other mention of that share, the chart's dashed line, a
key finding, a group's page, the rest's column, the change's and the trend's pages, must
say 37 % too, not the 36 % of rounding it alone; and a difference in points is that of the
percents shown, so that the reader's own subtraction gives it."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from jobfakes import FakePredictor
from reportfakes import (
    LABELS,
    NOW,
    aspect,
    aspects_summary,
    job,
    part,
    summary,
)

from pipeline.bootstrap import Backend
from pipeline.report.about import insights
from pipeline.report.assemble import assemble
from pipeline.report.change_section import change_section
from pipeline.report.data import AspectModelFacts, ModelFacts
from pipeline.report.render import render_html
from pipeline.report.trend_section import trend_section
from pipeline.worker import Worker


def rows(course: str, negative: int, neutral: int, positive: int) -> list[str]:
    return (
        [f"{course},bad exams number {i}" for i in range(negative)]
        + [f"{course},the lectures were on mondays {i}" for i in range(neutral)]
        + [f"{course},good labs number {i}" for i in range(positive)]
    )


EARLIER = rows("A", 10, 10, 10) + rows("B", 10, 10, 10)
"""20 of 60 each: 33.3 % shows as 34 % negative, 33 %, 33 % (ties to the first label)."""
NOW_ROWS = rows("A", 24, 4, 6) + rows("B", 3, 17, 20)
"""All: 27 · 21 · 26 of 74 (36.5 % → 37 %, not 36 %); A: 24 · 4 · 6 of 34 (70.6 % → 70 %,
not 71 %); B, the rest of A: 3 · 17 · 20 of 40 (7.5 % → 7 %, not 8 %)."""


def submitted(client: TestClient, lines: list[str], name: str) -> str:
    body = "\n".join(["course,comment", *lines]).encode()
    answer = client.post(
        "/v1/jobs",
        files={"file": (name, body)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def section(html: str, start: str) -> str:
    begin = html.index(start)
    return text_of(html[begin : html.index("</section>", begin)])


def test_every_mention_of_a_share_in_the_report_reads_the_same_percent(
    backend: Backend, client: TestClient
) -> None:
    earlier = submitted(client, EARLIER, "term-1.csv")
    now = submitted(client, NOW_ROWS, "term-2.csv")
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    params = {"group_by": "course", "since": earlier, "trend": earlier}
    html = client.get(f"/v1/jobs/{now}/report", params=params).text
    overview = section(html, '<section id="overview"')
    change = section(html, '<section id="change"')
    trend = section(html, '<section id="trend"')
    group_a = next(
        text_of(found)
        for found in re.findall(r'<section class="group page">(.*?)</section>', html, re.S)
        if text_of(found).strip().startswith("course: A ")
    )

    assert "negative 27 37% " in overview  # the overview's table: 37 + 28 + 35 = 100
    assert "the dashed line the share over all comments (37%)" in overview
    assert "A (n=34): more negative than the rest: 70% negative" in overview
    assert "70% negative (54–83%) against 7% (p<0.001 after Holm)" in overview
    assert "B (n=40): less negative than the rest: 7% negative (3–20%) against 70%" in overview
    assert "negative 24 70% 54–83% 7% +63 pts" in group_a  # share, the rest, difference
    assert "all comments 60 74 34% → 37% (+3 pts)" in change
    assert "A : negative 34% → 70% (+36 pts," in change
    assert "B 30 40 34% → 7% (-27 pts)" in change and "A 30 34 ▲ 34% → 70% (+36 pts)" in change
    assert "(all comments) 60 · 74 34% → 37% (+3 pts)" in trend
    assert "A : negative rising, 34% → 70% (p=" in trend
    assert "A 30 · 34 ▲ 34% → 70% (+36 pts)" in trend


def test_an_aspects_finding_and_grid_say_what_its_table_says() -> None:
    """exams in CHEM: 20 · 2 · 2 of 24 is 83.3 % negative, shown as 84 % beside 8 % and 8 %."""
    groups: dict[str | None, list[dict[str, Any]]] = {
        f"C{i:02d}": [aspect("exams", 2, 2, 16)] for i in range(12)
    }
    groups["CHEM"] = [aspect("exams", 20, 2, 2)]
    found = insights(aspects_summary(groups=groups), None, LABELS, AspectModelFacts("a-1"))
    label_summary = summary(
        [part("CHEM", 20, 2, 2), *(part(f"C{i:02d}", 2, 2, 16) for i in range(12))]
    )

    text = text_of(
        render_html(assemble(job(), label_summary, ModelFacts("m-1"), NOW, insights=found))
    )

    assert "exams 24 negative 84%, neutral 8%, positive 8% 84%" in text  # CHEM's aspect table
    assert "CHEM on exams (n=24): more negative and less positive than in the other" in text
    assert "courses: 84% negative (64–93%) against 10%" in text
    assert "▲ 84% (24)" in text  # the grid's cell
    assert "83%" not in text


def share(count: int, n: int) -> dict[str, Any]:
    return {"count": count, "n": n, "share": count / n if n else None}


def test_the_change_and_the_trend_round_each_jobs_row_together_and_repeat_the_aspect_table() -> (
    None
):
    overall = [
        {"key": label, "before": share(b, 60), "after": share(a, 74), "difference": a / 74 - b / 60}
        for label, b, a in zip(LABELS, (20, 20, 20), (27, 21, 26), strict=True)
    ]
    exams = {"key": "exams", "before": share(1, 3), "after": share(20, 24), "difference": 0.5}
    body = {"tested_labels": ["negative", "positive"], "overall": overall, "aspects": [exams]}

    found = change_section(body, {"exams": 84})

    assert found.overall is not None
    negative, positive = found.overall.moves
    assert (negative.before_percent, negative.now_percent, negative.shown_points) == (34, 37, 0.03)
    assert (positive.before_percent, positive.now_percent) == (33, 35)
    moves = found.aspects[0].moves[0]
    assert (moves.before_percent, moves.now_percent) == (33, 84)  # 83.3 % alone: 83
    assert change_section(body).aspects[0].moves[0].now_percent == 83

    series = [
        {"key": move["key"], "shares": [move["before"], move["after"]], "difference": 0.0}
        for move in overall
    ]
    trend_body = {
        "tested_labels": ["negative", "positive"],
        "jobs": [{}, {}],
        "overall": series,
        "aspects": [{"key": "exams", "shares": [exams["before"], exams["after"]]}],
    }
    rows = trend_section(trend_body, {"exams": 84}).rows
    assert rows[0].cells[0].percents == (34, 37) and rows[0].cells[0].shown_points == 0.03
    assert rows[1].cells[0].percents == (33, 84)
