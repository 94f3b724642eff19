"""What the model says of each word on its own: the second part of a word's explanation score.

One gradient step credits each word in its context. ERASER's sufficiency asks whether the
words an explanation names carry the label on their own, and the gradient often credits a word
that does not: a negation ("not" alone reads neutral to the shipped model), a subject, a filler.
So a word's score adds, to its share of the gradient attribution, how much the model's
probability of the explained label rises when it reads that word alone (``[CLS] word [SEP]``,
the window sufficiency keeps) over reading no word at all (``[CLS] [SEP]``). That is the
model's own verdict on the word, not a lexicon: it is as faithful as the gradient, to another
question. Measured on calibration comments (docs/insights.md, *Explanations*), the mix beat
either part alone on comprehensiveness and sufficiency both.

A word alone reads the same in every comment, so each distinct word is scored once per
explainer and kept (``WordAlone`` caches across a job's chunks): a file's distinct words are a
small share of its words, and their windows are a few tokens long.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.model.batching import score_sequences

Window = tuple[int, ...]
"""A window's token ids: the special tokens around one word's tokens, or around none."""

CACHE_LIMIT = 200_000
"""Distinct windows kept; past it the cache starts again (a job's vocabulary rarely nears it)."""
BATCH_ROWS = 256
"""Rows per batch of one-word windows: they are a few tokens long, so batches can be wide."""


@dataclass(frozen=True)
class TokenWindows:
    """A chunk's token windows back to back (``pipeline.model.explain`` encodes them), with the
    word of every token (-1: a special token) and the text each window belongs to."""

    flat: np.ndarray
    word_ids: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    owners: np.ndarray
    word_counts: Sequence[int]


def word_windows(windows: TokenWindows) -> tuple[list[list[Window | None]], Window | None]:
    """Per text, each word's window on its own (None: the word has no token), as ERASER's
    sufficiency builds it from the window the word was read in; and the window of no word."""
    found: list[list[Window | None]] = [[None] * count for count in windows.word_counts]
    empty: Window | None = None
    for window, owner in enumerate(windows.owners):
        start = int(windows.starts[window])
        span = slice(start, start + int(windows.lengths[window]))
        ids, word_ids = windows.flat[span], windows.word_ids[span]
        inside = np.flatnonzero(word_ids >= 0)
        if not inside.size:
            continue
        head = tuple(int(i) for i in ids[: inside[0]])
        tail = tuple(int(i) for i in ids[inside[-1] + 1 :])
        empty = head + tail if empty is None else empty
        runs = np.split(inside, np.flatnonzero(np.diff(word_ids[inside])) + 1)
        mine = found[int(owner)]
        for run in runs:
            word = int(word_ids[run[0]])
            if mine[word] is None:
                mine[word] = head + tuple(int(i) for i in ids[run]) + tail
    return found, empty


class WordAlone:
    """The model's probabilities for words read alone, scored in wide batches and cached."""

    def __init__(
        self,
        score: Callable[[np.ndarray, np.ndarray], np.ndarray],
        pad_id: int,
        batch_tokens: int | None,
    ) -> None:
        self._score = score
        self._pad_id = pad_id
        self._batch_tokens = batch_tokens
        self._cache: dict[Window, np.ndarray] = {}

    def support(self, windows: TokenWindows, targets: np.ndarray) -> list[np.ndarray]:
        """Per text, p(target | each word alone) − p(target | no word); 0 for a word without
        a token."""
        per_word, empty = word_windows(windows)
        if not empty:  # no word has a token, or the tokenizer adds no special tokens
            return [np.zeros(count) for count in windows.word_counts]
        self._fill([empty, *(w for words in per_word for w in words if w is not None)])
        baseline = self._cache[empty]
        return [
            np.array([0.0 if w is None else float(self._cache[w][t] - baseline[t]) for w in words])
            for words, t in zip(per_word, targets, strict=True)
        ]

    def _fill(self, needed: Sequence[Window]) -> None:
        missing = list(dict.fromkeys(w for w in needed if w not in self._cache))
        if not missing:
            return
        if len(self._cache) + len(missing) > CACHE_LIMIT:
            self._cache.clear()
            missing = list(dict.fromkeys(needed))
        probs = score_sequences(missing, self._score, self._pad_id, BATCH_ROWS, self._batch_tokens)
        self._cache.update(zip(missing, probs, strict=True))
