"""The rows without a group value are one group, "(blank)", in every summary: the label
summary writes it ``""``, the aspect and theme summaries ``null``. The report's section of
that group must still name its aspects and its themes, and ``GET /aspects`` must give it as
its contract says: one group ``null``, last, however the rows hold the empty cell."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from insightfakes import fake_analyst
from jobfakes import FakePredictor
from reportfakes import (
    LABELS,
    NOW,
    aspect,
    aspects_summary,
    job,
    part,
    summary,
    theme,
    themes_summary,
)
from sqlalchemy import select

from pipeline.bootstrap import Backend
from pipeline.db.models import ResultRow
from pipeline.db.results import InsightRow
from pipeline.insights.aspect_stats import aspect_figures
from pipeline.report.about import insights
from pipeline.report.assemble import assemble
from pipeline.report.data import AspectModelFacts, ModelFacts
from pipeline.worker import Worker

BODY = (
    "course,comment\n"
    + "".join(f"CHEM110,the exam was bad and unfair number {i}\n" for i in range(12))
    + "".join(f",the lecture and the exam were bad {i}\n" for i in range(12))
    + "".join(f",good labs and good notes {i}\n" for i in range(6))
).encode()


def finished(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", BODY)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return str(answer.json()["request_id"])


def group_section(html: str, name: str) -> str:
    """The text of the report's section of the group ``name``."""
    for section in re.findall(r'<section class="group page">(.*?)</section>', html, re.S):
        text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))
        if text.strip().startswith(f"course: {name} "):
            return text
    raise AssertionError(f"no section of {name}")


def test_the_blank_groups_section_names_its_themes_and_aspects(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)

    answer = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "course"})

    assert answer.status_code == 200, answer.text
    blank = group_section(answer.text, "(blank)")
    chem = group_section(answer.text, "CHEM110")
    assert "Themes with the most of its comments:" in chem
    assert "Themes with the most of its comments:" in blank  # was missing: "" against null
    assert "About what" in blank and "About what" in chem


def test_rows_holding_an_empty_cell_or_none_are_one_blank_group_null_and_last(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)
    with backend.repository.results._db.write() as session:  # half as an older job kept them
        rows = session.scalars(select(ResultRow).where(ResultRow.request_id == request_id))
        for index, row in enumerate(rows):
            if row.data.get("course") == "" and index % 2:
                row.data = {k: v for k, v in row.data.items() if k != "course"}

    body = client.get(f"/v1/jobs/{request_id}/aspects", params={"group_by": "course"}).json()

    assert [group["group"] for group in body["groups"]] == ["CHEM110", None]
    assert body["groups"][1]["n"] == 18
    themes = client.get(f"/v1/jobs/{request_id}/themes", params={"group_by": "course"}).json()
    counted = {count["group"] for t in themes["themes"] for count in t["counts"]}
    assert counted == {"CHEM110", None}  # the same name for the same rows


def test_the_figures_merge_an_empty_cell_with_a_missing_one() -> None:
    rows = [
        InsightRow(0, "negative", ("exams",), {"exams": "negative"}, "", None),
        InsightRow(1, "negative", ("exams",), {"exams": "negative"}, None, None),
        InsightRow(2, "positive", ("exams",), {"exams": "positive"}, "BIO101", None),
    ]

    figures = aspect_figures(rows, ("exams",), LABELS, {}, by_group=True)

    assert [(g["group"], g["n"]) for g in figures.groups] == [("BIO101", 1), (None, 2)]


def test_a_blank_group_written_empty_by_the_summary_finds_its_insights() -> None:
    aspects = aspects_summary(
        groups={"CHEM": [aspect("exams", 9, 1, 2)], None: [aspect("exams", 8, 1, 3)]}
    )
    themes = themes_summary([theme(0, "negative", "exam / unfair", 17, (), {"CHEM": 9, None: 8})])
    found = insights(aspects, themes, LABELS, AspectModelFacts(None))
    label_summary = summary([part("CHEM", 10, 1, 2), part("", 9, 1, 3)])

    blank = assemble(job(), label_summary, ModelFacts("m-1"), NOW, insights=found).groups[1]

    assert blank.name == "(blank)"
    assert [(t.theme.name, t.count) for t in blank.themes] == [("exam / unfair", 8)]
    assert [a.name for a in blank.aspects] == ["exams"]
