"""Tag comments with aspects and a sentiment per aspect: what the worker calls per chunk.

Per chunk the worker already has the texts, their sentiment probabilities (the labelling
pass) and their base-MiniLM sentence embeddings (pipeline/model/embeddings.py, shared with
themes). The comments of two or more clauses also need their clauses embedded and scored by
the sentiment model, through the two callables given: one extra pass of each encoder over
those comments' text. A category's probability is the highest of the comment's and its
clauses' (an aspect named in one clause is not averaged away); its sentiment comes from the
clauses most about it, read by the sentiment model and by their wording
(pipeline/model/aspects/polarity.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.model.aspects.artefact import AspectModel, load_aspect_model
from pipeline.model.aspects.clauses import clauses_of
from pipeline.model.aspects.encoders import Embedder, SentimentScorer
from pipeline.model.aspects.head import with_clauses
from pipeline.model.aspects.scores import AspectScores
from pipeline.model.labels import LABELS


@dataclass(frozen=True)
class AspectResult:
    """One comment's aspects (in the model's category order) and the sentiment of each."""

    aspects: tuple[str, ...] = ()
    aspect_sentiments: dict[str, str] = field(default_factory=dict)


NO_ASPECTS = AspectResult()
"""For a row the sentiment model gave no label (blank, placeholder, other language)."""


class AspectTagger:
    """A loaded aspect model; ``tag`` works on any number of rows at a time."""

    def __init__(self, model: AspectModel, sentiment_labels: Sequence[str] = LABELS) -> None:
        self.model = model
        self.sentiment_labels = tuple(sentiment_labels)

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str] | None = None,
        sentiment_labels: Sequence[str] = LABELS,
    ) -> AspectTagger:
        """The shipped model (``None``) or the one in ``directory``; ``sentiment_labels`` in
        the order of the sentiment model's probabilities (Predictor.labels)."""
        return cls(
            load_aspect_model(None if directory is None else Path(directory)), sentiment_labels
        )

    @property
    def version(self) -> str:
        return self.model.version

    @property
    def categories(self) -> tuple[str, ...]:
        return self.model.categories

    @property
    def meanings(self) -> dict[str, str]:
        """Category → its one-line meaning for users (from the model card), in category order."""
        return {name: self.model.descriptions[name] for name in self.categories}

    def score(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        sentiment_probs: np.ndarray,
        *,
        embed: Embedder,
        score_sentiment: SentimentScorer,
    ) -> AspectScores:
        """Aspect probabilities of every text, with the clause evidence, before any decision.

        The clauses of the comments of two or more clauses are embedded and scored by the
        sentiment model (one call of each).
        """
        if not len(texts) == len(embeddings) == len(sentiment_probs):
            raise ValueError("texts, embeddings and sentiment_probs must have one row per text")
        texts = [str(t) for t in texts]
        head = self.model.head
        clause_texts, owners = clauses_of(texts)
        embeddings = np.asarray(embeddings)
        clause_embeddings = np.zeros((0, head.dimension), dtype=np.float32)
        clause_probs = np.zeros((0, len(self.categories)), dtype=np.float32)
        clause_sentiment = np.zeros((0, len(self.sentiment_labels)))
        if clause_texts:
            clause_embeddings = np.asarray(embed(clause_texts))
            clause_probs = head.probabilities(clause_embeddings, clause_texts)
            clause_sentiment = np.asarray(score_sentiment(clause_texts), dtype=np.float64)
        comment_probs = head.probabilities(embeddings, texts)
        return AspectScores(
            probabilities=with_clauses(comment_probs, clause_probs, owners),
            texts=texts,
            comment_sentiment=np.asarray(sentiment_probs, dtype=np.float64),
            comment_embeddings=embeddings,
            clause_texts=clause_texts,
            clause_probs=clause_probs,
            clause_sentiment=clause_sentiment,
            clause_embeddings=clause_embeddings,
            owners=owners,
        )

    def tag(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        sentiment_probs: np.ndarray,
        *,
        embed: Embedder,
        score_sentiment: SentimentScorer,
    ) -> list[AspectResult]:
        """One result per text. Rows whose sentiment probabilities are NaN (no label: blank,
        placeholder, other language) get NO_ASPECTS and are not scored."""
        if not len(texts) == len(embeddings) == len(sentiment_probs):
            raise ValueError("texts, embeddings and sentiment_probs must have one row per text")
        probs = np.asarray(sentiment_probs, dtype=np.float64)
        rows = np.flatnonzero(~np.isnan(probs).any(axis=1))
        results = [NO_ASPECTS] * len(texts)
        if rows.size == 0:
            return results
        scores = self.score(
            [str(texts[int(i)]) for i in rows],
            np.asarray(embeddings)[rows],
            probs[rows],
            embed=embed,
            score_sentiment=score_sentiment,
        )
        detected = self.model.head.detect(scores.probabilities)
        model = self.model
        polarity = scores.polarity_head(model.polarity, model.polarity_head, model.head.words)
        for position, row in enumerate(rows):
            found = np.flatnonzero(detected[position])
            results[row] = AspectResult(
                aspects=tuple(self.categories[k] for k in found),
                aspect_sentiments={
                    self.categories[k]: self._label(polarity(position, int(k))) for k in found
                },
            )
        return results

    def _label(self, probs: np.ndarray) -> str:
        return self.sentiment_labels[int(np.argmax(probs))]


def format_aspects(result: AspectResult) -> str:
    """The ``aspects`` CSV column: ``teaching;exams`` ("" for none)."""
    return ";".join(result.aspects)


def format_aspect_sentiments(result: AspectResult) -> str:
    """The ``aspect_sentiments`` CSV column: ``teaching:positive;exams:negative``."""
    return ";".join(f"{name}:{result.aspect_sentiments[name]}" for name in result.aspects)


def parse_aspect_columns(aspects: str, aspect_sentiments: str) -> AspectResult:
    """The two columns back into a result (what a summary reads from stored rows)."""
    from pipeline.model.aspects.data import parse_list, parse_sentiments

    names = parse_list(aspects)
    polarity = parse_sentiments(aspect_sentiments)
    return AspectResult(aspects=names, aspect_sentiments={n: polarity[n] for n in names})
