"""The report's statistics against published and independently computed values: Wilson
intervals (Newcombe 1998, table I), Fisher's exact test (scipy as the oracle), Holm's
adjustment."""

from __future__ import annotations

import random

import pytest

from pipeline.report.stats import fisher_exact, holm, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_intervals_match_newcombes_table(
    successes: int, trials: int, low: float, high: float
) -> None:
    interval = wilson_interval(successes, trials)

    assert interval is not None
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_intervals_stay_in_range_and_narrow_with_more_comments() -> None:
    everything = wilson_interval(7, 7)
    few, many = wilson_interval(3, 10), wilson_interval(300, 1000)

    assert everything is not None and everything.high == 1.0 and 0.6 < everything.low < 1.0
    assert few is not None and many is not None
    assert few.low < 0.3 < few.high and many.low < 0.3 < many.high
    assert many.high - many.low < (few.high - few.low) / 5


def test_a_share_of_nothing_has_no_interval_and_nonsense_is_refused() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 3)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ([[8, 2], [1, 5]], 0.034965034965),
        ([[3, 1], [1, 3]], 0.485714285714),
        ([[5, 5], [5, 5]], 1.0),
        ([[0, 0], [4, 7]], 1.0),
    ],
)
def test_fisher_exact_known_tables(table: list[list[int]], expected: float) -> None:
    assert fisher_exact(table) == pytest.approx(expected, rel=1e-9)


def test_fisher_exact_agrees_with_scipy_on_random_and_large_tables() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    generator = random.Random(14)
    tables = [
        [
            [generator.randint(0, 40), generator.randint(0, 40)],
            [generator.randint(0, 900), generator.randint(0, 900)],
        ]
        for _ in range(300)
    ]
    tables.append([[30_000, 170_000], [100_000, 700_000]])  # a million comments

    for table in tables:
        expected = scipy_stats.fisher_exact(table).pvalue
        assert fisher_exact(table) == pytest.approx(expected, rel=1e-6, abs=1e-12), table


def test_holm_adjusts_in_the_order_given_and_never_decreases_with_rank() -> None:
    raw = [0.01, 0.04, 0.03, 0.005]

    adjusted = holm(raw)

    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert all(a >= p for a, p in zip(adjusted, raw, strict=True))
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []
