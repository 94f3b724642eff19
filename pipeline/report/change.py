"""What changed between two jobs of the same survey: last term's evaluations and this term's.

Pure: label counts (overall and per group) and aspect counts of both jobs come in, the shares
with 95 % Wilson intervals, the change in points and a flag where it is beyond the noise come
out. The tests are the report's (``pipeline.report.stats``): Fisher's exact test of the two
jobs on each share, Holm's correction over every test of the change (overall labels, each
aspect's share negative, each group's labels), flag where the adjusted p is under 5 %. As in
the report, the label shares tested are negative and positive (neutral is what is left).

Groups are matched by their exact value: ``CHEM 110`` last term and ``CHEM110`` this term are
two groups, each listed as found in one job only, with a note that they may be the same
(``look_alike.possible_matches``). Merging them silently would mix two courses whenever the guess is
wrong; the user can recode the column and submit again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pipeline.report.assemble import Cell, compare_cells, compared_labels
from pipeline.report.stats import ALPHA, wilson_interval

ASPECT_SHARE = "negative"
"""An aspect's change is that of its share negative (of the sentiments toward it, which are
the model's labels), as in the app's heat map; a model without that label compares none."""

Counts = Mapping[str, int]


@dataclass(frozen=True)
class Share:
    """``count`` of ``n`` with its 95 % interval (None for n = 0)."""

    count: int
    n: int

    @property
    def share(self) -> float | None:
        return self.count / self.n if self.n else None

    def to_dict(self) -> dict[str, Any]:
        interval = wilson_interval(self.count, self.n)
        return {
            "count": self.count,
            "n": self.n,
            "share": self.share,
            "low": None if interval is None else interval.low,
            "high": None if interval is None else interval.high,
        }


@dataclass(frozen=True)
class ShareChange:
    """One share in the earlier job and in this one; tested when both have comments."""

    key: str
    before: Share
    after: Share
    p_value: float | None = None
    adjusted_p: float | None = None

    @property
    def tested(self) -> bool:
        return self.p_value is not None

    @property
    def difference(self) -> float | None:
        """This job's share less the earlier one's, in 0..1 units."""
        if self.before.share is None or self.after.share is None:
            return None
        return self.after.share - self.before.share

    @property
    def flagged(self) -> bool:
        return self.adjusted_p is not None and self.adjusted_p < ALPHA

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "difference": self.difference,
            "p_value": self.p_value,
            "adjusted_p": self.adjusted_p,
            "flagged": self.flagged,
        }


@dataclass(frozen=True)
class GroupChange:
    group: str | None
    changes: tuple[ShareChange, ...]

    @property
    def flagged(self) -> bool:
        return any(change.flagged for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        first = self.changes[0]
        return {
            "group": self.group,
            "n_before": first.before.n,
            "n_after": first.after.n,
            "flagged": self.flagged,
            "changes": [change.to_dict() for change in self.changes],
        }


@dataclass(frozen=True)
class Change:
    """Every share of both jobs, the tested ones Holm-adjusted together."""

    overall: tuple[ShareChange, ...]
    aspects: tuple[ShareChange, ...]
    groups: tuple[GroupChange, ...]
    only_before: tuple[tuple[str | None, int], ...]
    only_after: tuple[tuple[str | None, int], ...]

    @property
    def tests(self) -> int:
        return sum(change.tested for change in self._all())

    def _all(self) -> list[ShareChange]:
        return [
            *self.overall,
            *self.aspects,
            *(change for group in self.groups for change in group.changes),
        ]


@dataclass(frozen=True)
class Side:
    """One job's counts: labels overall and per group value, each aspect's polarities."""

    overall: Counts
    groups: Mapping[str | None, Counts]
    aspects: Mapping[str, Counts]


def change(before: Side, after: Side, labels: Sequence[str]) -> Change:
    """The shares of ``before`` (the earlier job) and ``after`` (this one), tested and
    Holm-adjusted over the whole change. Groups are those of both jobs, in this job's order
    of size (largest first); an aspect is compared where either job mentions it."""
    labels = tuple(labels)
    tested = compared_labels(labels)
    shared = [value for value in after.groups if value in before.groups]
    shared.sort(
        key=lambda value: (-count_of(after.groups[value], labels), value is None, value or "")
    )
    aspect_names = list(dict.fromkeys([*after.aspects, *before.aspects]))
    if ASPECT_SHARE not in labels:
        aspect_names = []
    overall = _label_cells(before.overall, after.overall, labels, tested)
    aspects = [
        (
            name,
            share_of(before.aspects.get(name, {}), ASPECT_SHARE, labels),
            share_of(after.aspects.get(name, {}), ASPECT_SHARE, labels),
            True,
        )
        for name in aspect_names
    ]
    aspects = [cell for cell in aspects if cell[1].n or cell[2].n]
    per_group = [
        _label_cells(before.groups[value], after.groups[value], labels, tested) for value in shared
    ]
    rows = iter(_tested([*overall, *aspects, *(cell for cells in per_group for cell in cells)]))
    return Change(
        overall=tuple(islice(rows, len(overall))),
        aspects=tuple(islice(rows, len(aspects))),
        groups=tuple(GroupChange(value, tuple(islice(rows, len(labels)))) for value in shared),
        only_before=_only(before.groups, after.groups, labels),
        only_after=_only(after.groups, before.groups, labels),
    )


def _label_cells(
    before: Counts, after: Counts, labels: Sequence[str], tested: Sequence[str]
) -> list[tuple[str, Share, Share, bool]]:
    return [
        (label, share_of(before, label, labels), share_of(after, label, labels), label in tested)
        for label in labels
    ]


def _tested(cells: Sequence[tuple[str, Share, Share, bool]]) -> list[ShareChange]:
    """Each cell as a ShareChange; those to test (both sides with comments) with their raw
    and Holm-adjusted p over all of them: the report's ``compare_cells``, this job's share
    against the earlier one's."""
    testable = [(key, a, b) for key, a, b, test in cells if test and a.n and b.n]
    found = iter(compare_cells([Cell(key, b.count, b.n, a.count, a.n) for key, a, b in testable]))
    changes = []
    for key, a, b, test in cells:
        if test and a.n and b.n:
            comparison = next(found)
            changes.append(ShareChange(key, a, b, comparison.p_value, comparison.adjusted_p))
        else:
            changes.append(ShareChange(key, a, b))
    return changes


def share_of(counts: Counts, key: str, keys: Sequence[str]) -> Share:
    """``key``'s count of the comments counted under any of ``keys``."""
    return Share(int(counts.get(key, 0)), count_of(counts, keys))


def count_of(counts: Counts, keys: Sequence[str]) -> int:
    """The comments counted under any of ``keys``."""
    return sum(int(counts.get(key, 0)) for key in keys)


def _only(
    mine: Mapping[str | None, Counts], theirs: Mapping[str | None, Counts], labels: Sequence[str]
) -> tuple[tuple[str | None, int], ...]:
    """The groups of ``mine`` that ``theirs`` lacks, with their n, largest first."""
    found = [
        (value, count_of(counts, labels)) for value, counts in mine.items() if value not in theirs
    ]
    found.sort(key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return tuple(found)
