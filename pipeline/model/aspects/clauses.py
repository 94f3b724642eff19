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
    return [text[begin:end] for begin, end in clause_spans(text, min_words)] or [text.strip()]


def clause_spans(text: str, min_words: int = MIN_WORDS) -> list[tuple[int, int]]:
    """Where ``split_clauses``' clauses are in ``text`` ([begin, end), stripped of the
    whitespace around them): what the embedder pools each clause's token states over."""
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
    return [_stripped(text, begin, end) for begin, end in merged]


def _stripped(text: str, begin: int, end: int) -> tuple[int, int]:
    piece = text[begin:end]
    lead = len(piece) - len(piece.lstrip())
    return begin + lead, begin + len(piece.rstrip())


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def clauses_of(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The clauses of the comments of two or more clauses, back to back, and each clause's
    comment index (ascending); a one-clause comment contributes none."""
    clause_texts, owners, _ = clause_layout(texts)
    return clause_texts, owners


def clause_layout(
    texts: Sequence[str],
) -> tuple[list[str], np.ndarray, list[list[tuple[int, int]]]]:
    """``clauses_of`` with each comment's clause spans (empty for a one-clause comment), in
    the same order: what ``SentenceEmbedder.embed_with_spans`` takes."""
    clause_texts: list[str] = []
    owners: list[int] = []
    layout: list[list[tuple[int, int]]] = []
    for i, text in enumerate(texts):
        spans = clause_spans(text)
        if len(spans) > 1:
            clause_texts.extend(text[begin:end] for begin, end in spans)
            owners.extend([i] * len(spans))
            layout.append(spans)
        else:
            layout.append([])
    return clause_texts, np.asarray(owners, dtype=np.int64), layout


def clause_span(owners: np.ndarray, comment: int) -> slice:
    """Where comment ``comment``'s clauses are in ``clauses_of``'s output (empty if none)."""
    begin = int(np.searchsorted(owners, comment, side="left"))
    return slice(begin, int(np.searchsorted(owners, comment, side="right")))
