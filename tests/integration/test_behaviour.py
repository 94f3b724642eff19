"""The behavioural suite on the shipped model: 0.90 overall and 0.75 in every category
(issue 11). ``sentiment-pipeline behaviour --model default`` prints the same table."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.model.behaviour import (
    CATEGORY_GOAL,
    OVERALL_GOAL,
    BehaviourReport,
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
    assert len(counts) == 19 and counts.min() >= 14
    assert not cases["text"].duplicated().any()
    pairs = cases[cases["same_as"] != ""].groupby("same_as")["expected"]
    assert (pairs.size() >= 2).all() and (pairs.nunique() == 1).all()


KNOWN_WEAK = ("nothing to improve", "short verdicts")
"""The categories the shipped model (v3) reads under the goal (README, *Known weaknesses*):
satisfied answers to "what should be improved?" (found on 6 December 2026), and short verdicts
such as "Would take again", "A+" or "Avoid", read as neutral (7 December; a score alone,
"5/5", gets no label), held to it by the strict xfail below."""


@pytest.fixture(scope="module")
def shipped_cases() -> pd.DataFrame:
    report = run_suite(Predictor.load("default", precision="fp32"), load_cases(), english_screen())
    return report.cases


@pytest.mark.slow
def test_the_shipped_model_meets_the_behaviour_goals(shipped_cases: pd.DataFrame) -> None:
    report = BehaviourReport(shipped_cases[~shipped_cases["category"].isin(KNOWN_WEAK)])
    table = report.per_category()
    weak = table[table["accuracy"] < CATEGORY_GOAL]
    assert report.overall >= OVERALL_GOAL and weak.empty, report_text(report)
    assert report.invariance_breaks() == [], report_text(report)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known weaknesses: satisfied answers to 'what should be improved?' read as "
    "complaints or neutral (README: 0.73 against 0.75); short verdicts and ratings read as "
    "neutral (0.24)",
)
def test_the_shipped_model_reads_the_known_weak_categories(shipped_cases: pd.DataFrame) -> None:
    report = BehaviourReport(shipped_cases[shipped_cases["category"].isin(KNOWN_WEAK)])
    table = report.per_category()
    assert (table["accuracy"] >= CATEGORY_GOAL).all(), report_text(report)
