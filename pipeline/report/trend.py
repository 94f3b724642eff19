"""How the shares moved over several jobs of the same survey, in order: four terms of one
course's evaluations.

Pure: each job's label counts (overall and per group) and aspect counts come in, in the order
the jobs are given (oldest first); each share per job with its 95 % Wilson interval, and a
Cochran–Armitage test for a trend along that order (``pipeline.report.stats``), come out. A
trend is flagged where its Holm-adjusted p over every test of the trend (overall labels, each
aspect's share negative, each group's labels: one family, as in the change and the report) is
under 5 %. The jobs are scored 0, 1, 2… by position: equally spaced terms.

A group is followed in the jobs that have it; it is tested where at least two of them do (a
course not taught one term keeps its place in the order). Groups are matched by their exact
value, as in ``pipeline.report.change``; a group found in one job only is listed with its n.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pipeline.report.assemble import compared_labels
from pipeline.report.change import (
    ASPECT_SHARE,
    Counts,
    Share,
    Side,
    count_of,
    share_of,
)
from pipeline.report.stats import ALPHA, cochran_armitage, holm

MIN_JOBS = 2
MAX_JOBS = 12
"""Three years of terms; a longer series is read better as several."""


@dataclass(frozen=True)
class Series:
    """One share in each job (n = 0 where a group has no comment in it), with its trend test
    where it could be run."""

    key: str
    shares: tuple[Share, ...]
    z: float | None = None
    p_value: float | None = None
    adjusted_p: float | None = None

    @property
    def tested(self) -> bool:
        return self.p_value is not None

    @property
    def flagged(self) -> bool:
        return self.adjusted_p is not None and self.adjusted_p < ALPHA

    @property
    def direction(self) -> str | None:
        """``rising`` or ``falling`` for a flagged trend; None otherwise."""
        if not self.flagged or self.z is None:
            return None
        return "rising" if self.z > 0 else "falling"

    @property
    def difference(self) -> float | None:
        """The last job's share less the first's, among the jobs with comments (0..1)."""
        present = [share.share for share in self.shares if share.share is not None]
        return present[-1] - present[0] if len(present) >= 2 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "shares": [share.to_dict() for share in self.shares],
            "difference": self.difference,
            "z": self.z,
            "p_value": self.p_value,
            "adjusted_p": self.adjusted_p,
            "flagged": self.flagged,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class GroupTrend:
    group: str | None
    series: tuple[Series, ...]

    @property
    def flagged(self) -> bool:
        return any(series.flagged for series in self.series)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "n": [share.n for share in self.series[0].shares],
            "flagged": self.flagged,
            "series": [series.to_dict() for series in self.series],
        }


@dataclass(frozen=True)
class Trend:
    """Every share of every job, the tested trends Holm-adjusted together."""

    overall: tuple[Series, ...]
    aspects: tuple[Series, ...]
    groups: tuple[GroupTrend, ...]
    only_one: tuple[tuple[str | None, int, int], ...]
    """(value, index of the one job that has it, its n), largest first."""

    @property
    def tests(self) -> int:
        every = [*self.overall, *self.aspects, *(s for g in self.groups for s in g.series)]
        return sum(series.tested for series in every)


def trend(sides: Sequence[Side], labels: Sequence[str]) -> Trend:
    """The shares of each job of ``sides`` (oldest first), each tested for a trend. Groups are
    those found in two jobs or more, largest over all jobs first; an aspect is followed where
    a job has a comment about it."""
    if not MIN_JOBS <= len(sides) <= MAX_JOBS:
        raise ValueError(f"need {MIN_JOBS} to {MAX_JOBS} jobs, not {len(sides)}")
    labels = tuple(labels)
    tested = compared_labels(labels)
    sizes: dict[str | None, list[int]] = {}
    for index, side in enumerate(sides):
        for value, counts in side.groups.items():
            sizes.setdefault(value, [0] * len(sides))[index] = count_of(counts, labels)
    followed = [value for value, per_job in sizes.items() if _jobs_with(per_job) >= 2]
    followed.sort(key=lambda value: (-sum(sizes[value]), value is None, value or ""))
    aspect_names = list(dict.fromkeys(name for side in sides for name in side.aspects))
    if ASPECT_SHARE not in labels:
        aspect_names = []
    overall = [
        series_of(label, [side.overall for side in sides], labels, label in tested)
        for label in labels
    ]
    aspects = [
        series_of(name, [side.aspects.get(name, {}) for side in sides], labels, True, ASPECT_SHARE)
        for name in aspect_names
    ]
    aspects = [series for series in aspects if any(share.n for share in series.shares)]
    per_group = [
        series_of(label, [side.groups.get(value, {}) for side in sides], labels, label in tested)
        for value in followed
        for label in labels
    ]
    rows = iter(adjusted([*overall, *aspects, *per_group]))
    only_one = [
        (value, next(i for i, n in enumerate(per_job) if n), sum(per_job))
        for value, per_job in sizes.items()
        if _jobs_with(per_job) == 1
    ]
    only_one.sort(key=lambda item: (-item[2], item[0] is None, item[0] or ""))
    return Trend(
        overall=tuple(islice(rows, len(overall))),
        aspects=tuple(islice(rows, len(aspects))),
        groups=tuple(GroupTrend(value, tuple(islice(rows, len(labels)))) for value in followed),
        only_one=tuple(only_one),
    )


def _jobs_with(per_job: Sequence[int]) -> int:
    return sum(1 for n in per_job if n)


def series_of(
    key: str, counts: Sequence[Counts], labels: Sequence[str], test: bool, label: str = ""
) -> Series:
    """``label``'s share (``key``'s when not given) in each of ``counts``, with its raw trend
    test when ``test``."""
    shares = tuple(share_of(one, label or key, labels) for one in counts)
    found = (
        cochran_armitage(
            [share.count for share in shares], [share.n for share in shares], range(len(shares))
        )
        if test
        else None
    )
    if found is None:
        return Series(key, shares)
    return Series(key, shares, found.z, found.p_value)


def adjusted(every: Sequence[Series]) -> list[Series]:
    """Each series with its Holm-adjusted p over all the tested ones (one family)."""
    tested = [index for index, series in enumerate(every) if series.tested]
    corrected = holm([every[index].p_value or 0.0 for index in tested])
    adjusted = dict(zip(tested, corrected, strict=True))
    return [
        Series(s.key, s.shares, s.z, s.p_value, adjusted[i]) if i in adjusted else s
        for i, s in enumerate(every)
    ]
