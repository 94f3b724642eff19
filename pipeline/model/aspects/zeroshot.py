"""The baseline the trained head must beat: aspects by similarity to category descriptions.

Each category's one-line meaning (categories.DESCRIPTIONS) is embedded like a comment; a
comment gets every category whose cosine similarity reaches one threshold (the best single
value on the training part), and its most similar category when none does. No annotated
example is used beyond that one number.
"""

from __future__ import annotations

import numpy as np

from pipeline.model.aspects.metrics import decide, f1_counts, micro_f1


def similarities(embeddings: np.ndarray, description_embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity [n, k] between unit comment vectors and unit description vectors."""
    return np.asarray(embeddings.astype(np.float32) @ description_embeddings.astype(np.float32).T)


def best_global_threshold(scores: np.ndarray, gold: np.ndarray) -> float:
    """The one similarity cut-off with the best micro-F1 on these rows."""
    grid = np.round(np.arange(0.0, 0.8, 0.01), 3)
    best, best_f1 = float(grid[0]), -1.0
    for cut in grid:
        f1 = micro_f1(*f1_counts(decide(scores, np.full(scores.shape[1], cut)), gold))
        if f1 > best_f1:
            best, best_f1 = float(cut), f1
    return best
