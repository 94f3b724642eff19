"""Words read alone: the windows ERASER's sufficiency would keep, scored once and cached."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model import word_alone
from pipeline.model.word_alone import TokenWindows, WordAlone, word_windows

CLS, SEP, PAD = 101, 102, 0


def windows(*texts: list[list[tuple[int, int]]]) -> TokenWindows:
    """Windows given as (token id, word id) pairs, [CLS] and [SEP] added; each text is a list
    of windows."""
    flat: list[int] = []
    word_ids: list[int] = []
    starts, lengths, owners, counts = [], [], [], []
    for owner, text in enumerate(texts):
        for window in text:
            starts.append(len(flat))
            flat += [CLS, *(token for token, _ in window), SEP]
            word_ids += [-1, *(word for _, word in window), -1]
            lengths.append(len(window) + 2)
            owners.append(owner)
        counts.append(1 + max(word for window in text for _, word in window))
    return TokenWindows(
        np.array(flat), np.array(word_ids), np.array(starts), np.array(lengths),
        np.array(owners), counts,
    )  # fmt: skip


class Scorer:
    """p(label 0) = the window's last word token / 100, p(label 1) the rest; counts windows."""

    def __init__(self) -> None:
        self.windows = 0

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.windows += len(ids)
        last = np.array([row[m.astype(bool)][-2] for row, m in zip(ids, mask, strict=True)])
        first = np.where(last == CLS, 0.5, last / 100)
        return np.stack([first, 1 - first], axis=1)


def test_each_word_gets_its_own_tokens_between_the_special_ones() -> None:
    # text 0: "un fair" ("fair" in two tokens), text 1: two windows, word 2 only in the second
    found, empty = word_windows(
        windows([[(7, 0), (8, 1), (9, 1)]], [[(5, 0), (6, 1)], [(6, 1), (4, 2)]])
    )
    assert found == [
        [(CLS, 7, SEP), (CLS, 8, 9, SEP)],
        [(CLS, 5, SEP), (CLS, 6, SEP), (CLS, 4, SEP)],
    ]
    assert empty == (CLS, SEP)


def test_support_is_the_rise_over_no_word_toward_each_texts_label() -> None:
    alone = WordAlone(Scorer(), PAD, None)
    support = alone.support(windows([[(20, 0), (70, 1)]], [[(20, 0)]]), np.array([0, 1]))
    assert np.allclose(support[0], [0.2 - 0.5, 0.7 - 0.5])
    assert np.allclose(support[1], [0.8 - 0.5])


def test_a_word_is_scored_once_however_often_it_comes() -> None:
    scorer = Scorer()
    alone = WordAlone(scorer, PAD, batch_tokens=8)
    chunk = windows([[(20, 0), (30, 1)]], [[(30, 0), (20, 1), (30, 2)]])
    first = alone.support(chunk, np.array([0, 0]))
    assert scorer.windows == 3  # "20", "30" and no word
    again = alone.support(chunk, np.array([0, 0]))
    assert scorer.windows == 3
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_a_full_cache_starts_again_and_still_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word_alone, "CACHE_LIMIT", 3)
    scorer = Scorer()
    alone = WordAlone(scorer, PAD, None)
    alone.support(windows([[(20, 0), (30, 1)]]), np.array([0]))
    support = alone.support(windows([[(40, 0), (50, 1)]]), np.array([0]))
    assert np.allclose(support[0], [0.4 - 0.5, 0.5 - 0.5])
    assert scorer.windows == 3 + 3  # the second chunk's words and no word, after the reset
