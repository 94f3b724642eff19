"""The few comments that show what a theme is: the most central ones, no two alike.

Central = most cosine-similar to the theme's centre. Comments that hold one of the theme's
keywords go first (a theme named "midterm / worth" once quoted "Nothing, keep it as it is.",
the most central of its comments), and among those, comments of at least
``MIN_QUOTE_WORDS`` words (the most central comment of a theme is often a two-word "great
class" that shows nothing); the others only fill in. A candidate is skipped when it repeats
a chosen quote: the same words ignoring case and punctuation, or vectors at
``DUPLICATE_SIMILARITY`` or more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

QUOTES = 3
MIN_QUOTE_WORDS = 4
DUPLICATE_SIMILARITY = 0.95
_CANDIDATES = 200
"""Only this many of the most central comments are examined (enough to find 3 distinct)."""
_NON_WORD = re.compile(r"[\W_]+")


def central_quotes(
    texts: Sequence[str],
    vectors: np.ndarray,
    centre: np.ndarray,
    count: int = QUOTES,
    named: np.ndarray | None = None,
) -> list[int]:
    """Indexes into ``texts`` of up to ``count`` distinct central comments, most central first
    within each tier; ``named`` marks the comments that hold one of the theme's keywords."""
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(centre, dtype=np.float32)
    keyed = np.ones(len(similarity), dtype=bool) if named is None else np.asarray(named, bool)
    nearest = np.lexsort((np.arange(len(similarity)), -similarity, ~keyed))[:_CANDIDATES]
    ranked = sorted(
        (int(i) for i in nearest),
        key=lambda i: (not keyed[i], _word_count(texts[i]) < MIN_QUOTE_WORDS),
    )  # stable: most central first within each tier
    chosen: list[int] = []
    seen: set[str] = set()
    for index in ranked:
        if len(chosen) == count:
            break
        key = normalised(texts[index])
        if key in seen or _near_any(vectors, index, chosen):
            continue
        chosen.append(index)
        seen.add(key)
    return chosen


def normalised(text: str) -> str:
    """Lower case, words only: how two copies of a comment are told to be one."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def _word_count(text: str) -> int:
    return len(normalised(text).split())


def _near_any(vectors: np.ndarray, index: int, chosen: list[int]) -> bool:
    if not chosen:
        return False
    candidate = np.asarray(vectors[index], dtype=np.float32)
    similarity = np.asarray(vectors[chosen], dtype=np.float32) @ candidate
    return bool((similarity >= DUPLICATE_SIMILARITY).any())
