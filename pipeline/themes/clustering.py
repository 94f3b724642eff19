"""Comments → themes: k-means on unit sentence vectors, seeded, every comment in a theme.

On unit vectors, Euclidean k-means groups by cosine similarity. scikit-learn's
MiniBatchKMeans with a fixed ``random_state`` and ``n_init`` gives the same themes on a rerun
of the same rows in the same order; themes are then numbered by size (largest first, ties
by their first row), so the numbering does not depend on the k-means internals either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.errors import MissingDependencyError
from pipeline.themes.stopwords import NO_SCIKIT_LEARN

MIN_THEMES = 2
MAX_THEMES = 12
"""More than a dozen sub-themes per label is more than a reader compares at a glance."""
MIN_THEME_ROWS = 5
"""A group is split only into themes of about this many comments or more."""
MIN_THEME_SHARE = 0.02
"""A k-means cluster smaller than this share of the group (or than MIN_THEME_ROWS) is
dissolved: its comments join the nearest remaining theme, so there is no tail of tiny
themes and still no outlier bucket."""
N_INIT = 3
BATCH_SIZE = 4096
KMEANS_THREADS = 1
"""scikit-learn's OpenMP threads spin while they wait: with more busy threads than free
CPUs (several workers on one machine, the shared development box) a 560-comment clustering
took 43 s on 2 threads against 1.8 s on 1. One thread keeps 100,000 comments within the
goal (docs: themes)."""


def choose_k(n_rows: int) -> int:
    """Themes for a group of ``n_rows`` comments: round(√(n/2)) clamped to 2..12, and no more
    than n / MIN_THEME_ROWS (1 theme below 2 x MIN_THEME_ROWS comments)."""
    if n_rows < 2 * MIN_THEME_ROWS:
        return 1
    rule = min(MAX_THEMES, max(MIN_THEMES, round(math.sqrt(n_rows / 2))))
    return min(rule, n_rows // MIN_THEME_ROWS)


@dataclass(frozen=True)
class Clusters:
    """Theme index per row (0 = largest theme) and each theme's unit-length centre."""

    assignment: np.ndarray
    centres: np.ndarray

    @property
    def n_themes(self) -> int:
        return len(self.centres)


def cluster(vectors: np.ndarray, k: int, seed: int = 0) -> Clusters:
    """Split unit vectors [n, d] into at most ``k`` non-empty themes."""
    data = np.asarray(vectors, dtype=np.float32)
    if k <= 1 or len(data) <= 1:
        raw = np.zeros(len(data), dtype=np.int64)
    else:
        raw = _without_small(data, _kmeans(data, min(k, len(data)), seed))
    return _renumbered(data, raw)


def _kmeans(data: np.ndarray, k: int, seed: int) -> np.ndarray:
    try:
        from sklearn.cluster import MiniBatchKMeans
    except ImportError as exc:
        raise MissingDependencyError(NO_SCIKIT_LEARN) from exc
    from threadpoolctl import threadpool_limits

    model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=N_INIT, batch_size=BATCH_SIZE)
    with threadpool_limits(limits=KMEANS_THREADS):
        model.fit(data)
    return np.asarray(model.labels_, dtype=np.int64)


def dissolve(vectors: np.ndarray, clusters: Clusters, theme: int) -> Clusters:
    """The same themes less ``theme``, whose comments each join the nearest other theme."""
    data = np.asarray(vectors, dtype=np.float32)
    kept = np.delete(np.arange(clusters.n_themes), theme)
    return _renumbered(data, _move_to_nearest(data, clusters.assignment, kept))


def _without_small(data: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Move the comments of too-small clusters to the nearest kept cluster."""
    sizes = np.bincount(raw)
    smallest = max(MIN_THEME_ROWS, math.ceil(MIN_THEME_SHARE * len(raw)))
    kept = np.flatnonzero(sizes >= smallest)
    if len(kept) == 0 or len(kept) == np.count_nonzero(sizes):
        return raw
    return _move_to_nearest(data, raw, kept)


def _move_to_nearest(data: np.ndarray, raw: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Rows of clusters not in ``kept`` go to the kept cluster whose mean is most similar."""
    centres = np.stack([data[raw == c].mean(axis=0) for c in kept])
    moved = ~np.isin(raw, kept)
    result = raw.copy()
    result[moved] = kept[np.argmax(data[moved] @ centres.T, axis=1)]
    return result


def _renumbered(data: np.ndarray, raw: np.ndarray) -> Clusters:
    """Drop empty clusters, number by size (desc) then first row; centres from the members."""
    present, first_row, sizes = np.unique(raw, return_index=True, return_counts=True)
    order = np.lexsort((first_row, -sizes))
    new_index = np.empty(int(present.max()) + 1 if len(present) else 0, dtype=np.int64)
    new_index[present[order]] = np.arange(len(order))
    assignment = new_index[raw]
    centres = np.stack([data[assignment == c].sum(axis=0) for c in range(len(order))])
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    centres = np.divide(centres, norms, out=centres, where=norms > 0)
    return Clusters(assignment=assignment, centres=centres)
