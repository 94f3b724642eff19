"""Word logic of explanations: splitting, emoji, token → word merging, top words, the cell."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.explain_words import (
    WordScore,
    format_explanation,
    highlight_segments,
    parse_explanation,
    prepare_with_origin,
    score_words,
    shares,
    split_words,
    token_words,
    top_fraction,
    top_words,
    word_of_char,
)
from pipeline.model.textprep import prepare_text


def _texts(text: str) -> list[str]:
    return [w.text for w in split_words(text)]


def test_words_keep_inner_apostrophes_and_hyphens_and_split_punctuation() -> None:
    assert _texts("I didn't like the well-paced labs!!! (really)") == [
        "I", "didn't", "like", "the", "well-paced", "labs", "!!!", "(", "really", ")",
    ]  # fmt: skip


def test_every_non_space_character_belongs_to_exactly_one_word() -> None:
    text = "Prof. O’Brien's CS-101: 10/10 😡😡 ok_go\tfine"
    owner = word_of_char(split_words(text), len(text))
    for position, char in enumerate(text):
        assert (owner[position] >= 0) == (not char.isspace()), (position, char)


def test_each_emoji_is_a_readable_word_and_punctuation_is_not() -> None:
    words = split_words("Boring 👎👎 !!")
    assert [(w.text, w.readable) for w in words] == [
        ("Boring", True), ("👎", True), ("👎", True), ("!!", False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii text",
        "I 👍🏽 it 😡😡 ok_go",
        "naïve café, no emoji_here",
        "👎",
        "end 🎉",
        "so_so :( 👎",
        "Please upload the slides first, thank you :)",
    ],
)
def test_prepared_text_is_what_the_predictor_reads_up_to_spacing(text: str) -> None:
    prepared = prepare_with_origin(text)
    assert " ".join(prepared.text.split()) == prepare_text(text)
    assert len(prepared.origin) == len(prepared.text)


def test_spelled_out_emoji_map_back_to_the_emoji() -> None:
    text = "so 👎 bad"
    prepared = prepare_with_origin(text)
    start = prepared.text.index("thumbs")
    assert text[prepared.origin[start]] == "👎"
    assert text[prepared.origin[prepared.text.index("bad")]] == "b"


def test_an_emoticon_read_as_an_emoji_is_one_readable_word_that_its_name_maps_back_to() -> None:
    text = "Boring :( 👎"
    words = split_words(text)
    assert [(w.text, w.readable) for w in words] == [
        ("Boring", True), (":(", True), ("👎", True),
    ]  # fmt: skip
    prepared = prepare_with_origin(text)
    assert text[prepared.origin[prepared.text.index("frowning")]] == ":"
    owner = word_of_char(words, len(text))
    assert words[owner[prepared.origin[prepared.text.index("face")]]].text == ":("


def test_tokens_merge_into_their_words_and_special_tokens_into_none() -> None:
    text = "weren't great"
    words = split_words(text)
    # [CLS] weren ' t great [SEP], as the BERT tokenizer gives them
    offsets = [(0, 0), (0, 5), (5, 6), (6, 7), (8, 13), (0, 0)]
    special = [1, 0, 0, 0, 0, 1]
    owners = token_words(offsets, special, prepare_with_origin(text), word_of_char(words, 13))
    assert owners.tolist() == [-1, 0, 0, 0, 1, -1]


def _scored(*pairs: tuple[str, float]) -> list[WordScore]:
    return [WordScore(word, i, i + 1, score) for i, (word, score) in enumerate(pairs)]


def test_top_words_rank_by_size_keep_signs_and_list_repeats_once_and_skip_punctuation() -> None:
    scored = [
        *_scored(("great", 0.4), ("but", 0.01), ("unfair", -0.7), ("Great", 0.2), ("ok", 0.0)),
        WordScore("!!!", 9, 12, 0.9, readable=False),
    ]
    assert top_words(scored, 5) == [("unfair", -0.7), ("great", pytest.approx(0.6)), ("but", 0.01)]
    assert top_words(scored, 1) == [("unfair", -0.7)]
    assert top_words(scored, 0) == []


def test_cell_round_trips_through_the_parser() -> None:
    pairs = [("great", 0.4123), ("unfair", -0.2249), ("didn't", 0.001), ("👎", -0.004)]
    cell = format_explanation(pairs)
    assert cell == "great:+0.41;unfair:-0.22;didn't:+0.0010;👎:-0.0040"
    assert parse_explanation(cell) == [
        ("great", 0.41), ("unfair", -0.22), ("didn't", 0.001), ("👎", -0.004),
    ]  # fmt: skip
    assert format_explanation([]) == "" and parse_explanation("") == []


def test_parser_refuses_what_is_not_an_explanation() -> None:
    with pytest.raises(ValueError, match="not an explanation item"):
        parse_explanation("great=0.4")


def test_formatter_refuses_a_word_that_would_split_the_cell() -> None:
    with pytest.raises(ValueError, match="cannot hold"):
        format_explanation([("a;b", 0.1)])


def test_highlight_segments_give_the_comment_back_with_each_words_score() -> None:
    text = "  Great course, unfair exams "
    words = split_words(text)
    scored = score_words(words, np.arange(len(words), dtype=np.float64))
    segments = highlight_segments(text, scored)
    assert "".join(piece for piece, _ in segments) == text
    assert ("unfair", 3.0) in segments and ("  ", None) in segments


@pytest.mark.parametrize(
    ("fraction", "expected"), [(0.01, [2]), (0.2, [2]), (0.5, [2, 0, 3]), (1.0, [2, 0, 3, 4, 1])]
)
def test_top_fraction_takes_at_least_one_word_highest_signed_first(
    fraction: float, expected: list[int]
) -> None:
    scores = np.array([0.5, -0.9, 0.8, 0.1, -0.2])
    assert top_fraction(scores, fraction).tolist() == expected


def test_top_fraction_refuses_a_fraction_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="fraction"):
        top_fraction(np.ones(3), 0.0)


def test_shares_divide_by_the_sum_of_sizes_and_keep_signs() -> None:
    assert shares(np.array([2.0, -2.0, 0.0, 4.0])).tolist() == [0.25, -0.25, 0.0, 0.5]
    assert shares(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]
