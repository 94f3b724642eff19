"""How good a set of themes is, by the issue's measures (pure functions).

- topic diversity: distinct keywords among all themes' top-k keywords / (themes x k)
  (Dieng et al. 2020, as OCTIS computes it: a 2-word keyword counts as one term);
  1.0 = no keyword shared by two themes.
- keyword coverage of a theme: the share of its comments that contain at least one of its
  top-5 keywords, "contain" meaning the keyword is among the comment's terms (the same
  lower-cased, stop-word-free 1-2-grams the keywords were picked from).
- determinism: two reports are the same when every row has the same theme and every theme
  the same keywords and quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def topic_diversity(keywords: Sequence[Sequence[str]], top_k: int = 5) -> float:
    """Share of distinct terms among the first ``top_k`` keywords of every theme."""
    listed = [term for theme in keywords for term in list(theme)[:top_k]]
    return len(set(listed)) / len(listed) if listed else 0.0


def keyword_coverage(comment_terms: Sequence[frozenset[str]], keywords: Sequence[str]) -> float:
    """Share of comments (given as their term sets) holding at least one keyword."""
    if not comment_terms:
        return 0.0
    wanted = set(keywords)
    return sum(1 for held in comment_terms if held & wanted) / len(comment_terms)


def coverage_summary(coverages: Sequence[float]) -> dict[str, float]:
    """The issue's two figures: the worst theme (goal ≥ 0.30) and the mean (goal ≥ 0.55)."""
    values = np.asarray(coverages, dtype=np.float64)
    if not len(values):
        return {"min": 0.0, "mean": 0.0}
    return {"min": float(values.min()), "mean": float(values.mean())}
