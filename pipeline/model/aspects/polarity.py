"""Each aspect's sentiment: evidence from the clauses most about the aspect, read two ways.

Clause weights: a comment of one clause is its own evidence. In a longer one, each clause
weighs by how likely it is to be about the aspect (the aspect head's probability on the
clause, raised to ``sharpness``), so "the lectures were great but the exams unfair" gives the
exams the second clause.

Two heads read the weighted clauses, and their class probabilities are averaged:

- the *sentiment head* (``pair_features``): a multinomial logistic regression over the log of
  the sentiment model's weighted clause probabilities, the log of the comment's own
  probabilities and the aspect (one-hot). It learns how much to trust each, and that some
  aspects lean neutral where the comment does not;
- the *wording head* (``wording_features``): the same over the weighted clauses' base-MiniLM
  sentence embedding, the words of the clause most about the aspect (the aspect head's
  TF-IDF terms) and the aspect. It is trained on the aspect polarities themselves, so it
  knows what the sentiment model never learned: suggestions ("it would be better if ...")
  are neutral, "the tests are hard" is a complaint about the tests. On out-of-fold
  predictions of the training part the words took it from 0.804 to 0.813 alone.

Why both, equally weighted: the sentiment model was fine-tuned on the training comments'
document labels (accuracy 0.98 on them against 0.87 on the held-out ones), so a head trained
on its outputs over-trusts them, and cross-validation on the training part cannot measure by
how much. Out of fold there (wording head without its words), shares of 0, 0.3 and 0.5
scored 0.868, 0.870 and 0.869, a difference that bias swamps; the wording head's inputs
never saw a label, and the even average is the choice that does not lean on the in-sample
figures (held-out: model card).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.errors import ConfigError, ModelLoadError

_FLOOR = 1e-4
"""Probabilities are floored before the log, so a certain 0 does not give -inf."""


@dataclass(frozen=True)
class PolarityRule:
    """How clause evidence is pooled (kept in the card)."""

    sharpness: float = 4.0
    clause_weight: float = 1.0
    min_aspects: int = 1
    """The sentiment model reads a comment's clauses only where at least this many aspects
    are detected in it; elsewhere each aspect's evidence is the comment's own probabilities.
    1: every comment of several clauses (the whole clause pass)."""
    read_below: float = 1.01
    """... and only where the comment's most likely label has a probability under this: a
    comment the sentiment model is sure of gives each aspect its own sentiment (above 1:
    every comment)."""

    def __post_init__(self) -> None:
        if self.sharpness < 0 or not 0.0 <= self.clause_weight <= 1.0:
            raise ConfigError("polarity sharpness must be >= 0 and clause_weight in [0, 1]")
        if self.min_aspects < 1 or self.read_below <= 0:
            raise ConfigError("polarity min_aspects must be at least 1 and read_below above 0")


def clauses_to_score(
    detected: np.ndarray, comment_sentiment: np.ndarray, owners: np.ndarray, rule: PolarityRule
) -> np.ndarray:
    """bool per clause: is its comment one whose clauses the sentiment model reads
    (``detected``: the comments' decisions [n, categories]; ``comment_sentiment``: their
    probabilities; ``owners``: each clause's comment row)?"""
    enough = np.asarray(detected, dtype=bool).sum(axis=1) >= rule.min_aspects
    unsure = np.asarray(comment_sentiment, dtype=np.float64).max(axis=1) < rule.read_below
    return np.asarray((enough & unsure)[np.asarray(owners, dtype=np.int64)], dtype=bool)


def clause_weights(clause_aspect: np.ndarray, rule: PolarityRule) -> np.ndarray:
    """How much each clause of a comment speaks for one aspect (sums to 1)."""
    weights = np.power(np.clip(clause_aspect.astype(np.float64), 1e-6, 1.0), rule.sharpness)
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def aspect_sentiment(
    clause_aspect: np.ndarray,
    clause_sentiment: np.ndarray,
    comment_sentiment: np.ndarray,
    rule: PolarityRule,
) -> np.ndarray:
    """Class probabilities of one aspect in one comment from its clauses.

    ``clause_aspect`` [c]: the aspect's probability in each clause; ``clause_sentiment``
    [c, classes] and ``comment_sentiment`` [classes]: the sentiment model's probabilities.
    ``1 - clause_weight`` of the comment's own probabilities are blended in. Clauses the
    sentiment model did not read (NaN rows: see ``PolarityRule.min_aspects``) leave the
    comment's own probabilities.
    """
    if clause_aspect.size <= 1 or np.isnan(clause_sentiment).any():
        return np.asarray(comment_sentiment, dtype=np.float64)
    from_clauses = clause_weights(clause_aspect, rule) @ clause_sentiment.astype(np.float64)
    blended = rule.clause_weight * from_clauses + (1.0 - rule.clause_weight) * comment_sentiment
    return np.asarray(blended, dtype=np.float64)


def aspect_wording(
    clause_aspect: np.ndarray,
    clause_embeddings: np.ndarray,
    comment_embedding: np.ndarray,
    rule: PolarityRule,
) -> np.ndarray:
    """The unit sentence embedding of one aspect's clauses, weighted as in aspect_sentiment
    (the comment's own embedding when it has one clause)."""
    if clause_aspect.size <= 1:
        pooled = np.asarray(comment_embedding, dtype=np.float64)
    else:
        pooled = clause_weights(clause_aspect, rule) @ clause_embeddings.astype(np.float64)
    norm = float(np.linalg.norm(pooled))
    return pooled / norm if norm > 0 else pooled


def main_clause(clause_aspect: np.ndarray) -> int:
    """The clause most about the aspect (0 for a comment of one clause)."""
    return int(np.argmax(clause_aspect)) if clause_aspect.size else 0


def one_hot(category: int, categories: int) -> np.ndarray:
    aspect = np.zeros(categories)
    aspect[category] = 1.0
    return aspect


def pair_features(
    evidence: np.ndarray, comment_sentiment: np.ndarray, category: int, categories: int
) -> np.ndarray:
    """The sentiment head's input: [log evidence | log comment probabilities | one-hot]."""
    return np.concatenate(
        [
            np.log(np.maximum(evidence, _FLOOR)),
            np.log(np.maximum(comment_sentiment, _FLOOR)),
            one_hot(category, categories),
        ]
    )


def wording_features(
    wording: np.ndarray, words: np.ndarray, category: int, categories: int
) -> np.ndarray:
    """The wording head's input: [weighted clause embedding | one-hot aspect | the main
    clause's word features]."""
    return np.concatenate(
        [np.asarray(wording, dtype=np.float64), one_hot(category, categories), words]
    )


@dataclass(frozen=True)
class PolarityHead:
    """A softmax layer: weights [classes, features] and bias [classes]."""

    weight: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        classes = self.bias.shape[0] if self.bias.ndim == 1 else -1
        if self.weight.ndim != 2 or self.weight.shape[0] != classes:
            raise ModelLoadError(
                f"polarity head weight {self.weight.shape} and bias {self.bias.shape} disagree"
            )
        if not (np.isfinite(self.weight).all() and np.isfinite(self.bias).all()):
            raise ModelLoadError("polarity head weights hold NaN or infinite values")

    @property
    def width(self) -> int:
        """How many input features the head reads."""
        return int(self.weight.shape[1])

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax) of one pair's features."""
        logits = self.weight.astype(np.float64) @ features + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(), dtype=np.float64)


@dataclass(frozen=True)
class AspectPolarity:
    """The two polarity heads and the share of the wording head in their average."""

    sentiment: PolarityHead
    wording: PolarityHead
    wording_share: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.wording_share <= 1.0:
            raise ConfigError("the wording head's share must be in [0, 1]")
        if self.sentiment.bias.shape != self.wording.bias.shape:
            raise ModelLoadError("the two polarity heads disagree on the classes")

    def probabilities(self, sentiment_input: np.ndarray, wording_input: np.ndarray) -> np.ndarray:
        share = self.wording_share
        return np.asarray(
            (1.0 - share) * self.sentiment.probabilities(sentiment_input)
            + share * self.wording.probabilities(wording_input),
            dtype=np.float64,
        )
