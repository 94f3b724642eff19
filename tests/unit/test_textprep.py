"""What the model reads: emoji (and the emoticons of short comments) spelled out, SST spacing
undone, plain text untouched."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model.textprep import (
    SHORT_COMMENT_WORDS,
    emoticon_spans,
    find_emoticons,
    prepare_text,
    spell_out_emoji,
    untokenize_sst,
)


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":)", "slightly smiling face"),
        (":-(", "frowning face"),
        (":D", "grinning face"),
        ("<3", "red heart"),
        ("XD", "grinning face"),
        ("T_T", "loudly crying face"),
        ("-_-", "expressionless face"),
        ("Good course overall:)", "Good course overall slightly smiling face"),
        ("^_^ would recommend", "smiling face with smiling eyes would recommend"),
        ("Boring :( 👎", "Boring frowning face thumbs down"),
    ],
)
def test_emoticons_of_a_short_comment_are_read_as_their_emoji(text: str, expected: str) -> None:
    assert prepare_text(text) == expected


def test_emoticons_of_a_longer_comment_stay_as_written() -> None:
    text = "Please upload the slides before the lecture, thank you :)"
    assert len(text.split()) - 1 > SHORT_COMMENT_WORDS
    assert emoticon_spans(text) == []
    assert prepare_text(text) == text
    assert [symbol for *_, symbol in find_emoticons(text)] == ["🙂"]


@pytest.mark.parametrize(
    "text",
    [
        "http://x.org",
        "C:\\Users",
        "10:30",
        "f(x)",
        "8)",
        "if x<3",
        "<30",
        "Re:(no subject)",
        ":Purpose",
        "XDR",
        "T_Test",
        "::)",
        "a-_-b",
        "ratio 3:2",
    ],
)
def test_punctuation_that_is_not_an_emoticon_is_left_alone(text: str) -> None:
    assert find_emoticons(text) == []
    assert prepare_text(text) == text


def _spans_without_shortcut(text: str) -> list[tuple[int, int, str]]:
    spans = find_emoticons(text)
    rest = []
    cursor = 0
    for start, end, _ in spans:
        rest.append(text[cursor:start])
        cursor = end
    rest.append(text[cursor:])
    words = re.findall(r"[^\W_]+", " ".join(rest))
    return spans if spans and len(words) <= SHORT_COMMENT_WORDS else []


@given(
    st.lists(
        st.sampled_from([":)", "XD", "T_T", "-_-", "^^", "<3", ":D", ":P", "great", "so", "x"]),
        min_size=1,
        max_size=9,
    ),
    st.sampled_from([" ", "", ". "]),
)
def test_the_word_count_shortcut_never_changes_which_emoticons_are_read(
    pieces: list[str], joint: str
) -> None:
    text = joint.join(pieces)
    assert emoticon_spans(text) == _spans_without_shortcut(text)
