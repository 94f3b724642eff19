"""The statistics of the report: intervals for shares, and when a group differs from the rest.

Pure (math and numpy only), so every figure the report prints is unit-tested against known
values.

- **Wilson score interval** (95 %) for a share k/n. Unlike the textbook "share ± 1.96 SE" it
  stays inside 0–100 % and keeps its coverage for small n and shares near 0 or 1 — exactly the
  small courses and the rare labels a report is full of (Newcombe 1998, Brown, Cai & DasGupta
  2001).
- **Fisher's exact test** of one group against all the others on one label's share: the 2×2
  table (this label / any other label) × (this group / the rest). Exact at every size, so a
  course of 6 comments is judged as fairly as one of 600, where the two-proportion z-test's
  normal approximation breaks down.
- **Holm's correction** across every test of the report: with 40 courses and two labels each,
  80 tests at 5 % would flag four differences by chance alone. Holm keeps the chance that even
  one flag of the report is noise at 5 % or less, uniformly more powerful than Bonferroni and
  valid whatever the dependence between the tests. A flag names a course to a committee, so
  a false one costs more than a missed one: hence a family-wise bound rather than a false
  discovery rate.
- **Cochran–Armitage test for trend** of one share over jobs in order (terms): does the share
  drift one way across them, rather than differ somewhere? One test per share instead of one
  per pair of terms, so a steady move over four terms is seen where no single step is beyond
  the noise. Normal approximation (the exact conditional test costs too much for a whole
  survey); it is not run on fewer than ``MIN_EXPECTED`` expected comments with or without the
  label, where that approximation is poor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054
"""The standard normal's 97.5 % quantile: two-sided 95 % intervals."""
ALPHA = 0.05
"""The family-wise error rate the flags keep to."""
MIN_EXPECTED = 5.0
"""The fewest expected comments with the label, and without it, for a trend test: below that
the normal approximation misstates the p-value (the usual rule for chi-square tests)."""
_RELATIVE_TIE = 1 + 1e-7
"""Tables as likely as the observed one up to float rounding count as "as extreme" (scipy's
tolerance), so a symmetric table gets p = 1, not a value below it."""


@dataclass(frozen=True)
class Interval:
    """A 95 % interval for a share, both ends in 0..1."""

    low: float
    high: float


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The Wilson score interval of ``successes`` out of ``trials``; None for no trials (a share
    of nothing has no interval)."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, not {successes} of {trials}")
    if trials == 0:
        return None
    share = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (share + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials)) / denominator
    # Exact ends at 0 and n (the formula gives them up to rounding).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Interval(low, high)


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Two-sided p-value of Fisher's exact test on a 2×2 table ``[[a, b], [c, d]]``: the
    probability, with the margins fixed, of a table no more likely than the one observed.

    The hypergeometric probabilities of the whole support are built as a cumulative sum of
    log ratios (numpy), so a table of a million comments costs milliseconds."""
    (a, b), (c, d) = table
    if min(a, b, c, d) < 0:
        raise ValueError(f"counts must not be negative: {[[a, b], [c, d]]}")
    row, column, total = a + b, a + c, a + b + c + d
    low, high = max(0, row + column - total), min(row, column)
    if low == high:
        return 1.0
    x = np.arange(low, high, dtype=np.float64)
    # log P(x + 1) - log P(x) for the hypergeometric of ``a``.
    steps = np.log((row - x) * (column - x)) - np.log((x + 1) * (total - row - column + x + 1))
    log_p = np.concatenate(([0.0], np.cumsum(steps)))
    log_p -= log_p.max()
    probabilities = np.exp(log_p)
    probabilities /= probabilities.sum()
    observed = probabilities[a - low]
    return float(min(1.0, probabilities[probabilities <= observed * _RELATIVE_TIE].sum()))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given: flag where one is below ALPHA."""
    count = len(p_values)
    order = sorted(range(count), key=lambda i: p_values[i])
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class Trend:
    """A Cochran–Armitage test: ``z`` above 0 where the share grows with the score."""

    z: float
    p_value: float


def cochran_armitage(
    successes: Sequence[int], trials: Sequence[int], scores: Sequence[float]
) -> Trend | None:
    """The two-sided Cochran–Armitage test for a trend in ``successes / trials`` along
    ``scores`` (one of each per job); None where it cannot be run: fewer than two scores with
    comments, or under MIN_EXPECTED expected comments with or without the label.

    The variance is the binomial one (N, not N - 1), so the statistic is N times the squared
    correlation of score and label, and for two jobs it is the 2×2 table's Pearson chi-square.
    """
    if not len(successes) == len(trials) == len(scores):
        raise ValueError("need one count of successes and of trials per score")
    if any(t < 0 or not 0 <= s <= t for s, t in zip(successes, trials, strict=True)):
        raise ValueError(f"need 0 <= successes <= trials, not {list(successes)} of {list(trials)}")
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    t = np.asarray(scores, dtype=np.float64)
    total = n.sum()
    if np.count_nonzero(n) < 2 or len(set(t[n > 0].tolist())) < 2:
        return None
    share = x.sum() / total
    if min(x.sum(), total - x.sum()) < MIN_EXPECTED:
        return None
    statistic = float(np.dot(t, x - n * share))
    spread = float(np.dot(n, t * t) - np.dot(n, t) ** 2 / total)
    z = statistic / math.sqrt(share * (1 - share) * spread)
    return Trend(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))
