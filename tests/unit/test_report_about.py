"""What a report says the comments are about: aspects with intervals over the job and per
group, a group's aspect flagged only beyond the noise, the job's themes per label, the aspect
model's held-out figures from its card, and the reason when a job has none of them."""

from __future__ import annotations

from typing import Any

import pytest
from reportfakes import LABELS, aspect, aspects_summary, theme, themes_summary

from pipeline.report.about import THEME_QUOTES, aspects_report, insights, theme_entries
from pipeline.report.assemble import group_themes
from pipeline.report.data import AspectModelFacts
from pipeline.report.model_facts import aspect_facts, shipped_aspect_card
from pipeline.report.stats import wilson_interval

MODEL = AspectModelFacts("aspects-test-1")
EXAMS = "the exams, tests and the final exam"


def test_each_aspect_has_its_sentiment_shares_with_wilson_intervals() -> None:
    summary = aspects_summary(
        [
            aspect("teaching", 10, 20, 70, meaning="lectures"),
            aspect("exams", 6, 1, 1, meaning=EXAMS),
        ]
    )

    report, per_group = aspects_report(summary, LABELS, MODEL)

    teaching, exams = report.categories
    assert [a.name for a in report.categories] == ["teaching", "exams"]
    assert teaching.n == 100 and not teaching.small and teaching.meaning == "lectures"
    assert [s.percent for s in teaching.shares] == [10, 20, 70]
    negative = exams.share_of("negative")
    assert negative is not None and negative.share == pytest.approx(0.75)
    assert negative.interval == wilson_interval(6, 8)
    assert exams.small and exams.meaning == EXAMS
    assert report.sentiments == LABELS and report.compared == ("negative", "positive")
    assert report.rows_with_aspects == 80 and per_group == {} and report.tests == 0


def test_a_group_clearly_more_negative_about_an_aspect_is_flagged_against_the_rest() -> None:
    groups: dict[str | None, list[dict[str, Any]]] = {
        f"C{i:02d}": [aspect("exams", 4, 4, 32), aspect("teaching", 5, 5, 30)] for i in range(10)
    }
    groups["CHEM110"] = [aspect("exams", 24, 3, 3), aspect("teaching", 5, 5, 30)]
    groups[None] = [aspect("exams", 1, 0, 2)]
    summary = aspects_summary(groups=groups)

    report, per_group = aspects_report(summary, LABELS, MODEL)

    chem = {a.name: a for a in per_group["CHEM110"]}
    flag = next(c for c in chem["exams"].flags if c.label == "negative")
    assert flag.direction == "higher" and flag.share == pytest.approx(0.8)
    assert flag.rest_share == pytest.approx(41 / 403) and flag.rest_n == 403
    assert flag.adjusted_p < 0.05
    assert chem["teaching"].comparisons and not chem["teaching"].flags  # like the others
    assert [c.label for c in chem["exams"].comparisons] == ["negative", "positive"]
    rest = chem["exams"].rest
    assert [s.count for s in rest] == [41, 40, 322]
    assert not any(a.flags for g, found in per_group.items() if g != "CHEM110" for a in found)
    blank = per_group[None][0]
    assert blank.small and blank.comparisons == ()  # 3 comments: too few to test
    assert report.tests == 11 * 2 * 2  # 11 groups x 2 aspects x 2 sentiments; blank untested


def test_a_difference_that_is_noise_among_many_tests_is_not_flagged() -> None:
    groups: dict[str | None, list[dict[str, Any]]] = {
        f"C{i:02d}": [aspect(name, 3, 2, 15) for name in ("exams", "teaching", "grading")]
        for i in range(30)
    }
    groups["C99"] = [aspect("exams", 8, 2, 10)]  # 40 % against 15 %: p < 0.05 alone
    categories = [
        aspect("exams", 98, 62, 460),
        aspect("teaching", 90, 60, 450),
        aspect("grading", 90, 60, 450),
    ]

    report, per_group = aspects_report(aspects_summary(categories, groups), LABELS, MODEL)

    exams = per_group["C99"][0]
    negative = next(c for c in exams.comparisons if c.label == "negative")
    assert negative.p_value < 0.05 and not negative.flagged
    assert report.tests == (30 * 3 + 1) * 2


