"""What the ratings follow: per aspect, how the ratings of the comments negative about it
(and of those positive about it) compare with the other rated comments. Pure.

A chair who sees a course rated 3.1 asks what pulls it down. The comments' aspects answer it:
"comments negative about the exams are rated 1.2 points lower than the others" says where to
look first. Each aspect is tested once — its negative comments' ratings against every other
rated comment's, the Mann-Whitney U test (normal approximation with the tie correction),
Holm over the aspects — so a difference is called beyond the noise only where these comments
can tell. A difference is an association, not a cause: students who rate a course low may
also complain about its exams for other reasons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.ratings.agreement import ranks
from pipeline.report.stats import holm

MIN_COMMENTS = 5
"""An aspect is tested when at least this many rated comments are negative about it."""
ALPHA = 0.05


@dataclass(frozen=True)
class AspectDriver:
    """One aspect's comments' ratings (positions, 0 worst .. 1 best) against the others'."""

    aspect: str
    negative: int
    positive: int
    mean_negative: float | None
    mean_positive: float | None
    mean_others: float | None
    """The rated comments not negative about the aspect."""
    p_value: float | None
    adjusted_p: float | None = None

    @property
    def difference(self) -> float | None:
        """Mean position of the negative comments less the others' (negative: lower)."""
        if self.mean_negative is None or self.mean_others is None:
            return None
        return self.mean_negative - self.mean_others

    @property
    def flagged(self) -> bool:
        return self.adjusted_p is not None and self.adjusted_p < ALPHA


def aspect_drivers(
    positions: Sequence[float], aspect_sentiments: Sequence[Mapping[str, str]]
) -> list[AspectDriver]:
    """Per aspect any rated comment is about, its figures; the tested ones (at least
    ``MIN_COMMENTS`` negative) Holm-adjusted together. Sorted: the largest fall first, then
    the untested by their comments."""
    rated = np.asarray(positions, dtype=np.float64)
    aspects = sorted({name for found in aspect_sentiments for name in found})
    drivers = []
    for aspect in aspects:
        negative = np.array([found.get(aspect) == "negative" for found in aspect_sentiments])
        positive = np.array([found.get(aspect) == "positive" for found in aspect_sentiments])
        tested = negative.sum() >= MIN_COMMENTS and (~negative).sum() >= MIN_COMMENTS
        drivers.append(
            AspectDriver(
                aspect=aspect,
                negative=int(negative.sum()),
                positive=int(positive.sum()),
                mean_negative=_mean(rated[negative]),
                mean_positive=_mean(rated[positive]),
                mean_others=_mean(rated[~negative]),
                p_value=mann_whitney_p(rated[negative], rated[~negative]) if tested else None,
            )
        )
    tested_at = [i for i, driver in enumerate(drivers) if driver.p_value is not None]
    adjusted = holm([drivers[i].p_value or 1.0 for i in tested_at])
    for i, p in zip(tested_at, adjusted, strict=True):
        drivers[i] = replace(drivers[i], adjusted_p=p)
    return sorted(drivers, key=_order)


def _order(driver: AspectDriver) -> tuple[bool, float, int]:
    difference = driver.difference
    return (driver.p_value is None, difference if difference is not None else 0.0, -driver.negative)


def mann_whitney_p(first: np.ndarray, second: np.ndarray) -> float:
    """Two-sided p of the Mann-Whitney U test, normal approximation with the tie correction
    (1.0 where every value is tied)."""
    n1, n2 = first.size, second.size
    pooled = np.concatenate([first, second])
    ranked = ranks(pooled)
    u = float(ranked[:n1].sum()) - n1 * (n1 + 1) / 2
    n = n1 + n2
    _, counts = np.unique(pooled, return_counts=True)
    ties = float((counts**3 - counts).sum())
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None
