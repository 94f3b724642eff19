"""The few comments that show what a theme is: the most central ones, no two alike.

Central = most cosine-similar to the theme's centre. Comments of at least ``MIN_QUOTE_WORDS``
words go first (the most central comment of a theme is often a two-word "great class" that
shows nothing); shorter ones only fill in. A candidate is skipped when it repeats a chosen
quote: the same words ignoring case and punctuation, or vectors at ``DUPLICATE_SIMILARITY``
or more.
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
    texts: Sequence[str], vectors: np.ndarray, centre: np.ndarray, count: int = QUOTES
) -> list[int]:
    """Indexes into ``texts`` of up to ``count`` distinct central comments, most central first."""
    similarity = np.asarray(vectors, dtype=np.float32) @ np.asarray(centre, dtype=np.float32)
    top = min(_CANDIDATES, len(similarity))
    nearest = np.argpartition(-similarity, top - 1)[:top] if top else np.array([], dtype=int)
    ranked = nearest[np.lexsort((nearest, -similarity[nearest]))]
    wordy = [int(i) for i in ranked if _word_count(texts[i]) >= MIN_QUOTE_WORDS]
    short = [int(i) for i in ranked if _word_count(texts[i]) < MIN_QUOTE_WORDS]
    chosen: list[int] = []
    seen: set[str] = set()
    for index in wordy + short:
        if len(chosen) == count:
            break
        key = normalised(texts[index])
        if key in seen or _near_any(vectors, index, chosen):
            continue
        chosen.append(index)
        seen.add(key)
    return chosen


def normalised(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


def _word_count(text: str) -> int:
    return len(normalised(text).split())


def _near_any(vectors: np.ndarray, index: int, chosen: list[int]) -> bool:
    if not chosen:
        return False
    candidate = np.asarray(vectors[index], dtype=np.float32)
    similarity = np.asarray(vectors[chosen], dtype=np.float32) @ candidate
    return bool((similarity >= DUPLICATE_SIMILARITY).any())
