"""The few comments that show what a theme is: the most central ones, no two alike.

Central = most cosine-similar to the theme's centre. Comments that hold one of the theme's
keywords go first (a theme named "midterm / worth" once quoted "Nothing, keep it as it is.",
the most central of its comments), and among those, comments of ``MIN_QUOTE_WORDS`` to
``MAX_QUOTE_WORDS`` words (the most central comment of a theme is often a two-word "great
class" that shows nothing, and a 2,700-word one once filled two pages of a report); the others
only fill in. A candidate is skipped when it repeats a chosen quote: the same words ignoring
case and punctuation, or vectors at ``DUPLICATE_SIMILARITY`` or more.

A quote that is still long (a theme with no comment of a readable length) is shown cut
(``shown_quote``): its first ``QUOTE_CHARS`` characters or so, to a word's end, and "…"; the
whole comment is the quote's row of the results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.release.personal import personal_spans
from pipeline.release.shown import spans_as_shown

QUOTES = 3
MIN_QUOTE_WORDS = 4
MAX_QUOTE_WORDS = 100
QUOTE_CHARS = 800
"""A quote longer than this is cut (about 130 words; a theme shows three)."""
CUT_MARK = "…"
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
        key=lambda i: (not keyed[i], not _readable_length(texts[i])),
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


def shown_quote(text: str) -> str:
    """``text`` as a theme quotes it: whole up to ``QUOTE_CHARS`` characters, else cut at the
    last space before them (mid-word only for a text without one) and ended with "…". A
    personal detail the cut would split (a phone written with spaces) is left out whole, so
    what a report screens is never half of one."""
    if len(text) <= QUOTE_CHARS:
        return text
    end = QUOTE_CHARS
    for _kind, start, stop in spans_as_shown(text, personal_spans):
        if start < end < stop:
            end = start
    head = text[:end]
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return (head[:space] if space > 0 else head).rstrip() + CUT_MARK


def normalised(text: str) -> str:
    """Lower case, words only: how two copies of a comment are told to be one."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def _readable_length(text: str) -> bool:
    return MIN_QUOTE_WORDS <= len(normalised(text).split()) <= MAX_QUOTE_WORDS


def _near_any(vectors: np.ndarray, index: int, chosen: list[int]) -> bool:
    if not chosen:
        return False
    candidate = np.asarray(vectors[index], dtype=np.float32)
    similarity = np.asarray(vectors[chosen], dtype=np.float32) @ candidate
    return bool((similarity >= DUPLICATE_SIMILARITY).any())
