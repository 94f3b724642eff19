"""Short comments in another language are told from their words (the detector judges only
15 letters in three words or more): "Très bien" is French and gets no label from an English
model, while short English comments, even of words other languages share ("Super", "Top
prof", "Excellent"), grades and names stay English."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

import pytest

from pipeline.model.language import told_languages, unsupported_reason
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.screening import CommentScreen, Screened
from pipeline.model.short_language import OWN, SHARED, short_language


class NeverAsked:
    """A detector that fails the test if it is asked about a short text."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        raise AssertionError(f"the detector was asked about {text!r}")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Très bien", "fr"),
        ("C'est nul", "fr"),
        ("C’est génial !", "fr"),
        ("Rien à dire", "fr"),
        ("Muy bueno", "es"),
        ("Excelente clase", "es"),
        ("Gracias profe!", "es"),
        ("Sehr gut", "de"),
        ("Danke!", "de"),
        ("Molto bene", "it"),
        ("Ótimo professor", "pt"),
        ("Muito bom", "pt"),
        ("Heel goed", "nl"),
    ],
)
def test_a_short_comment_of_a_language_s_own_words_is_told(text: str, code: str) -> None:
    assert short_language(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "Great!", "ok", "Super", "Top prof", "Excellent", "No", "Dire", "War", "Toll", "Um, no.",
        "UN", "Uma", "C", "D", "A+", "Prof. Nguyen rocks", "MATH 221", "CS101 muy bueno", "",
        "Schlecht organisiert.",
    ],
)  # fmt: skip
def test_english_words_names_grades_and_words_not_listed_tell_nothing(text: str) -> None:
    assert short_language(text) is None


def test_accents_typed_as_a_letter_and_a_mark_read_as_one() -> None:
    """macOS and some exports write "é" as "e" and a combining accent (NFD)."""
    assert short_language(unicodedata.normalize("NFD", "Très intéressant")) == "fr"
    assert short_language(unicodedata.normalize("NFD", "ÓTIMO PROFESSOR")) == "pt"


def test_a_language_s_own_words_are_never_english_ones() -> None:
    for code, own in OWN.items():
        assert not own & SHARED, code
        assert all(len(word) > 1 or not word.isascii() for word in own), code


def test_words_that_fit_two_languages_go_to_the_one_with_more_of_its_own() -> None:
    assert short_language("Muito bom") == "pt"
    assert short_language("Excelente") == "es", "as many of each: the first listed"


def test_the_screen_refuses_them_without_asking_the_detector() -> None:
    screen = CommentScreen(NoOpinion.with_extra(), NeverAsked(), frozenset({"en"}))
    verdicts = screen.check_many(["Très bien", "Great!", "Sehr gut"], "m1")
    assert verdicts == [
        Screened(unsupported_reason("fr", "m1"), "fr"),
        Screened(None, None),
        Screened(unsupported_reason("de", "m1"), "de"),
    ]
    assert told_languages(["Muy bueno", "ok"], NeverAsked()) == ["es", None]
    everything = CommentScreen(NoOpinion.with_extra(), NeverAsked(), None)
    assert everything.check("Très bien", "m1") == Screened(None, "fr"), "labelled, language kept"
