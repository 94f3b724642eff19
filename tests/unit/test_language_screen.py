"""Language decisions and the comment screen, with a fake detector: only confident, long
enough non-English texts are refused, and English is never refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.model.language import (
    Leader,
    evidence,
    has_evidence,
    told_language,
    told_languages,
    unsupported_reason,
)
from pipeline.model.no_opinion import NO_OPINION_REASON, NoOpinion
from pipeline.model.predictor import EMPTY_TEXT_REASON
from pipeline.model.screening import CommentScreen, Screened, parse_languages
from pipeline.settings import Settings


class FakeDetector:
    """Returns fixed probabilities and records what it was asked."""

    def __init__(self, probabilities: Mapping[str, float]) -> None:
        self.answer = dict(probabilities)
        self.asked: list[str] = []

    def probabilities(self, text: str) -> Mapping[str, float]:
        self.asked.append(text)
        return self.answer


GERMAN = FakeDetector({"de": 0.97, "nl": 0.02, "en": 0.01})
LONG_TEXT = "Die Vorlesung war total chaotisch und die Folien waren voller Fehler."


@pytest.mark.parametrize(
    "text",
    ["Great!", "ok", "Good course", "Dr. Patel's CS101", "MATH 221", "Schlecht organisiert."],
)
def test_short_texts_are_never_judged(text: str) -> None:
    detector = FakeDetector({"de": 0.99, "en": 0.0})
    assert told_language(text, detector) is None
    assert detector.asked == []


def test_confident_other_language_is_told() -> None:
    assert told_language(LONG_TEXT, GERMAN) == "de"


def test_unsure_other_language_is_not_told() -> None:
    mixed = FakeDetector({"de": 0.6, "en": 0.3})
    assert told_language(LONG_TEXT, mixed) is None


def test_english_is_told_from_the_same_evidence() -> None:
    english = FakeDetector({"en": 0.9, "fr": 0.1})
    assert told_language("The lectures were great and I learned a lot.", english) == "en"


def test_no_linguistic_content_is_not_a_language() -> None:
    assert told_language(LONG_TEXT, FakeDetector({"zxx": 0.9, "en": 0.0})) is None


def test_other_scripts_need_only_a_few_letters() -> None:
    assert has_evidence("太无聊了")
    assert has_evidence("Ужасный курс.")
    assert not has_evidence("Prof. 王 is great")
    assert not has_evidence("👍👍")


def evidence_one_by_one(text: str) -> bool:
    """The rule written plainly, character by character: what the bulk count must agree with."""
    letters = [ch for ch in text if ch.isalpha()]
    other = sum(1 for ch in letters if not (ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF))
    if other >= 2 and other * 2 >= len(letters):
        return True
    words = sum(
        1 for i, ch in enumerate(text) if ch.isalpha() and (i == 0 or not text[i - 1].isalpha())
    )
    return len(letters) >= 15 and words >= 3


EVIDENCE_CASES = [
    "", " ", "a", "Great!", "太无聊了", "Ужасный курс.", "Prof. 王 is great", "👍👍",
    "The lectures were great", "Thelecturesweregreatreally", "a b c d e f g h i j k l m n o",
    "x²y³ ⅫⅫ ½ café naïve Ærø ñandú", "Ứng dụng rất tốt và hữu ích", "ΑΒΓ δεζ ηθι κλμ",
    "\udc80 lone surrogate in a sentence of words", "שלום עולם", "١٢٣ كلمات عربية هنا",
    "emoji 😀 between 😀 words 😀 and more letters", "ǅungla ǈudi ǋ",
    "tab\tseparated\nlines here now",
]  # fmt: skip


def test_evidence_in_bulk_agrees_with_the_rule_text_by_text() -> None:
    assert evidence(EVIDENCE_CASES).tolist() == [evidence_one_by_one(t) for t in EVIDENCE_CASES]
    assert [has_evidence(t) for t in EVIDENCE_CASES] == evidence(EVIDENCE_CASES).tolist()
    assert evidence([]).tolist() == []


class BulkFake(FakeDetector):
    """A detector that also answers a chunk at once, as the real one does."""

    def __init__(self, probabilities: Mapping[str, float]) -> None:
        super().__init__(probabilities)
        self.chunks: list[list[str]] = []

    def leaders(self, texts: Sequence[str]) -> list[Leader | None]:
        self.chunks.append(list(texts))
        return [("de", 0.01)] * len(texts)


def test_a_bulk_detector_is_asked_once_about_the_texts_long_enough() -> None:
    detector = BulkFake(GERMAN.answer)
    texts = ["ok", LONG_TEXT, "Great!", LONG_TEXT + " Wirklich."]
    assert told_languages(texts, detector) == [None, "de", None, "de"]
    assert detector.chunks == [[LONG_TEXT, LONG_TEXT + " Wirklich."]]
    assert detector.asked == []


def test_screening_a_chunk_gives_each_comment_its_own_verdict() -> None:
    texts: list[object] = ["  ", None, "N/A", LONG_TEXT, "Great!", "The lectures were great fun."]
    english = FakeDetector({"en": 0.9, "de": 0.1})
    for detector in (GERMAN, english, BulkFake(GERMAN.answer)):
        chunk = screen(detector, frozenset({"en"}))
        assert chunk.check_many(texts, "m") == [chunk.check(text, "m") for text in texts]
    assert screen(GERMAN, None).check_many([], "m") == []


def test_reason_names_language_and_model() -> None:
    assert unsupported_reason("de", "m-1") == "language de is not supported by m-1"


def screen(detector: FakeDetector, languages: frozenset[str] | None) -> CommentScreen:
    return CommentScreen(NoOpinion.with_extra(), detector, languages)


def test_screen_order_blank_then_placeholder_then_language() -> None:
    german = FakeDetector(GERMAN.answer)
    english_only = screen(german, frozenset({"en"}))
    assert english_only.check("  ", "m") == Screened(EMPTY_TEXT_REASON)
    assert english_only.check(None, "m") == Screened(EMPTY_TEXT_REASON)
    assert english_only.check("N/A", "m") == Screened(NO_OPINION_REASON)
    assert english_only.check(LONG_TEXT, "m") == Screened("language de is not supported by m", "de")
    assert german.asked == [LONG_TEXT]


def test_all_languages_label_everything_but_still_tell_the_language() -> None:
    assert screen(GERMAN, None).check(LONG_TEXT, "m") == Screened(None, "de")


def test_listed_languages_are_labelled() -> None:
    assert screen(GERMAN, frozenset({"en", "de"})).check(LONG_TEXT, "m") == Screened(None, "de")


def test_without_detector_only_placeholders_are_screened() -> None:
    plain = CommentScreen(NoOpinion.with_extra())
    assert plain.check(LONG_TEXT, "m") == Screened()
    assert plain.check("none", "m") == Screened(NO_OPINION_REASON)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", {"en"}), ("EN, de", {"en", "de"}), ("all", None), (" All ", None)],
)
def test_parse_languages(value: str, expected: set[str] | None) -> None:
    assert parse_languages(value) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize("value", ["", "english", "en;de", ","])
def test_bad_languages_setting_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="PIPELINE_LANGUAGES"):
        parse_languages(value)


def test_screen_from_settings_reads_the_extra_phrases(tmp_path: Path) -> None:
    listed = tmp_path / "phrases.txt"
    listed.write_text("rien\n", encoding="utf-8")
    settings = Settings(
        data_dir=tmp_path, languages="all", no_opinion_extra="pass", no_opinion_file=str(listed)
    )
    built = CommentScreen.from_settings(settings)
    assert built.languages is None
    assert built.no_opinion("Pass.") and built.no_opinion("rien")
