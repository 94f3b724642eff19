"""What the model reads: emoji spelled out, SST spacing undone, plain text untouched."""

from __future__ import annotations

import pytest

from pipeline.model.textprep import prepare_text, spell_out_emoji, untokenize_sst


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😡😡😡", "enraged face enraged face enraged face"),
        ("👎", "thumbs down"),
        ("Great class 😊", "Great class smiling face with smiling eyes"),
        ("I ❤️ this course", "I red heart this course"),
    ],
)
def test_emoji_become_their_names(text: str, expected: str) -> None:
    assert spell_out_emoji(text) == expected


@pytest.mark.parametrize(
    "text", ["The lectures were great.", "Très bien, merci", "讲得很好", "  spaced  out  "]
)
def test_text_without_emoji_is_returned_unchanged(text: str) -> None:
    assert prepare_text(text) == text


@pytest.mark.parametrize(
    ("sst", "plain"),
    [
        ("It 's not a bad film , but it is n't good .", "It's not a bad film, but it isn't good."),
        ("the director 's ( uneven ) debut", "the director's (uneven) debut"),
        ("I 'm sure they 've seen it !", "I'm sure they've seen it!"),
        ("costs $ 5 , or 10 %", "costs $5, or 10%"),
    ],
)
def test_sst_spacing_is_undone(sst: str, plain: str) -> None:
    assert untokenize_sst(sst) == plain
