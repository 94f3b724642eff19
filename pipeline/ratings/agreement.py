"""Do the comments say what the ratings say? Per group: the mean rating, how the comments'
sentiment follows it (Spearman's rank correlation), and the comments that contradict their
own rating. Pure.

A chair reads the numbers first; the comments explain them. Where the two disagree there is
something to read: a 5 beside "the worst course I took" is often a scale read the wrong way
round, sarcasm, or a comment about something else than the question rated. A group whose
ratings fall as its comments get warmer (a negative correlation beyond the noise) most
likely had its scale read reversed, or reversed in the export: it is said so
(``reads_reversed``), not silently averaged.

Sentiment is the comment's positive probability less its negative one (-1 .. 1), or -1/0/1
from its label where a row has no scores. Rated high: the top quarter of the scale (4 and 5 of
1-5); low: the bottom quarter (1 and 2).

A student who answered several open questions has one rating beside several comments (a job
of several comment columns numbers each answer's respondent): the mean, the high and low
counts and the correlation take each respondent once (their answers' sentiments averaged), so
a student who wrote three answers does not weigh three times; the label counts and the
contradictions are the comments'.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from pipeline.ratings.scale import HIGH_FROM, LOW_TO
from pipeline.report.stats import holm

REVERSED_ALPHA = 0.05
"""A group reads reversed when its correlation is negative with a Holm-adjusted p under this."""
MIN_RATED = 10
"""Fewer rated comments than this give no correlation (too few to tell)."""
_LABEL_SENTIMENT = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def sentiment_of(label: str, scores: Mapping[str, float] | None) -> float:
    """-1 (negative) .. 1 (positive): p(positive) - p(negative), else the label's sign."""
    if scores and "positive" in scores and "negative" in scores:
        return float(scores["positive"]) - float(scores["negative"])
    return _LABEL_SENTIMENT.get(label, 0.0)


def respondent_key(row: int, respondent: str | None) -> tuple[int, object]:
    """Who wrote row ``row``: its ``respondent`` where the file numbers them, else the row
    itself (a writer of one comment)."""
    return (0, row) if respondent is None else (1, respondent)


def contradicts(position: float, label: str) -> bool:
    """Rated high and written negative, or rated low and written positive."""
    return (position >= HIGH_FROM and label == "negative") or (
        position <= LOW_TO and label == "positive"
    )


@dataclass
class GroupRatings:
    """One group's labelled comments with a rating: positions (0 worst .. 1 best), their
    comments' sentiment and labels; ``unrated``: its labelled comments without one."""

    name: str | None
    positions: list[float] = field(default_factory=list)
    sentiments: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    respondents: list[str | None] = field(default_factory=list)
    unrated: int = 0

    def add(
        self, position: float | None, label: str, sentiment: float, respondent: str | None = None
    ) -> None:
        """One labelled comment; ``respondent`` names its writer where a file numbers them
        (None: a respondent of its own)."""
        if position is None:
            self.unrated += 1
            return
        self.positions.append(position)
        self.sentiments.append(sentiment)
        self.labels.append(label)
        self.respondents.append(respondent)

    @property
    def rated(self) -> int:
        return len(self.positions)

    def per_respondent(self) -> tuple[np.ndarray, np.ndarray]:
        """One rating position per respondent (their first) and the mean sentiment of their
        comments, in the order they first appear."""
        folded: dict[tuple[int, object], tuple[float, list[float]]] = {}
        for i, (position, sentiment, who) in enumerate(
            zip(self.positions, self.sentiments, self.respondents, strict=True)
        ):
            folded.setdefault(respondent_key(i, who), (position, []))[1].append(sentiment)
        positions = np.array([position for position, _ in folded.values()], dtype=np.float64)
        sentiments = np.array([np.mean(found) for _, found in folded.values()], dtype=np.float64)
        return positions, sentiments


@dataclass(frozen=True)
class RatingAgreement:
    """What ``agreement`` finds in one group."""

    name: str | None
    rated: int
    """Rated comments."""
    respondents: int
    """Their writers: ``rated`` where each wrote one, fewer where one answered several
    questions; the base of the mean, the high and low counts and the correlation."""
    unrated: int
    mean_position: float | None
    high: int
    low: int
    label_counts: dict[str, int]
    correlation: float | None
    p_value: float | None
    high_but_negative: int
    low_but_positive: int
    adjusted_p: float | None = None
    reads_reversed: bool = False


def agreement(groups: Sequence[GroupRatings]) -> list[RatingAgreement]:
    """Each group's figures; the reversed-scale hint is Holm-adjusted over the groups."""
    found = [_one(group) for group in groups]
    tested = [i for i, one in enumerate(found) if one.p_value is not None]
    adjusted = holm([found[i].p_value or 1.0 for i in tested])
    for i, p in zip(tested, adjusted, strict=True):
        one = found[i]
        reversed_ = (one.correlation or 0.0) < 0 and p < REVERSED_ALPHA
        found[i] = replace(one, adjusted_p=p, reads_reversed=reversed_)
    return found


def _one(group: GroupRatings) -> RatingAgreement:
    positions, sentiments = group.per_respondent()
    pairs = list(zip(group.positions, group.labels, strict=True))
    correlation = spearman(positions, sentiments)
    p_value = None
    if correlation is not None:
        p_value = math.erfc(abs(correlation) * math.sqrt(positions.size - 1) / math.sqrt(2))
    return RatingAgreement(
        name=group.name,
        rated=group.rated,
        respondents=int(positions.size),
        unrated=group.unrated,
        mean_position=float(positions.mean()) if positions.size else None,
        high=int((positions >= HIGH_FROM).sum()),
        low=int((positions <= LOW_TO).sum()),
        label_counts=dict(Counter(group.labels)),
        correlation=correlation,
        p_value=p_value,
        high_but_negative=sum(contradicts(p, lab) and lab == "negative" for p, lab in pairs),
        low_but_positive=sum(contradicts(p, lab) and lab == "positive" for p, lab in pairs),
    )


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation (ties get their average rank); None under ``MIN_RATED``
    pairs or when either side is constant. Its p-value (``_one``) uses the large-sample
    normal approximation, z = rho·√(n-1)."""
    if x.size < MIN_RATED:
        return None
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their average rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.arange(1, values.size + 1, dtype=np.float64)
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.zeros(unique.size)
    np.add.at(sums, inverse, ranks)
    return np.asarray((sums / np.bincount(inverse))[inverse], dtype=np.float64)
