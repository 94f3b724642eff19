"""What training and evaluation read from the encoders, computed once per run (and cached).

For every comment: its base-MiniLM sentence embedding and the sentiment model's
probabilities; for every clause of a comment of two or more clauses: the same two, the
clause's vector pooled from its comment's token states (as at run time). Both encoders are
passed in (``SentenceEmbedder.embed_with_spans`` and the predictor's ``predict_proba``), so
tests use fakes. A cache file (``.npz``) is reused only when it was made from the same texts by the
same encoders.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.model.aspects.clauses import clause_layout
from pipeline.model.aspects.encoders import Encoders, SentimentScorer, SpanEmbedder


@dataclass(frozen=True)
class CorpusFeatures:
    """Encoder outputs of a list of comments and of their clauses (``clause_owners`` = the
    comment index of each clause; one-clause comments have none)."""

    texts: list[str]
    embeddings: np.ndarray
    sentiment: np.ndarray
    clause_texts: list[str]
    clause_owners: np.ndarray
    clause_embeddings: np.ndarray
    clause_sentiment: np.ndarray

    def subset(self, rows: Sequence[int]) -> CorpusFeatures:
        """The features of these comments, renumbered 0..len(rows)-1 in the given order."""
        rows_arr = np.asarray(rows, dtype=np.int64)
        new_index = np.full(len(self.texts), -1, dtype=np.int64)
        new_index[rows_arr] = np.arange(len(rows_arr))
        picked = np.flatnonzero(new_index[self.clause_owners] >= 0)
        picked = picked[np.argsort(new_index[self.clause_owners[picked]], kind="stable")]
        return CorpusFeatures(
            texts=[self.texts[i] for i in rows_arr],
            embeddings=self.embeddings[rows_arr],
            sentiment=self.sentiment[rows_arr],
            clause_texts=[self.clause_texts[i] for i in picked],
            clause_owners=new_index[self.clause_owners[picked]],
            clause_embeddings=self.clause_embeddings[picked],
            clause_sentiment=self.clause_sentiment[picked],
        )


def compute_features(
    texts: Sequence[str],
    embed_spans: SpanEmbedder,
    score_sentiment: SentimentScorer,
    *,
    cache: Path | None = None,
    encoders: str = "",
) -> CorpusFeatures:
    """Embed the comments with their clauses in one pass, and score the comments and the
    clauses with the sentiment model in one call."""
    texts = list(texts)
    clause_texts, owners, layout = clause_layout(texts)
    key = _key(texts, clause_texts, encoders)
    if cache is not None and cache.is_file():
        cached = _read_cache(cache, key, texts, clause_texts, owners)
        if cached is not None:
            return cached
    embeddings, clause_embeddings = embed_spans(texts, layout)
    sentiment = np.asarray(score_sentiment(texts + clause_texts), dtype=np.float64)
    n = len(texts)
    features = CorpusFeatures(
        texts=texts,
        embeddings=np.asarray(embeddings),
        sentiment=sentiment[:n],
        clause_texts=clause_texts,
        clause_owners=owners,
        clause_embeddings=np.asarray(clause_embeddings),
        clause_sentiment=sentiment[n:],
    )
    if cache is not None:
        _write_cache(cache, key, features)
    return features


def _key(texts: list[str], clause_texts: list[str], encoders: str) -> str:
    digest = hashlib.sha256(json.dumps([texts, clause_texts, encoders]).encode("utf-8"))
    return digest.hexdigest()


def _read_cache(
    path: Path, key: str, texts: list[str], clause_texts: list[str], owners: np.ndarray
) -> CorpusFeatures | None:
    with np.load(path) as stored:
        if str(stored["key"]) != key:
            return None
        return CorpusFeatures(
            texts=texts,
            embeddings=stored["embeddings"],
            sentiment=stored["sentiment"],
            clause_texts=clause_texts,
            clause_owners=owners,
            clause_embeddings=stored["clause_embeddings"],
            clause_sentiment=stored["clause_sentiment"],
        )


def _write_cache(path: Path, key: str, features: CorpusFeatures) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez(
            handle,
            key=np.array(key),
            embeddings=features.embeddings,
            sentiment=features.sentiment,
            clause_embeddings=features.clause_embeddings,
            clause_sentiment=features.clause_sentiment,
        )


def memoized(features: CorpusFeatures, encoders: Encoders) -> Encoders:
    """Encoders that answer from already computed features, calling the real ones only for
    texts they lack (training scores the held-out clauses once, not twice)."""
    rows = {text: i for i, text in enumerate(features.texts)}
    clause_rows = {text: i for i, text in enumerate(features.clause_texts)}

    def lookup(
        texts: Sequence[str],
        ours: np.ndarray,
        theirs: np.ndarray,
        call: Callable[[Sequence[str]], np.ndarray],
    ) -> np.ndarray:
        missing = [t for t in texts if t not in rows and t not in clause_rows]
        fresh = dict(zip(missing, np.asarray(call(missing)), strict=True)) if missing else {}
        return np.stack(
            [
                ours[rows[t]]
                if t in rows
                else theirs[clause_rows[t]]
                if t in clause_rows
                else fresh[t]
                for t in texts
            ]
        )

    return Encoders(
        embed=lambda texts: lookup(
            texts, features.embeddings, features.clause_embeddings, encoders.embed
        ),
        score_sentiment=lambda texts: lookup(
            texts, features.sentiment, features.clause_sentiment, encoders.score_sentiment
        ),
        names=encoders.names,
    )
