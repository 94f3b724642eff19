"""Explanation highlighting: the comment comes back whole, listed words are tinted in the row
label's colour (readable), words against it are underlined, and nothing in a comment is markup."""

from __future__ import annotations

import re

import pytest

from pipeline.ui.highlight import (
    MAX_TINT,
    TEXT_COLOUR,
    blend,
    highlighted_html,
    page_html,
    tint,
    word_segments,
)
from pipeline.ui.palette import LABEL_COLOURS, contrast_ratio, relative_luminance


def test_segments_give_the_comment_back_and_score_every_occurrence() -> None:
    text = "Unfair exams, really unfair!  And slow."
    segments = word_segments(text, "unfair:+0.52;slow:-0.10")
    assert "".join(piece for piece, _ in segments) == text
    scored = [(piece, score) for piece, score in segments if score is not None]
    assert scored == [("Unfair", 0.52), ("unfair", 0.52), ("slow", -0.10)]


@pytest.mark.parametrize("cell", ["", "not a cell", "other:+0.3"])
def test_no_cell_a_malformed_one_or_absent_words_highlight_nothing(cell: str) -> None:
    assert word_segments("Great labs", cell) == [("Great labs", None)]


def test_words_toward_the_label_get_its_colour_stronger_for_more_push() -> None:
    html = highlighted_html("clear and helpful", "positive", "clear:+0.45;helpful:+0.10")
    assert f"background:{tint('positive', 0.45)}" in html
    assert f"background:{tint('positive', 0.10)}" in html
    weak = relative_luminance(tint("positive", 0.10))
    strong = relative_luminance(tint("positive", 0.45))
    assert strong < weak, "a larger share is a stronger (darker) tint"
    assert tint("negative", 0.9) == blend(LABEL_COLOURS["negative"], MAX_TINT)


def test_a_word_against_the_label_is_underlined_never_tinted() -> None:
    html = highlighted_html("exams unfair", "negative", "exams:-0.04;unfair:+0.5")
    against = re.search(r'<span style="([^"]*)"[^>]*>exams</span>', html)
    assert against and "underline" in against.group(1) and "background" not in against.group(1)
    assert 'title="-0.04: against negative"' in html


@pytest.mark.parametrize("label", sorted(LABEL_COLOURS))
def test_the_strongest_tint_keeps_the_text_readable(label: str) -> None:
    assert contrast_ratio(tint(label, 1.0), TEXT_COLOUR) >= 4.5


def test_a_comment_is_never_markup() -> None:
    html = page_html([('<img src=x onerror="alert(1)"> unfair', "negative", "unfair:+0.5")])
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert ">negative</span>" in html