def test_a_job_without_aspects_says_why_instead_of_crashing() -> None:
    off = aspects_summary([], rows_labelled=250, rows_with_aspects=0)
    nothing = aspects_summary([], rows_labelled=0, rows_with_aspects=0)

    found = insights(off, None, LABELS, MODEL, themes_note="themes: the post-pass failed")
    empty = insights(nothing, None, LABELS, MODEL)
    failed = insights(None, None, LABELS, MODEL, aspects_note="no aspects: old job")

    assert found.aspects is None and found.group_aspects == {}
    assert found.aspects_note is not None and "250 labelled comments" in found.aspects_note
    assert "PIPELINE_INSIGHTS=0" in found.aspects_note
    assert found.themes is None and found.themes_note == "themes: the post-pass failed"
    assert empty.aspects_note == "No comment of this job got a label, so none has aspects."
    assert failed.aspects is None and failed.aspects_note == "no aspects: old job"


def test_themes_come_label_by_label_largest_first_with_at_most_three_quotes() -> None:
    quotes = ("one quote here", "two quotes here", "three quotes here", "four quotes here")
    summary = themes_summary(
        [
            theme(0, "positive", "labs / helpful", 30, quotes, {"CHEM": 4, None: 1}),
            theme(1, "negative", "exams / unfair", 12, quotes[:2], {"CHEM": 9}),
            theme(2, "negative", "feedback / slow", 20, (), {"BIO": 3, "CHEM": 9}),
        ]
    )

    entries = theme_entries(summary, LABELS)

    assert [t.name for t in entries] == ["feedback / slow", "exams / unfair", "labs / helpful"]
    labs = entries[-1]
    assert labs.quotes == quotes[:THEME_QUOTES] and labs.keywords == ("labs", "helpful")
    assert labs.counts == {"CHEM": 4, None: 1} and labs.share == pytest.approx(0.3)
    chem = group_themes(entries, "CHEM", top=2)
    assert [(g.theme.name, g.count) for g in chem] == [
        ("feedback / slow", 9),
        ("exams / unfair", 9),
    ]
    assert [g.theme.name for g in group_themes(entries, None)] == ["labs / helpful"]
    assert group_themes(entries, "nobody") == ()


def test_no_theme_found_is_said_with_the_number_of_comments() -> None:
    found = insights(None, themes_summary([], n=42), LABELS, MODEL)
    none = insights(None, themes_summary([], n=0), LABELS, MODEL)

    assert found.themes is None and found.themes_note is not None and "42" in found.themes_note
    assert none.themes_note == "No comment of this job got a label, so none is in a theme."


def test_the_aspect_models_figures_are_read_from_its_card_of_that_very_version() -> None:
    card = shipped_aspect_card()
    held = card["held_out"]

    facts = aspect_facts(card["version"], card)
    other = aspect_facts("aspects-older", card)

    assert facts.version == card["version"] and facts.held_out == held["comments"]
    assert facts.micro_f1 == held["detection"]["micro_f1"]
    assert facts.macro_f1 == held["detection"]["macro_f1"]
    method = card.get("polarity_method") or "polarity_head"
    assert facts.sentiment_accuracy == held["polarity"][method]["accuracy"]
    assert facts.sentiment_pairs == held["polarity"][method]["n"]
    assert facts.baseline_macro_f1 == card["zero_shot_baseline"]["one_threshold"]["macro_f1"]
    assert other == AspectModelFacts("aspects-older")
    assert aspect_facts(None, card) == AspectModelFacts(None)
