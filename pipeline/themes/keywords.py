"""Theme keywords by class-based TF-IDF (c-TF-IDF, BERTopic's formula), picked greedily.

All comments of a theme form one "class document". For term t and theme c:
``W(t, c) = tf(t, c) / Σ_t tf(t, c) · log(1 + A / f(t))``, where ``tf(t, c)`` counts the
theme's comments holding t (presence, not repeats: one comment saying "exam" five times is
one voice), ``f(t)`` sums it over the themes compared (the themes of one label), and A is
the mean number of term occurrences per theme. A word common to every theme of a label
("good" among positive comments) scores low; a word frequent in one theme only scores high.

The first keyword is the theme's best c-TF-IDF term. Each next one is the best term among
the theme's comments that no chosen keyword occurs in yet (tf counted over those comments
only, at least ``MIN_SUPPORT`` of them; the same IDF): the keywords then name the theme's
different facets rather than five spellings of its main one, and together they occur in
more of its comments. When no term adds ``MIN_SUPPORT`` comments, the plain c-TF-IDF order
fills in. A term an earlier theme of the job already has as a keyword counts
``SHARED_PENALTY`` times less per earlier use, so themes are told apart by their keywords.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

TOP_KEYWORDS = 5
SHARED_PENALTY = 0.8
"""Measured on 4,312 student and professor reviews (seeds 0, 1): topic diversity 0.51 and
mean keyword coverage 0.68-0.69 without a penalty (1.0); 0.68-0.69 and 0.63-0.64 at 0.8."""
MIN_SUPPORT = 2
"""A keyword must occur in at least this many of the theme's comments (when it has as many)."""


def class_idf(class_counts: np.ndarray) -> np.ndarray:
    """``log(1 + A / f(t))`` per term, from presence counts [themes, terms]."""
    counts = np.asarray(class_counts, dtype=np.float64)
    per_term = counts.sum(axis=0)
    average = counts.sum(axis=1).mean() if len(counts) else 0.0
    ratio = np.divide(average, per_term, out=np.zeros_like(per_term), where=per_term > 0)
    return np.asarray(np.log1p(ratio))


def theme_keywords(
    presence: Any,
    assignment: np.ndarray,
    n_themes: int,
    vocabulary: Sequence[str],
    taken: Counter[str] | None = None,
) -> list[tuple[str, ...]]:
    """Keywords of each theme 0..n_themes-1, from a sparse [comments, terms] 0/1 matrix.

    ``taken`` counts the keywords earlier themes chose (updated here): each earlier use
    multiplies a term's weight by ``SHARED_PENALTY``."""
    import scipy.sparse as sp

    taken = Counter() if taken is None else taken
    indicator = sp.csr_matrix(
        (np.ones(len(assignment)), (assignment, np.arange(len(assignment)))),
        shape=(n_themes, len(assignment)),
    )
    idf = class_idf(np.asarray((indicator @ presence).todense()))
    keywords = []
    for theme in range(n_themes):
        members = presence[np.flatnonzero(assignment == theme)]
        chosen = pick_keywords(
            members, idf, vocabulary, min(MIN_SUPPORT, members.shape[0]), taken=taken
        )
        taken.update(chosen)
        keywords.append(chosen)
    return keywords


def pick_keywords(
    members: Any,
    idf: np.ndarray,
    vocabulary: Sequence[str],
    min_support: int,
    top: int = TOP_KEYWORDS,
    taken: Counter[str] | None = None,
) -> tuple[str, ...]:
    """Greedy c-TF-IDF over the comments not yet holding a keyword (see the module doc).

    Terms are keys (plurals folded, pipeline/themes/terms.py); one is skipped when its words
    are already among the chosen keywords' words ("exam" after "hard exam").
    """
    support = np.asarray(members.sum(axis=0)).ravel()
    total = support.sum()
    candidates = np.flatnonzero((support >= max(1, min_support)) & (idf > 0))
    names = [vocabulary[int(i)] for i in candidates]
    earlier = taken if taken is not None else Counter()
    shared = np.array([SHARED_PENALTY ** earlier[name] for name in names])
    held = members[:, candidates].tocsr()
    allowed = np.ones(len(candidates), dtype=bool)
    uncovered = np.ones(held.shape[0], dtype=bool)
    chosen: list[str] = []
    covered: set[str] = set()
    scale = idf[candidates] * shared / total if total else np.zeros(len(candidates))
    while len(chosen) < top:
        index = None
        if uncovered.any():
            marginal = np.asarray(held[uncovered].sum(axis=0)).ravel()
            weights = np.where(marginal >= max(1, min_support), marginal * scale, 0.0)
            index = _best_new_term(weights, names, covered, allowed)
        if index is None:
            weights = support[candidates] * scale
            index = _best_new_term(weights, names, covered, allowed)
        if index is None:
            break
        chosen.append(names[index])
        covered |= set(names[index].split())
        uncovered &= np.asarray(held[:, index].todense()).ravel() == 0
    return tuple(chosen)


def _best_new_term(
    weights: np.ndarray, vocabulary: Sequence[str], covered: set[str], allowed: np.ndarray
) -> int | None:
    """The best-weighted allowed term that adds a word; terms adding none are disallowed."""
    for index in np.argsort(-weights, kind="stable"):
        if weights[index] <= 0:
            return None
        if not allowed[index]:
            continue
        if set(vocabulary[index].split()) <= covered:
            allowed[index] = False
            continue
        return int(index)
    return None
