"""Tag comments with aspects and a sentiment per aspect: what the worker calls per chunk.

Per chunk the worker already has the texts, their sentiment probabilities (the labelling
pass) and their base-MiniLM sentence embeddings (pipeline/model/embeddings.py, shared with
themes). The comments of two or more clauses also need a vector per clause, pooled from the
comment's own encoder pass (``SentenceEmbedder.embed_with_spans``, given as
``clause_embeddings``), and, where the polarity rule asks (a comment with several aspects
that the sentiment model is not sure of), the sentiment model's reading of each clause. A
category's probability is the highest of the comment's and its clauses' (an aspect named in
one clause is not averaged away); its sentiment comes from the clauses most about it, read
by the sentiment model and by their wording (pipeline/model/aspects/polarity.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.aspects.artefact import AspectModel, load_aspect_model
from pipeline.model.aspects.clauses import clauses_of
from pipeline.model.aspects.encoders import Embedder, SentimentScorer, reads_sentiment_of
from pipeline.model.aspects.head import with_clauses
from pipeline.model.aspects.polarity import clauses_to_score
from pipeline.model.aspects.scores import AspectScores
from pipeline.model.labels import LABELS, label_order
from pipeline.model.textprep import prepare_text


@dataclass(frozen=True)
class AspectResult:
    """One comment's aspects (in the model's category order) and the sentiment of each."""

    aspects: tuple[str, ...] = ()
    aspect_sentiments: dict[str, str] = field(default_factory=dict)


NO_ASPECTS = AspectResult()
"""For a row the sentiment model gave no label (blank, placeholder, other language)."""


class AspectTagger:
    """A loaded aspect model; ``tag`` works on any number of rows at a time.

    ``sentiment_labels`` are the sentiment model's, in the order of its probabilities; the
    polarity heads read them in LABELS order, found by name (a checkpoint may order its
    classes otherwise, or spell them ``NEGATIVE``), and each aspect's sentiment is written
    in the sentiment model's own spelling, as the job's labels are. ConfigError when they are
    not those three classes (``reads_sentiment_of``)."""

    def __init__(self, model: AspectModel, sentiment_labels: Sequence[str] = LABELS) -> None:
        order = label_order(sentiment_labels)
        if order is None:
            raise ConfigError(str(reads_sentiment_of(sentiment_labels)))
        self.model = model
        self.sentiment_labels = tuple(sentiment_labels)
        self._order = np.asarray(order, dtype=np.int64)
        """Column of the sentiment model's probabilities for each of LABELS."""

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
        clause_embeddings: np.ndarray | None = None,
    ) -> AspectScores:
        """Aspect probabilities of every text, with the clause evidence, before any decision.

        ``clause_embeddings``: the vectors of ``clauses_of(texts)``'s clauses, pooled from the
        comments' own pass (``SentenceEmbedder.embed_with_spans``); None embeds the clauses
        with ``embed``. The sentiment model reads the clauses of the comments the polarity
        rule asks for (``PolarityRule.min_aspects``), in one call; the rest are NaN.
        """
        if not len(texts) == len(embeddings) == len(sentiment_probs):
            raise ValueError("texts, embeddings and sentiment_probs must have one row per text")
        texts = [str(t) for t in texts]
        head = self.model.head
        sentiment_probs = self._in_label_order(sentiment_probs)
        clause_texts, owners = clauses_of(texts)
        embeddings = np.asarray(embeddings)
        if clause_embeddings is None:
            clause_embeddings = (
                np.asarray(embed(clause_texts))
                if clause_texts
                else np.zeros((0, head.dimension), dtype=np.float32)
            )
        if len(clause_embeddings) != len(clause_texts):
            raise ValueError("clause_embeddings must have one row per clause of clauses_of(texts)")
        clause_probs = head.probabilities(np.asarray(clause_embeddings), clause_texts)
        probabilities = with_clauses(head.probabilities(embeddings, texts), clause_probs, owners)
        clause_sentiment = np.full((len(clause_texts), len(LABELS)), np.nan)
        comment_sentiment = np.asarray(sentiment_probs, dtype=np.float64)
        read = np.flatnonzero(
            clauses_to_score(
                head.detect(probabilities), comment_sentiment, owners, self.model.polarity
            )
        )
        if read.size:
            clause_sentiment[read] = self._in_label_order(
                score_sentiment([clause_texts[i] for i in read])
            )
        return AspectScores(
            probabilities=probabilities,
            texts=texts,
            comment_sentiment=comment_sentiment,
            comment_embeddings=embeddings,
            clause_texts=clause_texts,
            clause_probs=clause_probs,
            clause_sentiment=clause_sentiment,
            clause_embeddings=np.asarray(clause_embeddings),
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
        clause_embeddings: np.ndarray | None = None,
    ) -> list[AspectResult]:
        """One result per text. Rows whose sentiment probabilities are NaN (no label: blank,
        placeholder, a number alone, other language) get NO_ASPECTS and are not scored;
        labelled rows with no word ("#1", "+++") get NO_ASPECTS too: the detection would give
        them their most likely category (it gave "42" "course: positive"), though they are
        about nothing.
        ``clause_embeddings`` (see ``score``) are those of the labelled rows' clauses."""
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
            clause_embeddings=clause_embeddings,
        )
        detected = self.model.head.detect(scores.probabilities)
        model = self.model
        polarity = scores.polarity_head(model.polarity, model.polarity_head, model.head.words)
        for position, row in enumerate(rows):
            if not has_words(scores.texts[position]):
                continue
            found = np.flatnonzero(detected[position])
            results[row] = AspectResult(
                aspects=tuple(self.categories[k] for k in found),
                aspect_sentiments={
                    self.categories[k]: self._label(polarity(position, int(k))) for k in found
                },
            )
        return results

    def _in_label_order(self, probs: np.ndarray) -> np.ndarray:
        """The sentiment model's probabilities [n, its classes] as [n, LABELS]."""
        return np.asarray(probs, dtype=np.float64)[:, self._order]

    def _label(self, probs: np.ndarray) -> str:
        """The sentiment model's name of the polarity heads' most likely class (of LABELS)."""
        return self.sentiment_labels[int(self._order[int(np.argmax(probs))])]


def has_words(text: str) -> bool:
    """Whether the model reads a letter in ``text`` (an emoji or a short comment's emoticon
    reads as its name): a comment of digits and signs alone is about nothing. Most comments
    hold a letter near their start, and are not prepared again."""
    return any(ch.isalpha() for ch in text) or any(ch.isalpha() for ch in prepare_text(text))


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
