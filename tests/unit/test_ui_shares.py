"""Largest-remainder rounding: whole percentages that always add up to 100."""

from __future__ import annotations

import random

import pytest

from pipeline.ui.shares import comments_text, largest_remainder, percent_text, percentages


@pytest.mark.parametrize(
    ("counts", "rounded"),
    [
        ([1, 1, 1], [34, 33, 33]),  # each alone rounds to 33: 99 %
        ([1, 1, 1, 1, 1, 1], [17, 17, 17, 17, 16, 16]),
        ([1, 2, 3], [17, 33, 50]),
        ([2, 2, 3], [29, 28, 43]),  # ties go to the earlier label at equal counts
        ([1, 2, 2], [20, 40, 40]),
        ([0, 0, 5], [0, 0, 100]),
        ([7], [100]),
        ([0, 0, 0], [0, 0, 0]),
        ([], []),
        ([1, 1000], [0, 100]),
    ],
)
def test_known_cases(counts: list[int], rounded: list[int]) -> None:
    assert largest_remainder(counts) == rounded


def test_naive_rounding_would_have_summed_to_101_here() -> None:
    counts = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 3]
    assert sum(round(100 * c / sum(counts)) for c in counts) != 100
    assert sum(largest_remainder(counts)) == 100


def test_any_counts_add_up_and_stay_within_a_point_of_the_exact_share() -> None:
    rng = random.Random(14)
    for _ in range(500):
        counts = [rng.randint(0, 400) for _ in range(rng.randint(1, 6))]
        if not sum(counts):
            continue
        rounded = largest_remainder(counts)
        assert sum(rounded) == 100
        for count, value in zip(counts, rounded, strict=True):
            assert abs(value - 100 * count / sum(counts)) < 1


def test_another_total() -> None:
    assert largest_remainder([1, 1, 1], total=1000) == [334, 333, 333]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        largest_remainder([3, -1])


def test_percentages_by_label_and_unknown_when_nothing_counted() -> None:
    labels = ["negative", "neutral", "positive"]
    assert percentages({"negative": 1, "positive": 2}, labels) == {
        "negative": 33,
        "neutral": 0,
        "positive": 67,
    }
    assert percentages({}, labels) == dict.fromkeys(labels)
    assert percent_text(41) == "41%"
    assert percent_text(None) == "–"


def test_a_count_of_comments_is_singular_for_one() -> None:
    assert [comments_text(n) for n in (0, 1, 2, 1250)] == [
        "0 comments",
        "1 comment",
        "2 comments",
        "1,250 comments",
    ]
