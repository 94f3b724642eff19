"""Explanations of long comments say something (found by the first insights bug hunt): on a
15,000-character comment every word's share of the comment is small, and the cell read
``unfair:+0.01;forever:+0.00;late:+0.00;not:+0.00;long:+0.00``."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.explain_words import (
    MAX_DIGITS,
    WordScore,
    format_explanation,
    parse_explanation,
    score_words,
    shares,
    split_words,
    top_words,
)


def _long_comment() -> tuple[str, list[WordScore]]:
    """A 2,700-word comment in which "unfair" (70 times) and "late" (30) carry the label."""
    text = " ".join(["unfair"] * 70 + ["late"] * 30 + ["the", "exam", "was", "long"] * 650)
    words = split_words(text)
    weights = {"unfair": 3.0, "late": 2.0}
    raw = np.array([weights.get(word.text, 0.02) for word in words])
    return text, score_words(words, shares(raw))


def test_a_word_repeated_through_a_long_comment_shows_its_whole_share() -> None:
    _text, scored = _long_comment()
    top = dict(top_words(scored, 5))
    assert top["unfair"] == pytest.approx(70 * 3.0 / (70 * 3 + 30 * 2 + 2600 * 0.02))
    assert list(top)[:2] == ["unfair", "late"]
    assert sum(abs(score) for score in top.values()) <= 1.0


def test_no_score_of_a_long_comments_cell_reads_as_zero() -> None:
    _text, scored = _long_comment()
    cell = format_explanation(top_words(scored, 5))
    assert all(score != 0.0 for _word, score in parse_explanation(cell)), cell
    assert format_explanation([("long", 0.00037)]) == "long:+0.00037"
    assert format_explanation([("long", -0.0042)]) == "long:-0.0042"
    assert format_explanation([("long", 0.0061)]) == "long:+0.01"
    tiny = format_explanation([("long", 10.0 ** -(MAX_DIGITS + 2))])
    assert tiny == "long:+0.00"
