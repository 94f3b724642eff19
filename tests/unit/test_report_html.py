"""The report page: its sections, n and intervals, the label colours, the aspects and themes
when given (and saying so when not), and hostile comments and group names kept as text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from reportfakes import NOW, job, part, summary

from pipeline.report.assemble import assemble
from pipeline.report.data import AspectSummary, Evaluation, ModelFacts, Quote, ThemeSummary
from pipeline.report.job import ReportFile, filename
from pipeline.report.render import render_html
from pipeline.ui.palette import LABEL_COLOURS

HOSTILE_COMMENT = '</blockquote><script>alert("comment")</script><img src=x onerror=alert(1)>'
HOSTILE_GROUP = "<b onmouseover=alert(2)>CS101</b> {{ 7*7 }} {% raw %}"
CHEM = "CHEM110 General Chemistry for Engineers and Physical Scientists"
MODEL = ModelFacts(
    "minilm-test-1",
    (Evaluation("Student feedback (course comments), held-out 20 %", 461, 0.868, 0.832, 0.962),),
    1.63,
)


class Tags(HTMLParser):
    """Every start tag and attribute the page really has (not text that looks like one)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.metas: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _value in attrs)
        if tag == "meta":
            self.metas.append({name: value or "" for name, value in attrs})


def page(**extra: Any) -> str:
    groups = [
        part(CHEM, 30, 5, 15),
        part(HOSTILE_GROUP, 2, 1, 3),
        *(part(f"C{i:02d}", 10, 10, 80) for i in range(12)),
    ]
    quotes = {
        CHEM: [Quote(HOSTILE_COMMENT, "negative", 0.97), Quote("Loved the labs.", "positive", 0.9)]
    }
    data = assemble(job(), summary(groups), MODEL, NOW, quotes=quotes, **extra)
    return render_html(data)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_has_an_overview_a_section_per_group_and_the_method() -> None:
    html = page()
    text = text_of(html)

    assert "Sentiment report: evaluations.csv" in text
    assert text.count("course: ") == 14  # one section heading per group
    assert CHEM in text  # in full, never cut
    assert "n=50" in text and "small" in text
    assert "more negative than the rest: 60% negative (46–72%) against 10%" in text
    assert "Wilson" in text and "Holm" in text and "Fisher" in text
    assert "28 comparisons" in text
    assert "minilm-test-1" in text and "87%" in text and "0.83" in text
    assert "Aspects (teaching, exams, workload…) were not computed for this job." in text
    assert "Themes were not computed for this job." in text


def test_the_label_colours_are_the_apps() -> None:
    html = page()

    for colour in LABEL_COLOURS.values():
        assert f'fill="{colour}"' in html


def test_hostile_comments_and_group_names_stay_text() -> None:
    html = page()
    parsed = Tags()
    parsed.feed(html)

    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert not any(name.startswith("on") for name in parsed.attributes)
    assert "&lt;script&gt;alert(&#34;comment&#34;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in text_of(html).replace("&lt;", "<") and "49" not in text_of(html)
    policy = next(m for m in parsed.metas if m.get("http-equiv") == "Content-Security-Policy")
    assert policy["content"].startswith("default-src 'none';")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)


def test_aspects_and_themes_are_shown_with_counts_and_quotes_when_given() -> None:
    aspects = [
        AspectSummary(
            "exams",
            "the exams, tests and the final exam",
            {"negative": 12, "neutral": 3, "positive": 5},
            ("The final exam covered topics we never saw.",),
        )
    ]
    themes = [
        ThemeSummary(
            "negative",
            "feedback / slow",
            ("feedback", "slow"),
            9,
            ("Marks came back after eight weeks.",),
        )
    ]

    text = text_of(page(aspects=aspects, themes=themes))

    assert "not computed" not in text
    assert (
        "exams" in text and "20" in text and "The final exam covered topics we never saw." in text
    )
    assert "negative: feedback / slow" in text and "(9 comments)" in text
    assert "Keywords: feedback, slow" in text and "Marks came back after eight weeks." in text


def test_the_download_name_is_safe_whatever_the_file_and_column_are_called() -> None:
    data = assemble(job(), summary([part('a"b', 1, 1, 1)], group_by='course "name"/x'), MODEL, NOW)
    data = type(data)(**{**data.__dict__, "input_name": '../ev"al;uations.csv'})

    name = filename(data, "pdf")
    report = ReportFile(b"%PDF", "application/pdf", name)

    assert re.fullmatch(r"[A-Za-z0-9_.-]+", name) and name.endswith("-report-by-course_name_x.pdf")
    assert report.headers == {"Content-Disposition": f'attachment; filename="{name}"'}
    html = ReportFile(b"<p>", "text/html; charset=utf-8", "r.html")
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]


def test_times_are_shown_in_utc() -> None:
    later = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    data = assemble(job(), summary([part("A", 1, 1, 1)]), MODEL, later)

    assert "2026-12-01 14:30 UTC" in render_html(data)
