"""Per-comment aspect probabilities with the clause evidence behind them: what the tagger
decides from, and what training and evaluation score polarity on (for any aspect, detected
or annotated)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.model.aspects.clauses import clause_span
from pipeline.model.aspects.data import AspectExample
from pipeline.model.aspects.polarity import (
    AspectPolarity,
    PolarityHead,
    PolarityRule,
    aspect_sentiment,
    aspect_wording,
    main_clause,
    pair_features,
    wording_features,
)
from pipeline.model.aspects.words import WordFeatures

PairScorer = Callable[[int, int], np.ndarray]
"""(comment row, category index) → class probabilities of that aspect in that comment."""


@dataclass(frozen=True)
class AspectScores:
    """``probabilities`` [n, categories]: each comment's, its clauses' included; per comment
    its text, sentiment probabilities and sentence embedding; per clause (``owners`` = its
    comment, ascending) its text, aspect probabilities, sentiment probabilities and sentence
    embedding."""

    probabilities: np.ndarray
    texts: Sequence[str]
    comment_sentiment: np.ndarray
    comment_embeddings: np.ndarray
    clause_texts: Sequence[str]
    clause_probs: np.ndarray
    clause_sentiment: np.ndarray
    clause_embeddings: np.ndarray
    owners: np.ndarray

    def reading_only(self, read: np.ndarray) -> AspectScores:
        """These scores as if the sentiment model had read only the clauses ``read`` (bool
        per clause; the others NaN), as the tagger does under the polarity rule."""
        sentiment = np.array(self.clause_sentiment, dtype=np.float64, copy=True)
        sentiment[~np.asarray(read, dtype=bool)] = np.nan
        return replace(self, clause_sentiment=sentiment)

    def evidence(self, comment: int, category: int, rule: PolarityRule) -> np.ndarray:
        """The sentiment model's view of one category in one comment (see polarity.py)."""
        span = clause_span(self.owners, comment)
        return aspect_sentiment(
            self.clause_probs[span, category],
            self.clause_sentiment[span],
            self.comment_sentiment[comment],
            rule,
        )

    def pair_features(self, comment: int, category: int, rule: PolarityRule) -> np.ndarray:
        """The sentiment head's input for one (comment, category)."""
        return pair_features(
            self.evidence(comment, category, rule),
            self.comment_sentiment[comment],
            category,
            self.probabilities.shape[1],
        )

    def wording_features(
        self, comment: int, category: int, rule: PolarityRule, words: WordFeatures
    ) -> np.ndarray:
        """The wording head's input for one (comment, category)."""
        span = clause_span(self.owners, comment)
        clause_aspect = self.clause_probs[span, category]
        wording = aspect_wording(
            clause_aspect, self.clause_embeddings[span], self.comment_embeddings[comment], rule
        )
        main = (
            self.clause_texts[span.start + main_clause(clause_aspect)]
            if clause_aspect.size > 1
            else self.texts[comment]
        )
        return wording_features(
            wording, words.dense([main])[0], category, self.probabilities.shape[1]
        )

    def comment_label(self) -> PairScorer:
        """The baseline: every aspect takes the comment's own probabilities."""
        return lambda comment, _category: np.asarray(self.comment_sentiment[comment])

    def clause_evidence(self, rule: PolarityRule) -> PairScorer:
        return lambda comment, category: self.evidence(comment, category, rule)

    def sentiment_head(self, rule: PolarityRule, head: PolarityHead) -> PairScorer:
        return lambda comment, category: head.probabilities(
            self.pair_features(comment, category, rule)
        )

    def wording_head(
        self, rule: PolarityRule, head: PolarityHead, words: WordFeatures
    ) -> PairScorer:
        return lambda comment, category: head.probabilities(
            self.wording_features(comment, category, rule, words)
        )

    def polarity_head(
        self, rule: PolarityRule, polarity: AspectPolarity, words: WordFeatures
    ) -> PairScorer:
        """What the tagger decides by: the average of the two heads."""
        return lambda comment, category: polarity.probabilities(
            self.pair_features(comment, category, rule),
            self.wording_features(comment, category, rule, words),
        )


def polarity_pairs(
    scorer: PairScorer,
    examples: Sequence[AspectExample],
    categories: Sequence[str],
    labels: Sequence[str],
) -> tuple[list[str], list[str]]:
    """(predicted, gold) polarity for every annotated (comment, aspect) pair; ``examples``
    are in the categories' granularity and in the same order as the scores' rows."""
    predicted: list[str] = []
    gold: list[str] = []
    index = {name: k for k, name in enumerate(categories)}
    for row, example in enumerate(examples):
        for name in example.aspects:
            predicted.append(labels[int(np.argmax(scorer(row, index[name])))])
            gold.append(example.sentiments[name])
    return predicted, gold
