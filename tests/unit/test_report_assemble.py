"""A report's figures from a job's summary: n, shares that add up, intervals, each group
against the rest, flags only beyond the noise after Holm's correction, small groups marked."""

from __future__ import annotations

import pytest
from reportfakes import LABELS, NOW, job, part, summary

from pipeline.report.assemble import assemble, compare_groups, compared_labels, label_shares
from pipeline.report.data import ModelFacts, Quote
from pipeline.service.views import SummaryView


def test_shares_add_up_to_100_and_carry_wilson_intervals() -> None:
    shares = label_shares({"negative": 1, "neutral": 1, "positive": 1}, LABELS)

    assert [share.percent for share in shares] == [34, 33, 33]
    assert all(share.share == pytest.approx(1 / 3) for share in shares)
    assert all(s.interval is not None and s.interval.low < 1 / 3 < s.interval.high for s in shares)
    nothing = label_shares({}, LABELS)
    assert all(s.share is None and s.percent is None and s.interval is None for s in nothing)


def test_a_clearly_more_negative_group_is_flagged_and_named_as_such() -> None:
    groups = [part(f"C{i:02d}", 10, 10, 80) for i in range(20)] + [part("CHEM110", 30, 5, 15)]

    report = assemble(job(), summary(groups), ModelFacts("m-1"), NOW)

    chem = report.groups[-1]
    negative = next(c for c in chem.flags if c.label == "negative")
    assert negative.direction == "higher" and negative.adjusted_p < 0.05
    assert negative.share == pytest.approx(0.6) and negative.rest_share == pytest.approx(0.1)
    assert negative.rest_n == 2000 and negative.difference == pytest.approx(0.5)
    assert [g.name for g in report.flagged_groups] == ["CHEM110"]
    assert report.tests == 21 * 2 and report.compared_labels == ("negative", "positive")
    assert chem.rest and chem.rest[0].share == pytest.approx(0.1)


def test_a_difference_that_is_noise_across_forty_groups_is_not_flagged() -> None:
    """Alone its p-value is under 5 %; with 80 tests in the report it is what chance makes."""
    groups = [part(f"C{i:02d}", 20, 20, 60) for i in range(39)] + [part("ODD", 15, 5, 20)]

    report = assemble(job(), summary(groups), ModelFacts("m-1"), NOW)

    odd = report.groups[-1].comparisons[0]
    assert odd.label == "negative" and odd.p_value < 0.05
    assert odd.adjusted_p > 0.05 and not odd.flagged
    assert report.flagged_groups == ()


def test_small_groups_are_marked_and_n_counts_only_labelled_comments() -> None:
    groups = [part("BIO9", 2, 1, 1, errors=7), part("CHEM110", 20, 20, 60, errors=3)]

    report = assemble(job(), summary(groups), ModelFacts("m-1"), NOW)

    bio, chem = report.groups
    assert (bio.n, bio.unlabelled, bio.small) == (4, 7, True)
    assert (chem.n, chem.unlabelled, chem.small) == (100, 3, False)
    assert report.overall.n == 104 and report.overall.unlabelled == 10


def test_one_group_or_an_empty_group_has_nothing_to_be_compared_with() -> None:
    alone = compare_groups([part("A", 5, 5, 5)], LABELS, ("negative",))
    three = [part("A", 5, 5, 5), part("B", 0, 0, 0, errors=3), part("C", 1, 2, 3)]

    with_empty = compare_groups(three, LABELS, ("negative",))

    assert alone == [()]
    assert [len(found) for found in with_empty] == [1, 0, 1]


def test_the_compared_labels_are_negative_and_positive_else_every_label() -> None:
    assert compared_labels(LABELS) == ("negative", "positive")
    assert compared_labels(("bad", "good")) == ("bad", "good")


def test_a_report_without_groups_is_an_overview_with_its_quotes() -> None:
    quote = Quote("The labs were excellent and well run.", "positive", 0.97)
    ungrouped = SummaryView("r1", "succeeded", list(LABELS), 3, 3, part(None, 1, 1, 1), None, [])

    report = assemble(job(), ungrouped, ModelFacts("m-1"), NOW, overall_quotes=[quote])

    assert report.groups == () and report.tests == 0 and report.group_by is None
    assert report.overall.quotes == (quote,) and report.overall.n == 3
    assert report.insights.aspects is None and report.insights.themes is None
