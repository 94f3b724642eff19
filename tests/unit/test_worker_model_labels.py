"""A served sentiment model whose labels are not negative/neutral/positive (a binary or a
5-star checkpoint) with insights on: the job is labelled and completes with its themes, and
without aspects, which need those three classes; the rows are never blamed. The real
insights source and the shipped aspect model run; only the sentence embedder is faked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.insights import loading
from pipeline.settings import Settings
from pipeline.worker import Worker

DIMENSION = 384
COMMENTS = [
    "good lecture and good exam",
    "bad exam, unfair marking",
    "",
    "good notes but the homework was bad",
    "good lecture",
    "bad homework load",
    "good good lecture",
    "bad exam again",
]


def _embed(texts: Sequence[str], batch_size: int = 0) -> np.ndarray:
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in str(text).lower().split():
            out[i, hashlib.sha256(word.encode()).digest()[0]] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms == 0, 1, norms)).astype(np.float16)


class FakeEmbedder:
    dimension = DIMENSION

    def embed(self, texts: Sequence[str], batch_size: int = 0) -> np.ndarray:
        return _embed(texts)

    def embed_with_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        batch_size: int = 0,
    ) -> tuple[np.ndarray, np.ndarray]:
        pieces = [text[a:b] for text, own in zip(texts, spans, strict=True) for a, b in own]
        return _embed(texts), _embed(pieces).reshape(len(pieces), DIMENSION)


class KeywordPredictor:
    """Keyword sentiment over any label set; blank texts get NaN rows."""

    version = "keywords-1"
    low_confidence: float | None = None
    device = "cpu"
    precision = "fp32"

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        k = len(self.labels)
        out = np.full((len(texts), k), np.nan)
        for i, text in enumerate(texts):
            words = str(text or "").lower()
            if not words.strip():
                continue
            row = np.full(k, 0.1 / (k - 1))
            row[0 if "bad" in words else k - 1] = 0.9
            out[i] = row
        return out


@pytest.mark.parametrize(
    "labels",
    [
        ("negative", "positive"),
        ("1 star", "2 stars", "3 stars", "4 stars", "5 stars"),
    ],
)
def test_a_model_of_other_labels_gets_its_labels_and_themes_but_no_aspects(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    labels: tuple[str, ...],
) -> None:
    monkeypatch.setattr(loading, "shared_embedder", lambda *_args: FakeEmbedder())
    monkeypatch.setattr(loading, "embedding_precision", lambda _predictor: "fp32")
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    predictor: Any = KeywordPredictor(labels)
    worker = Worker(
        backend, lambda _ref: predictor, "w", insights=loading.insights_source(Settings())
    )

    worker.run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.error is None and job.themes_error is None
    assert job.insights_key is not None and job.aspect_model is None
    rows = [row for batch in backend.repository.results.batches(request_id) for row in batch]
    assert [row.label for row in rows][:2] == [labels[-1], labels[0]]
    assert all(not row.aspects for row in rows)
    assert "no aspects" in caplog.text and ", ".join(labels) in caplog.text


def test_a_three_label_model_in_another_order_keeps_its_aspects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loading, "shared_embedder", lambda *_args: FakeEmbedder())
    monkeypatch.setattr(loading, "embedding_precision", lambda _predictor: "fp32")
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    predictor: Any = KeywordPredictor(("NEGATIVE", "Neutral", "positive"))
    worker = Worker(
        backend, lambda _ref: predictor, "w", insights=loading.insights_source(Settings())
    )

    worker.run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED, job.error
    assert job.aspect_model is not None
    rows = [row for batch in backend.repository.results.batches(request_id) for row in batch]
    spelled = {s for row in rows for s in (row.aspect_sentiments or {}).values()}
    assert spelled and spelled <= {"NEGATIVE", "Neutral", "positive"}
