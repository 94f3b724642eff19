"""A fake ChunkAnalyst for the worker's and the insight services' tests: word-hash sentence
vectors, keyword aspects and keyword explanations (import: ``from insightfakes import ...``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from jobfakes import LABELS, FakePredictor

from pipeline.bootstrap import Backend
from pipeline.insights.chunk import ChunkAnalyst
from pipeline.model.aspects import NO_ASPECTS, AspectResult
from pipeline.model.aspects.encoders import Embedder, SentimentScorer
from pipeline.worker import Worker

DIMENSION = 16
KEYWORDS = {"exam": "exams", "lecture": "teaching", "homework": "workload"}


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    """Unit bag-of-hashed-words vectors: comments sharing words lie close."""
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in str(text).lower().split():
            out[i, hashlib.sha256(word.encode()).digest()[0] % DIMENSION] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms == 0, 1, norms)).astype(np.float16)


class FakeTagger:
    """Aspects by keyword; the sentiment toward each from the sentiment scorer."""

    version = "fake-aspects-1"
    categories = tuple(KEYWORDS.values())

    def __init__(self) -> None:
        self.tagged: list[str] = []

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
        assert len(texts) == len(embeddings) == len(sentiment_probs)
        results = []
        for text, probs in zip(texts, sentiment_probs, strict=True):
            if np.isnan(probs).any():
                results.append(NO_ASPECTS)
                continue
            self.tagged.append(text)
            names = tuple(name for word, name in KEYWORDS.items() if word in text.lower())
            label = LABELS[int(np.argmax(score_sentiment([text])[0]))]
            results.append(AspectResult(names, dict.fromkeys(names, label)))
        return results


def fake_explain(texts: Sequence[str], labels: Sequence[str | None]) -> list[str]:
    return [
        f"{text.split()[0]}:+0.50" if label and text.strip() else ""
        for text, label in zip(texts, labels, strict=True)
    ]


def fake_analyst(predictor: object, insights: bool = True) -> ChunkAnalyst:
    scorer = FakePredictor().predict_proba
    if not insights:
        return ChunkAnalyst(score_sentiment=scorer, explain=fake_explain)
    return ChunkAnalyst(
        score_sentiment=scorer,
        embed=fake_embed,
        tagger=FakeTagger(),
        explain=fake_explain,
        dimension=DIMENSION,
    )


def worker_stopping_after_a_chunk(backend: Backend) -> Worker:
    """A worker with the fake model and insights that stops after its first chunk of labels."""
    workers: list[Worker] = []
    workers.append(
        Worker(
            backend,
            lambda _ref: FakePredictor(),
            "w",
            insights=fake_analyst,
            on_rows=lambda _rows: workers[0].request_stop(),
        )
    )
    return workers[0]
