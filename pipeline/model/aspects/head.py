"""The aspect detector: one logistic regression per category over a comment's sentence
embedding and its words (pipeline/model/aspects/words.py).

Inference is a matrix product, a sparse sum and a sigmoid in numpy (no scikit-learn at run
time); training (pipeline/model/aspects/training.py) fits the weights with scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.errors import ModelLoadError
from pipeline.model.aspects.metrics import decide
from pipeline.model.aspects.words import WordFeatures


@dataclass(frozen=True)
class AspectHead:
    """Weights of the embedding [dimension, k] and of the words [terms, k], bias and
    decision threshold per category."""

    categories: tuple[str, ...]
    embedding_weight: np.ndarray
    word_weight: np.ndarray
    bias: np.ndarray
    thresholds: np.ndarray
    words: WordFeatures

    def __post_init__(self) -> None:
        k = len(self.categories)
        if self.embedding_weight.ndim != 2 or self.embedding_weight.shape[1] != k:
            raise ModelLoadError(
                f"aspect head embedding weight has shape {self.embedding_weight.shape}, "
                f"expected [dimension, {k}]"
            )
        if self.word_weight.shape != (self.words.size, k):
            raise ModelLoadError(
                f"aspect head word weight has shape {self.word_weight.shape}, expected "
                f"[{self.words.size} terms, {k}]"
            )
        if self.bias.shape != (k,) or self.thresholds.shape != (k,):
            raise ModelLoadError(f"aspect head bias and thresholds must hold {k} values")
        arrays = (self.embedding_weight, self.word_weight, self.bias, self.thresholds)
        if not all(np.isfinite(a).all() for a in arrays):
            raise ModelLoadError("aspect head weights hold NaN or infinite values")

    @property
    def dimension(self) -> int:
        return int(self.embedding_weight.shape[0])

    def probabilities(self, embeddings: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """P(category) per row [n, categories]; float16 embeddings are computed in float32."""
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dimension:
            raise ValueError(
                f"embeddings of shape {embeddings.shape} do not fit a head of dimension "
                f"{self.dimension}"
            )
        if len(texts) != len(embeddings):
            raise ValueError("one embedding per text is needed")
        logits = embeddings.astype(np.float32) @ self.embedding_weight + self.bias
        rows, columns, values = self.words.sparse(texts)
        np.add.at(logits, rows, values[:, None] * self.word_weight[columns])
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)

    def detect(self, probabilities: np.ndarray) -> np.ndarray:
        """bool [n, categories]: the categories at or above threshold (at least one a row)."""
        if len(probabilities) == 0:
            return np.zeros((0, len(self.categories)), dtype=bool)
        return decide(probabilities, self.thresholds)


def with_clauses(
    comment_probs: np.ndarray, clause_probs: np.ndarray, owners: np.ndarray
) -> np.ndarray:
    """A category's probability in a comment is the highest of the whole comment's and of
    any of its clauses' (``owners[i]`` = the comment row of clause i): an aspect named in one
    clause of a long comment is not averaged away."""
    combined = np.array(comment_probs, dtype=np.float32, copy=True)
    if len(owners):
        np.maximum.at(combined, np.asarray(owners, dtype=np.int64), clause_probs)
    return combined
