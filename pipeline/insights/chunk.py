"""What the worker computes for one labelled chunk beside the labels: sentence embeddings,
aspects with a sentiment each, and (for a job submitted with explain) each row's top words.

Pure over injected callables, so the worker's tests run it with fakes; ``pipeline.insights.
loading`` builds the real one from a Predictor. Only labelled rows are embedded, tagged and
explained: a blank, screened or over-long comment gets a zero vector, no aspects and no words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from pipeline.model.aspects import NO_ASPECTS, AspectResult
from pipeline.model.aspects.clauses import clause_layout
from pipeline.model.aspects.encoders import Embedder, SentimentScorer, SpanEmbedder, separately

if TYPE_CHECKING:
    from pipeline.model.predictor import Predictor

AnalystSource = Callable[["Predictor"], "ChunkAnalyst"]
"""A loaded predictor → the analyst of its chunks (what ``Worker(insights=...)`` takes)."""
Explain = Callable[[Sequence[str], Sequence[str | None]], list[str]]
"""Texts and their labels → each row's explanation cell (``great:+0.41;unfair:-0.22``; "" for
a row without a label)."""


class Tagger(Protocol):
    """What the worker needs of ``pipeline.model.aspects.AspectTagger``."""

    @property
    def version(self) -> str: ...

    def tag(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        sentiment_probs: np.ndarray,
        *,
        embed: Embedder,
        score_sentiment: SentimentScorer,
        clause_embeddings: np.ndarray | None = None,
    ) -> list[AspectResult]: ...


@dataclass(frozen=True)
class ChunkInsights:
    """One chunk's extra columns; a part the worker did not compute is None."""

    embeddings: np.ndarray | None = None
    """float16 [rows, dimension], zero for unlabelled rows."""
    aspects: list[AspectResult] | None = None
    explanations: list[str | None] | None = None


NOTHING = ChunkInsights()


class ChunkAnalyst:
    """Embeddings (when ``embed`` is given: PIPELINE_INSIGHTS on), aspects (when ``tagger``
    is given too: not for a sentiment model whose labels the aspect model cannot read) and
    explanations (when ``explain`` is given and a job asks for them).

    ``embed_spans`` gives the comments' vectors and their clauses' in one encoder pass
    (``SentenceEmbedder.embed_with_spans``); without it the clauses are embedded on their own.
    """

    def __init__(
        self,
        *,
        score_sentiment: SentimentScorer,
        embed: Embedder | None = None,
        tagger: Tagger | None = None,
        explain: Explain | None = None,
        dimension: int = 384,
        embed_spans: SpanEmbedder | None = None,
    ) -> None:
        if tagger is not None and embed is None:
            raise ValueError("aspects need an embedder beside the tagger")
        self._score_sentiment = score_sentiment
        self._embed = embed
        self._embed_spans = embed_spans or (None if embed is None else separately(embed))
        self._tagger = tagger
        self._explain = explain
        self.dimension = dimension
        """The embedder's vector size (what the post-pass expects of the stored files)."""

    @property
    def computes_insights(self) -> bool:
        """Embeddings, so themes (and aspects when there is a tagger)."""
        return self._embed is not None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors of ``texts`` (the post-pass embeds rows a chunk file missed)."""
        if self._embed is None:
            raise ValueError("this analyst computes no embeddings (PIPELINE_INSIGHTS is off)")
        return np.asarray(self._embed(texts), dtype=np.float16)

    @property
    def aspect_model(self) -> str | None:
        return None if self._tagger is None else self._tagger.version

    def analyse(
        self,
        texts: Sequence[str],
        probs: np.ndarray,
        labels: Sequence[str | None],
        explain: bool = False,
    ) -> ChunkInsights:
        """``probs`` are the labelling pass's class probabilities (NaN rows: no label)."""
        if not len(texts) == len(probs) == len(labels):
            raise ValueError("texts, probs and labels must have one row per comment")
        embeddings, aspects = self._aspects(texts, probs, labels)
        explanations = None
        if explain and self._explain is not None:
            cells = self._explain([str(t) for t in texts], list(labels))
            explanations = [cell or None for cell in cells]
        return ChunkInsights(embeddings, aspects, explanations)

    def _aspects(
        self, texts: Sequence[str], probs: np.ndarray, labels: Sequence[str | None]
    ) -> tuple[np.ndarray | None, list[AspectResult] | None]:
        if self._embed is None or self._embed_spans is None:
            return None, None
        scored = np.asarray(probs, dtype=np.float64).copy()
        scored[[label is None for label in labels]] = np.nan
        rows = [i for i, label in enumerate(labels) if label is not None]
        chosen = [str(texts[i]) for i in rows]
        # Without a tagger no clause is read: the comments' vectors alone, for the themes.
        tagged = [self._tagger is not None and not np.isnan(scored[i]).any() for i in rows]
        layout = clause_layout(chosen)[2]
        spans = [own if keep else [] for own, keep in zip(layout, tagged, strict=True)]
        found, clause_vectors = self._embed_spans(chosen, spans)
        found = np.asarray(found, dtype=np.float16)
        vectors = np.zeros((len(texts), found.shape[1]), dtype=np.float16)
        vectors[rows] = found
        if self._tagger is None:
            return vectors, None
        if not rows:
            return vectors, [NO_ASPECTS] * len(texts)
        aspects = self._tagger.tag(
            [str(t) for t in texts],
            vectors,
            scored,
            embed=self._embed,
            score_sentiment=self._score_sentiment,
            clause_embeddings=np.asarray(clause_vectors),
        )
        return vectors, aspects
