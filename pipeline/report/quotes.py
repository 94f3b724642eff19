"""The comments a group's section shows: for each label asked for, the few its model was most
sure of, each once, whole.

Read in one pass over the job's rows with a bounded pool per group and label, so a job of a
million comments costs memory for a few hundred. Comments of ``MIN_WORDS`` to ``MAX_WORDS``
words go first: the most confident negative comment is often "Terrible." (which says nothing a
committee can act on) and the most confident positive one can be a page long; shorter or longer
ones only fill in. A comment written several times (ignoring case, spaces and punctuation) is
shown once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.db.records import ResultRecord
from pipeline.report.data import Quote
from pipeline.report.listing import group_value
from pipeline.themes.quotes import normalised

PER_LABEL = 2
MIN_WORDS = 4
MAX_WORDS = 150
_POOL = 16
"""Candidates kept per group and label: enough for PER_LABEL distinct ones after the pool
has held near-copies."""

GroupValue = str | None
Keep = Callable[[str], bool]


@dataclass
class _Pool:
    """The best candidates of one group and label, at most one per normalised text."""

    best: dict[str, tuple[tuple[bool, float], Quote]] = field(default_factory=dict)

    def offer(self, key: str, rank: tuple[bool, float], quote: Quote) -> None:
        held = self.best.get(key)
        if held is not None and held[0] >= rank:
            return
        if held is None and len(self.best) >= _POOL:
            weakest = min(self.best, key=lambda name: self.best[name][0])
            if self.best[weakest][0] >= rank:
                return
            del self.best[weakest]
        self.best[key] = (rank, quote)

    def top(self, count: int, keep: Keep | None) -> list[Quote]:
        ranked = sorted(self.best.values(), key=lambda held: held[0], reverse=True)
        quotes = (quote for _rank, quote in ranked if keep is None or keep(quote.text))
        return list(itertools.islice(quotes, count))


def group_quotes(
    batches: Iterable[Sequence[ResultRecord]],
    column: str | None,
    labels: Sequence[str],
    per_label: int = PER_LABEL,
    keep: Keep | None = None,
) -> dict[GroupValue, tuple[Quote, ...]]:
    """Per value of input column ``column`` (None: one entry for all rows), up to
    ``per_label`` quotes for each of ``labels``, in the order of ``labels``; with ``keep``,
    only comments it keeps (tested on the few best of each pool, not on every row)."""
    pools: dict[tuple[GroupValue, str], _Pool] = {}
    wanted = set(labels)
    for batch in batches:
        for record in batch:
            if record.label not in wanted or not record.scores:
                continue
            score = float(record.scores.get(record.label, 0.0))
            text = record.text.strip()
            key = normalised(text)
            if not key:
                continue
            group = group_value(record, column)
            pool = pools.setdefault((group, record.label), _Pool())
            pool.offer(key, (_readable(text), score), Quote(text, record.label, score))
    groups = {group for group, _label in pools}
    return {
        group: tuple(
            quote
            for label in labels
            if (group, label) in pools
            for quote in pools[(group, label)].top(per_label, keep)
        )
        for group in groups
    }


def _readable(text: str) -> bool:
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS
