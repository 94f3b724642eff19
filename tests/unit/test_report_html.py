"""The report page: its sections, n and intervals, the label colours, the aspects and themes
when given (and saying so when not), and hostile comments and group names kept as text."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
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

from pipeline.report.about import insights
from pipeline.report.assemble import assemble, label_shares
from pipeline.report.charts import stacked_bar, tint
from pipeline.report.data import AspectModelFacts, Evaluation, Insights, ModelFacts, Quote
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


def about_what() -> Insights:
    groups: dict[str | None, list[dict[str, Any]]] = {
        f"C{i:02d}": [aspect("exams", 2, 2, 16), aspect("teaching", 3, 3, 24)] for i in range(12)
    }
    groups[CHEM] = [aspect("exams", 20, 2, 2), aspect("teaching", 5, 5, 30)]
    groups[HOSTILE_GROUP] = [aspect("course_content", 1, 0, 1)]
    summary = aspects_summary(groups=groups, rows_labelled=700, rows_with_aspects=650)
    themes = themes_summary(
        [
            theme(
                0,
                "negative",
                "exams / unfair",
                40,
                (HOSTILE_COMMENT, "The final was unfair."),
                {CHEM: 18, "C01": 2},
            ),
            theme(1, "positive", "labs / helpful", 30, ("Loved the labs.",), {"C01": 30}),
        ]
    )
    facts = AspectModelFacts("aspects-test-1", 461, 0.768, 0.605, 0.437, 0.318, 0.827, 825)
    return insights(summary, themes, LABELS, facts)


def test_aspects_and_themes_are_shown_with_intervals_flags_and_quotes_when_given() -> None:
    html = page(insights=about_what())
    text = text_of(html)

    assert "not computed" not in text and "About what" in text
    assert "650 of the 700 labelled comments speak about at least one" in text
    assert "course content" in text and "exams" in text
    assert (
        f"{CHEM} on exams (n=24): more negative and less positive than in the other courses: "
        "84% negative (64–93%) against 10%"
    ) in text
    assert "Holm" in text and "(+" in text and "too few to test" in text
    assert "Negative comments: 1 theme" in text and "exams / unfair" in text
    assert "Keywords: exams, unfair" in text and "40 comments, 40% of the negative ones" in text
    assert "The final was unfair." in text and "Loved the labs." in text
    assert "negative: exams / unfair (18)" in text  # CHEM's section names its themes
    assert "Negative share per aspect and course" in text
    assert "▲ 84% (24)" in text and "50% (2)" in text  # flagged cell; a small one
    assert "aspects-test-1" in text and "micro-F1 0.77" in text and "macro-F1 0.60" in text
    assert "0.44 and 0.32" in text and "83% of 825 comment–aspect pairs" in text


def test_quotes_of_themes_stay_text() -> None:
    parsed = Tags()
    parsed.feed(page(insights=about_what()))

    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name in parsed.attributes)


def test_a_job_without_aspects_or_themes_says_why() -> None:
    why = insights(
        aspects_summary([], rows_labelled=300, rows_with_aspects=0),
        None,
        LABELS,
        AspectModelFacts(None),
        themes_note="Themes are unavailable: the theme pass failed.",
    )

    text = unescape(text_of(page(insights=why)))

    assert "None of this job's 300 labelled comments has aspects recorded" in text
    assert "Themes are unavailable: the theme pass failed." in text
    assert "The aspect model" not in text and "About what" in text


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


def test_a_bar_writes_a_percentage_only_in_a_segment_wide_enough_for_it() -> None:
    shares = label_shares({"negative": 1, "neutral": 0, "positive": 9}, LABELS)

    wide = stacked_bar(shares, 260)
    narrow = stacked_bar(shares, 110)

    assert [(s.label, s.text) for s in wide] == [("negative", "10%"), ("positive", "90%")]
    assert [(s.label, s.text) for s in narrow] == [("negative", ""), ("positive", "90%")]
    assert narrow[1].x == pytest.approx(11.0) and narrow[1].width == pytest.approx(99.0)


def test_a_grid_cell_is_tinted_by_its_share_and_white_at_nothing() -> None:
    assert tint("#d1495b", 0.0) == "#ffffff"
    assert tint("#d1495b", 1.0) == "#d1495b"
    assert tint("#000000", 0.5) == "#808080"
    assert tint("#d1495b", 2.0) == "#d1495b"


def test_a_report_without_groups_shows_the_jobs_aspects_and_themes_only() -> None:
    ungrouped = replace(summary([part("A", 30, 5, 15)], group_by=None), groups=[])
    found = insights(
        aspects_summary([aspect("exams", 20, 2, 2)], rows_labelled=50, rows_with_aspects=24),
        themes_summary([theme(0, "negative", "exams / unfair", 30, ("The final was unfair.",))]),
        LABELS,
        AspectModelFacts("aspects-test-1"),
    )

    text = text_of(render_html(assemble(job(), ungrouped, MODEL, NOW, insights=found)))

    assert "24 of the 50 labelled comments" in text and "The final was unfair." in text
    assert "stand out" not in text and "share per aspect and" not in text


def test_every_chart_says_its_figures_in_words_for_a_screen_reader() -> None:
    html = page()

    charts = re.findall(r'<svg [^>]*aria-label="([^"]+)">\s*<title>([^<]+)</title>', html)
    assert len(charts) == html.count("<svg ")
    assert all(label == title for label, title in charts)
    assert "negative 60%, neutral 10%, positive 30%" in [unescape(t) for _, t in charts]
    assert any(", 95% interval " in unescape(title) for _, title in charts)


def test_a_chart_says_the_same_whole_percentages_as_the_tables() -> None:
    """1 : 1 : 1 is 34 % / 33 % / 33 % in every table; a bar's words said 33 % three times,
    and 7 : 4 : 12 said 30 / 17 / 52 (99) beside a table's 31 / 17 / 52."""
    html = render_html(
        assemble(job(), summary([part("EVEN", 1, 1, 1), part("ODD", 7, 4, 12)]), MODEL, NOW)
    )
    said = {unescape(title) for title in re.findall(r"<title>([^<]+)</title>", html)}

    assert "negative 34%, neutral 33%, positive 33%" in said
    assert "negative 30%, neutral 17%, positive 52%" not in said
    assert "negative 31%, neutral 17%, positive 52%" in said
