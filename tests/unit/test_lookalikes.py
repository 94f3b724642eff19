"""Cyrillic and Greek look-alikes of Latin letters in an English comment are read as the Latin
letters, by the model and by the language screen; comments written in Cyrillic or Greek stay
as they are."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from pipeline.model.explain_words import prepare_with_origin
from pipeline.model.lookalikes import latin_lookalikes
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.screening import CommentScreen, Screened
from pipeline.model.textprep import prepare_text

SPOOFED = "Тhе lесturеs wеrе tеrriblе"  # every e, c and the T Cyrillic


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Grеat cоurse, I lеarned a lot", "Great course, I learned a lot"),
        (SPOOFED, "The lectures were terrible"),
        ("Prof. Раul is grеat", "Prof. Paul is great"),
        ("Τhe ΤΑ was hеlpful", "The TA was helpful"),
        ("Grеat course, а lot of work", "Great course, a lot of work"),
        ("Ｔｈｅ ｌｅｃｔｕｒｅｓ ｗｅｒｅ ｔｅｒｒｉｂｌｅ！", "The lectures were terrible!"),
        ("ＣＳ１０１\u3000was fine", "CS101 was fine"),
    ],
)
def test_look_alikes_in_an_english_comment_read_as_latin(text: str, read: str) -> None:
    assert latin_lookalikes(text) == read
    assert prepare_text(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "Очень хорошо, мне понравился курс",
        "Курс хороший, CS101 отличный",
        "Το μάθημα ήταν καλό",
        "сое",
        "Курс ok",
        "Café très bien, π is fun",
        "授業はとても分かりやすかった",
        "Great course",
        "",
    ],
)
def test_cyrillic_and_greek_text_and_plain_latin_are_left_as_written(text: str) -> None:
    assert latin_lookalikes(text) == text


def test_a_japanese_comment_keeps_its_script_when_its_punctuation_is_fullwidth() -> None:
    japanese = "授業は分かりやすかった！（ＣＳ１０１）"
    assert latin_lookalikes(japanese) == "授業は分かりやすかった!(CS101)"


def test_one_letter_for_one_so_explanations_map_back_to_the_comment() -> None:
    prepared = prepare_with_origin(SPOOFED)
    assert prepared.text == "The lectures were terrible"
    assert prepared.origin.tolist() == list(range(len(SPOOFED)))


class CyrillicIsSerbian:
    """A detector that calls any text with a Cyrillic letter Serbian, as py3langid did."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in text)
        return {"sr": 0.99, "en": 0.0} if cyrillic else {"en": 0.99, "sr": 0.0}


def test_the_screen_reads_them_as_latin_too() -> None:
    screen = CommentScreen(NoOpinion.with_extra(), CyrillicIsSerbian(), frozenset({"en"}))
    assert screen.check(SPOOFED, "m") == Screened(None, "en")
    russian = screen.check("Очень хорошо, мне понравился курс", "m")
    assert russian.language == "sr" and russian.reason is not None


def test_a_score_typed_in_fullwidth_is_a_score() -> None:
    screen = CommentScreen(NoOpinion.with_extra(), CyrillicIsSerbian(), None)
    assert screen.check("１０／１０", "m") == screen.check("10/10", "m")
    assert screen.check("10/10", "m").reason is not None
