"""Language decisions and the comment screen, with a fake detector: only confident, long
enough non-English texts are refused, and English is never refused."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.model.language import has_evidence, told_language, unsupported_reason
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
