"""The figures of an aspect summary: per category (and per group) how many labelled comments
mention it, the sentiment toward it, shares and Wilson 95 % intervals.

Pure: rows come in, JSON-ready dicts go out (the contract of ``GET /v1/jobs/{id}/aspects``).
A category's ``n`` is the labelled comments that mention it; its counts are of the sentiment
toward that category (``aspect_sentiments``), not of the comment's overall label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.db.results import InsightRow
from pipeline.report.stats import wilson_interval

SMALL_GROUP = 10
"""A group of fewer labelled comments than this is flagged ``small``: its shares move a lot
with one comment."""


@dataclass
class _Tally:
    labelled: int = 0
    with_aspects: int = 0
    mentions: Counter[str] = field(default_factory=Counter)
    sentiments: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, row: InsightRow) -> None:
        self.labelled += 1
        self.with_aspects += bool(row.aspects)
        for name in row.aspects:
            self.mentions[name] += 1
            sentiment = row.aspect_sentiments.get(name)
            if sentiment is not None:
                self.sentiments[name, sentiment] += 1


@dataclass(frozen=True)
class AspectFigures:
    rows_labelled: int
    rows_with_aspects: int
    categories: list[dict[str, Any]]
    groups: list[dict[str, Any]]


def aspect_figures(
    rows: Iterable[InsightRow],
    categories: Sequence[str],
    labels: Sequence[str],
    meanings: Mapping[str, str],
    by_group: bool,
) -> AspectFigures:
    """Every category of ``categories`` (then any other found in the rows) overall, sorted by
    ``n`` (most mentioned first, ties in the model's order); with ``by_group`` the same
    categories per group value, groups by name, the rows without a value last as one group
    ``None`` (JSON ``null``, as ``GET /themes`` counts them), whether a row holds an empty
    cell or none at all."""
    overall = _Tally()
    groups: dict[str | None, _Tally] = {}
    for row in rows:
        overall.add(row)
        if by_group:
            groups.setdefault(row.group or None, _Tally()).add(row)
    names = list(categories) + sorted(set(overall.mentions) - set(categories))
    order = {name: i for i, name in enumerate(names)}
    names.sort(key=lambda name: (-overall.mentions[name], order[name]))
    ordered_groups = sorted(groups, key=lambda value: (value is None, value or ""))
    return AspectFigures(
        rows_labelled=overall.labelled,
        rows_with_aspects=overall.with_aspects,
        categories=[
            {"name": name, "meaning": meanings.get(name, ""), **_figures(overall, name, labels)}
            for name in names
        ],
        groups=[
            {
                "group": value,
                "n": groups[value].labelled,
                "small": groups[value].labelled < SMALL_GROUP,
                "aspects": [
                    {"name": name, **_figures(groups[value], name, labels)} for name in names
                ],
            }
            for value in ordered_groups
        ],
    )


def _figures(tally: _Tally, name: str, labels: Sequence[str]) -> dict[str, Any]:
    """``n``, ``counts``, ``shares`` (None when n is 0) and ``intervals`` ([low, high], None
    when n is 0) of one category in one tally."""
    n = tally.mentions[name]
    counts = {label: tally.sentiments[name, label] for label in labels}
    intervals = {}
    for label, count in counts.items():
        interval = wilson_interval(count, n) if count <= n else None
        intervals[label] = None if interval is None else [interval.low, interval.high]
    return {
        "n": n,
        "counts": counts,
        "shares": {label: (count / n if n else None) for label, count in counts.items()},
        "intervals": intervals,
    }
