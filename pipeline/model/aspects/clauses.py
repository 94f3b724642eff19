"""Split a comment into clauses, so each aspect can take the sentiment of its own clause.

"The lectures were great but the exams unfair" is one sentence with two opinions; the
sentiment of the whole is mixed, of each clause clear. Splits at sentence ends, line breaks,
semicolons and contrast words (but, however, although, though, whereas, yet, except); the
contrast word stays at the head of its clause ("but the exams unfair" reads as a complaint).
A piece of fewer than ``MIN_WORDS`` words is joined to the one before, so "Great, but..."
does not become a clause of its own. Pure: no model, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

MIN_WORDS = 2
_BOUNDARY = re.compile(
    r"(?<=[.!?])\s+"  # sentence end
    r"|\s*[\r\n]+\s*"  # line break
    r"|\s*;\s*"  # semicolon
    r"|,?\s+(?=(?:but|however|although|though|whereas|yet|except)\b)",  # contrast word
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


def split_clauses(text: str, min_words: int = MIN_WORDS) -> list[str]:
    """The clauses of a comment in order, each a span of the original text (joined pieces
    keep what stood between them); a comment without a boundary is one clause."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        spans.append((start, boundary.start()))
        start = boundary.end()
    spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        if not text[begin:end].strip():
            continue
        if merged and min(_words(text[begin:end]), _words(text[slice(*merged[-1])])) < min_words:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return [text[begin:end].strip() for begin, end in merged] or [text.strip()]


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def clauses_of(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The clauses of the comments of two or more clauses, back to back, and each clause's
    comment index (ascending); a one-clause comment contributes none."""
    clause_texts: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        parts = split_clauses(text)
        if len(parts) > 1:
            clause_texts.extend(parts)
            owners.extend([i] * len(parts))
    return clause_texts, np.asarray(owners, dtype=np.int64)


def clause_span(owners: np.ndarray, comment: int) -> slice:
    """Where comment ``comment``'s clauses are in ``clauses_of``'s output (empty if none)."""
    begin = int(np.searchsorted(owners, comment, side="left"))
    return slice(begin, int(np.searchsorted(owners, comment, side="right")))
