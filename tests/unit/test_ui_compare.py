"""The Compare view's figures: each side's counts (a group, another group, or all the others),
Wilson intervals, and flags from Fisher's exact test with Holm's correction, only where a
difference is beyond the noise."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.client import GroupCounts, Summary
from pipeline.report.stats import fisher_exact, holm
from pipeline.ui.compare import (
    REST,
    Side,
    chart_rows,
    compare,
    group_names,
    group_side,
    rest_side,
    table,
)
from pipeline.ui.insights import aspect_summary

LABELS = ["negative", "neutral", "positive"]


def _part(group: str | None, negative: int, neutral: int, positive: int) -> GroupCounts:
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    return GroupCounts(group, sum(counts.values()), 0, counts, {}, {})


SUMMARY = Summary(
    request_id="r1",
    status="succeeded",
    labels=LABELS,
    rows_done=130,
    rows_total=130,
    overall=_part(None, 46, 20, 64),
    group_by="course",
    groups=[_part("CHEM", 30, 4, 6), _part("CS", 10, 14, 56), _part(None, 6, 2, 2)],
)


def _aspects(exams: tuple[int, int, int]) -> dict[str, Any]:
    return {"name": "exams", "n": sum(exams),
            "counts": dict(zip(LABELS, exams, strict=True))}  # fmt: skip


ASPECTS = aspect_summary(
    {
        "categories": [_aspects((40, 5, 15))],
        "rows_with_aspects": 60,
        "groups": [
            {"group": "CHEM", "n": 40, "aspects": [_aspects((25, 0, 1))]},
            {"group": "CS", "n": 80, "aspects": [_aspects((10, 5, 14))]},
        ],
    }
)


def test_group_names_are_full_largest_first_and_blank_is_named() -> None:
    assert group_names(SUMMARY) == ["CS", "CHEM", "(blank)"]


def test_the_rest_is_the_job_less_the_group() -> None:
    rest = rest_side(SUMMARY, ASPECTS, "CHEM")
    assert rest.name == REST
    assert rest.labels == {"negative": 16, "neutral": 16, "positive": 58}
    assert rest.aspects == {"exams": {"negative": 15, "neutral": 5, "positive": 14}}
    blank = group_side(SUMMARY, ASPECTS, "(blank)")
    assert blank.labels == {"negative": 6, "neutral": 2, "positive": 2}
    assert blank.aspects == {}
    with pytest.raises(KeyError):
        group_side(SUMMARY, ASPECTS, "PHYS")


def test_shares_carry_n_whole_percentages_and_wilson_intervals() -> None:
    result = compare(group_side(SUMMARY, ASPECTS, "CHEM"), rest_side(SUMMARY, ASPECTS, "CHEM"),
                     LABELS)  # fmt: skip
    negative = result.labels[0]
    assert (negative.first.count, negative.first.n, negative.first.percent) == (30, 40, 75)
    low, high = negative.first.interval or (0, 0)
    assert 0.59 < low < 0.75 < high < 0.87
    assert sum(row.first.percent or 0 for row in result.labels) == 100


def test_flags_follow_fisher_and_holm_over_every_test_of_the_comparison() -> None:
    first, second = group_side(SUMMARY, ASPECTS, "CHEM"), rest_side(SUMMARY, ASPECTS, "CHEM")
    result = compare(first, second, LABELS)
    tested = [row for row in (*result.labels, *result.aspects) if row.tested]
    assert [row.key for row in tested] == ["negative", "positive", "exams"], "neutral is not"
    expected = [
        fisher_exact([[30, 10], [16, 74]]),
        fisher_exact([[6, 34], [58, 32]]),
        fisher_exact([[25, 1], [15, 19]]),
    ]
    assert [row.p_value for row in tested] == pytest.approx(expected)
    assert [row.adjusted_p for row in tested] == pytest.approx(holm(expected))
    assert all(row.flagged for row in tested)
    assert result.tests == 3
    assert not result.labels[1].flagged and result.labels[1].adjusted_p is None


def test_a_small_difference_on_few_comments_is_not_flagged() -> None:
    one = Side("A", {"negative": 3, "neutral": 1, "positive": 2}, {})
    two = Side("B", {"negative": 2, "neutral": 1, "positive": 3}, {})
    result = compare(one, two, LABELS)
    assert not any(row.flagged for row in result.labels)
    assert result.labels[0].shown_points == 50 - 33


def test_a_side_without_comments_is_shown_but_not_tested() -> None:
    one = Side("A", {"negative": 3, "neutral": 1, "positive": 2}, {"exams": {"negative": 2}})
    two = Side("B", dict.fromkeys(LABELS, 0), {})
    result = compare(one, two, LABELS)
    assert result.tests == 0
    assert result.labels[0].shown_points is None
    assert [row.key for row in result.aspects] == ["exams"]
    shown = table(result.labels, "A", "B", "label")
    assert shown["B"].tolist() == ["– of 0"] * 3
    assert shown["difference"].tolist() == ["–"] * 3


def test_the_table_and_chart_rows_say_share_n_interval_and_flag() -> None:
    result = compare(group_side(SUMMARY, ASPECTS, "CHEM"), group_side(SUMMARY, ASPECTS, "CS"),
                     LABELS)  # fmt: skip
    shown = table(result.labels, "CHEM", "CS", "label")
    assert shown.columns.tolist() == ["label", "CHEM", "CS", "difference", "beyond the noise"]
    assert shown.iloc[0].tolist()[:3] == ["negative", "75% of 40 (60–86 %)", "12% of 80 (7–22 %)"]
    assert shown.iloc[0]["difference"] == "+63 points"  # 75% less 12%, as the reader subtracts
    aspects = table(result.aspects, "CHEM", "CS", "aspect")
    assert aspects.iloc[0]["CHEM"] == "96% of 26 (81–99 %)"
    rows = chart_rows(result)
    assert rows["side"].unique().tolist() == ["CHEM (n=40)", "CS (n=80)"]
    assert (rows["low"] <= rows["share"]).all() and (rows["share"] <= rows["high"]).all()


def test_shares_shown_alike_differ_by_no_points_whatever_their_exact_order() -> None:
    """19 of 100 against 191 of 1,001 (19.08 %): both read 19%, so the difference reads +0
    points, never -0; the test still runs on the exact counts."""
    one = Side("A", {"negative": 19, "neutral": 1, "positive": 80}, {})
    two = Side("B", {"negative": 191, "neutral": 10, "positive": 800}, {})
    result = compare(one, two, LABELS)
    shown = table(result.labels, "A", "B", "label")
    assert shown["A"].iloc[0].startswith("19% of 100") and shown["B"].iloc[0].startswith("19% of")
    assert shown["difference"].tolist()[0] == "+0 points"
    assert result.labels[0].p_value is not None and result.labels[0].p_value > 0.5
