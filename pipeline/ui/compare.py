"""The *Compare* view's figures: two groups side by side (or one group against all the others),
label shares and each aspect's share negative, with 95 % Wilson intervals and a flag only
where the difference is beyond the noise.

The tests are the report's (``pipeline.report.stats``): Fisher's exact test of the two sides on
each share, Holm's correction over every test of the comparison, flag where the adjusted p is
under 5 %. As in the report, the label shares tested are negative and positive (neutral is what
is left of them); every label for a model with other labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.report.stats import ALPHA, fisher_exact, holm, wilson_interval
from pipeline.ui.about import interval_text
from pipeline.ui.groups import group_name
from pipeline.ui.insights import POLARITIES, AspectSummary, aspect_title
from pipeline.ui.shares import percent_text, percentages

REST = "all other groups"
TESTED_LABELS = ("negative", "positive")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its name, label counts and per aspect its polarity counts."""

    name: str
    labels: dict[str, int]
    aspects: dict[str, dict[str, int]]

    @property
    def n(self) -> int:
        return sum(self.labels.values())


@dataclass(frozen=True)
class Share:
    count: int
    n: int
    percent: int | None
    interval: tuple[float, float] | None

    @property
    def share(self) -> float | None:
        return self.count / self.n if self.n else None


@dataclass(frozen=True)
class Row:
    """One share on both sides: a label, or an aspect's share negative."""

    key: str
    first: Share
    second: Share
    tested: bool = False
    p_value: float | None = None
    adjusted_p: float | None = None

    @property
    def flagged(self) -> bool:
        return self.adjusted_p is not None and self.adjusted_p < ALPHA

    @property
    def shown_points(self) -> int | None:
        """The first side's whole percent less the second's, in points, as the table shows
        them: the reader's own subtraction gives it (75% against 12% reads +63 points, not the
        +62 of the exact shares, and 19% against 19% never reads -0). None when a side has no
        comment. The test is on the exact counts."""
        if self.first.percent is None or self.second.percent is None:
            return None
        return self.first.percent - self.second.percent


@dataclass(frozen=True)
class Comparison:
    first: Side
    second: Side
    labels: tuple[Row, ...]
    aspects: tuple[Row, ...]

    @property
    def tests(self) -> int:
        return sum(row.tested for row in (*self.labels, *self.aspects))


def tested_labels(labels: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(label for label in TESTED_LABELS if label in labels)
    return chosen or tuple(labels)


def group_side(summary: Summary, aspects: AspectSummary | None, group: str) -> Side:
    """The side of one group (``group`` as the page names it: "(blank)" for empty values)."""
    part = _part(summary, group)
    found = _group_aspects(aspects, group)
    return Side(group, dict(part.counts), found)


def rest_side(summary: Summary, aspects: AspectSummary | None, group: str) -> Side:
    """Every comment outside ``group``: the whole job less that group."""
    part = _part(summary, group)
    labels = {
        label: summary.overall.counts.get(label, 0) - part.counts.get(label, 0)
        for label in summary.labels
    }
    inside = _group_aspects(aspects, group)
    overall = {a.name: dict(a.counts) for a in aspects.categories} if aspects else {}
    rest = {
        name: {p: counts.get(p, 0) - inside.get(name, {}).get(p, 0) for p in POLARITIES}
        for name, counts in overall.items()
    }
    return Side(REST, labels, rest)


def compare(first: Side, second: Side, labels: Sequence[str]) -> Comparison:
    """Both sides' label shares and aspects' share negative; the tested ones (negative and
    positive labels, every aspect both sides mention) Holm-adjusted together."""
    tested = set(tested_labels(labels))
    cells: list[tuple[str, Share, Share, bool]] = [
        (label, _share(first.labels, label, labels), _share(second.labels, label, labels),
         label in tested)
        for label in labels
    ]  # fmt: skip
    mentioned = [*first.aspects.items(), *second.aspects.items()]
    names = list(dict.fromkeys(name for name, counts in mentioned if any(counts.values())))
    for name in names:
        left = _share(first.aspects.get(name, {}), "negative", POLARITIES)
        right = _share(second.aspects.get(name, {}), "negative", POLARITIES)
        cells.append((name, left, right, True))
    testable = [(a, b) for _key, a, b, test in cells if test and a.n and b.n]
    p_values = [
        fisher_exact([[a.count, a.n - a.count], [b.count, b.n - b.count]]) for a, b in testable
    ]
    raw, adjusted = iter(p_values), iter(holm(p_values))
    rows = [
        Row(key, a, b, True, next(raw), next(adjusted)) if test and a.n and b.n else Row(key, a, b)
        for key, a, b, test in cells
    ]
    count = len(labels)
    return Comparison(first, second, tuple(rows[:count]), tuple(rows[count:]))


def group_names(summary: Summary) -> list[str]:
    """The groups of a summary by name, largest first."""
    ordered = sorted(summary.groups, key=lambda part: sum(part.counts.values()), reverse=True)
    return [group_name(part.group) for part in ordered]


def _part(summary: Summary, group: str) -> GroupCounts:
    for part in summary.groups:
        if group_name(part.group) == group:
            return part
    raise KeyError(f"no group {group!r} in the summary by {summary.group_by}")


def _group_aspects(aspects: AspectSummary | None, group: str) -> dict[str, dict[str, int]]:
    for part in aspects.groups if aspects else ():
        if group_name(part.group) == group:
            return {aspect.name: dict(aspect.counts) for aspect in part.aspects}
    return {}


def _share(counts: Mapping[str, int], key: str, keys: Sequence[str]) -> Share:
    n = sum(counts.get(k, 0) for k in keys)
    interval = wilson_interval(counts.get(key, 0), n)
    return Share(
        count=counts.get(key, 0),
        n=n,
        percent=percentages(counts, keys)[key],
        interval=None if interval is None else (interval.low, interval.high),
    )


def table(rows: Sequence[Row], first: str, second: str, title: str) -> pd.DataFrame:
    """The rows as the page shows them: per side the whole percentage of its n with the 95 %
    interval, the difference of those whole percentages in points, and the flag where it is
    beyond the noise."""
    records = []
    for row in rows:
        points = row.shown_points
        records.append(
            {
                title: aspect_title(row.key),
                first: _cell(row.first),
                second: _cell(row.second),
                "difference": "–" if points is None else f"{points:+d} points",
                "beyond the noise": row.flagged,
            }
        )
    return pd.DataFrame.from_records(records, columns=[title, first, second, "difference",
                                                       "beyond the noise"])  # fmt: skip


def _cell(share: Share) -> str:
    """``34% of 75 (24–45 %)``; ``– of 0`` for a side with no comment."""
    if share.interval is None:
        return f"{percent_text(share.percent)} of {share.n:,}"
    return f"{percent_text(share.percent)} of {share.n:,} ({interval_text(share.interval)})"


def chart_rows(comparison: Comparison) -> pd.DataFrame:
    """The label shares of both sides for ``charts.compare_chart``."""
    records = []
    for row in comparison.labels:
        for side, share in ((comparison.first, row.first), (comparison.second, row.second)):
            low, high = share.interval or (0.0, 0.0)
            records.append(
                {
                    "side": f"{side.name} (n={share.n:,})",
                    "label": row.key,
                    "share": share.share or 0.0,
                    "low": low,
                    "high": high,
                    "percent": percent_text(share.percent),
                    "interval": interval_text(share.interval),
                    "n": share.n,
                    "caption": percent_text(share.percent),
                }
            )
    return pd.DataFrame.from_records(records)
