"""The whole percent a report shows for a share, the same wherever the report shows it. Pure.

The rule: a share is shown as the whole percent the largest-remainder rule gives it among the
shares of its row (a group's label shares in one job, the rest's, an aspect's sentiments), so
the shares shown side by side add up to 100; every other mention of that share (a chart's
line, a key finding, the change's and the trend's pages) repeats that very number, and a
change or a difference in points is that of the percents shown. Rounding each mention alone
would print 37 % beside the 36 % the overview's table gives the same 78 of 213 comments.

A share whose row the report does not hold (an aspect's share negative in an earlier job: the
change and the trend carry that one share alone) is rounded alone; the same share of this job
repeats what its aspect table shows (``aspect_percents``). A cell that shows one share without
its row (the aspect grid's share negative) breaks a tie between equal counts away from that
share, so a lone 1 of 3 reads 33 % as in the app's heat map, not 34 %
(``AspectShares.lone_percent``).

The CLI's and the app's change and trend tables read these very percents from the sections
(``Move.before_shown``, ``TrendCell.percents``), so all three say one figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.report.change import ASPECT_SHARE
from pipeline.report.data import AspectShares
from pipeline.ui.shares import percentages


def row_percents(items: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """The whole percents of one job's row of shares, each item a ``Share.to_dict`` of the
    row's every label (``count`` of ``n``), in the job's label order: largest remainder."""
    counts = {str(index): int(item.get("count") or 0) for index, item in enumerate(items)}
    shown = percentages(counts, list(counts))
    return [shown[key] for key in counts]


def alone(share: float | None) -> int | None:
    """A share whose row is not in the report, rounded on its own."""
    return None if share is None else round(share * 100)


def aspect_percents(aspects: Sequence[AspectShares]) -> dict[str, int | None]:
    """Each aspect's share negative as the report's aspect table shows it, by aspect name: the
    figure the change's and the trend's aspect rows repeat for this job."""
    found = {aspect.name: aspect.share_of(ASPECT_SHARE) for aspect in aspects}
    return {name: share.percent for name, share in found.items() if share is not None}
