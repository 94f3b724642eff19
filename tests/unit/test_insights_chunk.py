"""ChunkAnalyst with fakes: one encoder pass gives the comments' vectors and their clauses'."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from pipeline.insights.chunk import ChunkAnalyst
from pipeline.model.aspects import NO_ASPECTS, AspectResult
from pipeline.model.aspects.encoders import Embedder, SentimentScorer


def _embed(texts: Sequence[str]) -> np.ndarray:
    return np.tile(np.float16(0.5), (len(texts), 4))


def _scores(texts: Sequence[str]) -> np.ndarray:
    return np.tile([0.1, 0.1, 0.8], (len(texts), 1))


class _Recorder:
    """A span embedder and a tagger that remember what they were given."""

    version = "recorded"

    def __init__(self) -> None:
        self.passes: list[tuple[list[str], list[list[tuple[int, int]]]]] = []
        self.clause_embeddings: np.ndarray | None = None

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        self.passes.append((list(texts), [list(s) for s in spans]))
        span_vectors = np.arange(sum(map(len, spans)) * 4, dtype=np.float16).reshape(-1, 4)
        return _embed(texts), span_vectors

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
        self.clause_embeddings = clause_embeddings
        return [NO_ASPECTS] * len(texts)


def test_labelled_rows_and_their_clauses_are_embedded_in_one_pass() -> None:
    recorder = _Recorder()
    analyst = ChunkAnalyst(
        score_sentiment=_scores,
        embed=_embed,
        embed_spans=recorder.embed_spans,
        tagger=recorder,
        dimension=4,
    )
    texts = ["Great lectures but unfair exams", "", "Clear notes"]
    probs = np.array([[0.2, 0.2, 0.6], [np.nan] * 3, [0.1, 0.1, 0.8]])
    found = analyst.analyse(texts, probs, ["positive", None, "positive"])
    assert recorder.passes == [
        (["Great lectures but unfair exams", "Clear notes"], [[(0, 14), (15, 31)], []])
    ]
    assert recorder.clause_embeddings is not None and recorder.clause_embeddings.shape == (2, 4)
    assert found.embeddings is not None
    assert (found.embeddings[1] == 0).all() and (found.embeddings[[0, 2]] == 0.5).all()


def test_without_a_span_embedder_the_clauses_are_embedded_on_their_own() -> None:
    asked: list[list[str]] = []

    def embed(texts: Sequence[str]) -> np.ndarray:
        asked.append(list(texts))
        return _embed(texts)

    recorder = _Recorder()
    analyst = ChunkAnalyst(score_sentiment=_scores, embed=embed, tagger=recorder, dimension=4)
    analyst.analyse(["Great lectures but unfair exams"], np.array([[0.2, 0.2, 0.6]]), ["positive"])
    assert asked == [["Great lectures but unfair exams", "Great lectures", "but unfair exams"]]
    assert recorder.clause_embeddings is not None and len(recorder.clause_embeddings) == 2


def test_a_tagger_needs_an_embedder() -> None:
    with pytest.raises(ValueError, match="embedder"):
        ChunkAnalyst(score_sentiment=_scores, tagger=_Recorder())


def test_without_a_tagger_the_labelled_rows_are_embedded_for_themes_without_aspects() -> None:
    """A sentiment model whose labels the aspect model cannot read: embeddings (themes), no
    aspects, and no clause embedded for nothing."""
    recorder = _Recorder()
    analyst = ChunkAnalyst(
        score_sentiment=_scores, embed=_embed, embed_spans=recorder.embed_spans, dimension=4
    )
    assert analyst.computes_insights and analyst.aspect_model is None
    texts = ["Great lectures but unfair exams", "", "Clear notes"]
    probs = np.array([[0.2, 0.8], [np.nan] * 2, [0.1, 0.9]])
    found = analyst.analyse(texts, probs, ["positive", None, "positive"])
    assert recorder.passes == [(["Great lectures but unfair exams", "Clear notes"], [[], []])]
    assert found.aspects is None
    assert found.embeddings is not None and found.embeddings.shape == (3, 4)
    assert (found.embeddings[1] == 0).all() and (found.embeddings[[0, 2]] == 0.5).all()
