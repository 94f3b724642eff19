"""The behavioural suite on the shipped model: 0.90 overall and 0.75 in every category
(issue 11). ``sentiment-pipeline behaviour --model default`` prints the same table."""

from __future__ import annotations

import pytest

from pipeline.model.behaviour import (
    CATEGORY_GOAL,
    OVERALL_GOAL,
    english_screen,
    load_cases,
    report_text,
    run_suite,
)
from pipeline.model.predictor import Predictor


def test_the_suite_has_every_category_and_enough_cases() -> None:
    cases = load_cases()
    assert len(cases) >= 200
    assert set(cases["expected"]) == {"negative", "neutral", "positive", "no label"}
    counts = cases["category"].value_counts()
    assert len(counts) == 14 and counts.min() >= 14
    assert not cases["text"].duplicated().any()
    pairs = cases[cases["same_as"] != ""].groupby("same_as")["expected"]
    assert (pairs.size() >= 2).all() and (pairs.nunique() == 1).all()


@pytest.mark.slow
def test_the_shipped_model_meets_the_behaviour_goals() -> None:
    report = run_suite(Predictor.load("default", precision="fp32"), load_cases(), english_screen())
    table = report.per_category()
    weak = table[table["accuracy"] < CATEGORY_GOAL]
    assert report.overall >= OVERALL_GOAL and weak.empty, report_text(report)
    assert report.invariance_breaks() == [], report_text(report)
