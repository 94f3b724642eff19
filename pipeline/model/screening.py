"""Which comments the model should not label, and why: blank ones, placeholders ("N/A", "-",
"No comments"), numbers and scores ("42", "4/5": the model reads words, and read "10/10" and
"1/5" alike, as neutral) and comments in a language the deployment does not label.

Each gets no label and the reason in ``error`` and never counts in the label shares; the
detected language goes in the ``language`` column of every row (docs/pipeline.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.errors import ConfigError
from pipeline.input_numbers import is_number
from pipeline.model.language import LanguageDetector, Py3LangidDetector, told_languages
from pipeline.model.language import unsupported_reason as language_reason
from pipeline.model.lookalikes import latin_lookalikes
from pipeline.model.no_opinion import NO_OPINION_REASON, NoOpinion, extra_phrases
from pipeline.model.predictor import EMPTY_TEXT_REASON, is_blank
from pipeline.settings import Settings

ALL_LANGUAGES = "all"
NUMBER_REASON = "a number or score, not words: nothing to classify"
_EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#PYTHON!",
        "#TIMEOUT!",
        "#EXTERNAL!",
    }
)
"""Excel's error values (``#N/A`` aside: a placeholder too)."""
_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Screened:
    """One comment's verdict: why it gets no label (None: label it) and its language."""

    reason: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class CommentScreen:
    """The checks before the model; ``languages`` None labels every language, and without a
    ``detector`` no language is told (unit tests and fakes)."""

    no_opinion: NoOpinion
    detector: LanguageDetector | None = None
    languages: frozenset[str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> CommentScreen:
        """PIPELINE_LANGUAGES, PIPELINE_NO_OPINION_EXTRA and PIPELINE_NO_OPINION_FILE."""
        phrases = extra_phrases(settings.no_opinion_extra, settings.no_opinion_file)
        return cls(
            no_opinion=NoOpinion.with_extra(phrases),
            detector=Py3LangidDetector(),
            languages=parse_languages(settings.languages),
        )

    def check(self, text: object, model: str) -> Screened:
        """The verdict on one comment; ``model`` (its version) is named in a language's reason."""
        return self.check_many([text], model)[0]

    def check_many(self, texts: Sequence[object], model: str) -> list[Screened]:
        """``check`` of every comment of a chunk, the languages told all at once (a detector
        asked text by text costs several times as much: docs/performance.md)."""
        strings = ["" if is_blank(text) else str(text) for text in texts]
        read = [latin_lookalikes(text) for text in strings]  # as the model reads them
        placeholder = self.no_opinion.many(strings)
        early = [
            _without_language(text, as_read, none)
            for text, as_read, none in zip(strings, read, placeholder, strict=True)
        ]
        judged = [text for text, verdict in zip(read, early, strict=True) if verdict is None]
        languages: list[str | None] = [None] * len(judged)
        if self.detector is not None:
            languages = told_languages(judged, self.detector)
        told = iter(languages)
        return [
            verdict if verdict is not None else self._by_language(next(told), model)
            for verdict in early
        ]

    def _by_language(self, language: str | None, model: str) -> Screened:
        if language is not None and self.languages is not None and language not in self.languages:
            return Screened(language_reason(language, model), language)
        return Screened(None, language)


def _without_language(text: str, read: str, placeholder: bool) -> Screened | None:
    """The verdict on a comment ("" if blank) that needs no language: blank, an Excel error
    value, a number or score (as ``read``, look-alikes and fullwidth forms as the model reads
    them: "１０／１０" too), a placeholder, or None (its language decides)."""
    if not text:
        return Screened(EMPTY_TEXT_REASON)
    if (error := excel_error_reason(text)) is not None:
        return Screened(error)
    if is_number(read):
        return Screened(NUMBER_REASON)
    return Screened(NO_OPINION_REASON) if placeholder else None


def excel_error_reason(text: str) -> str | None:
    """The ``error`` of a cell that holds one of Excel's error values (``#REF!`` where a
    formula's source was deleted): a workbook stores it as an error, and a CSV saved from
    it writes it as text. No comment, whatever the model would make of it (``#DIV/0!`` read
    as negative). ``#N/A`` is left to the placeholders ("no comment")."""
    code = text.strip().upper()
    if code not in _EXCEL_ERRORS:
        return None
    return f"the cell holds Excel's error {code} (a formula that failed), not a comment"


def parse_languages(value: str) -> frozenset[str] | None:
    """``all``, or comma-separated ISO 639-1 codes (``en``, ``en,de``) of the languages to label."""
    cleaned = value.strip().lower()
    if cleaned == ALL_LANGUAGES:
        return None
    codes = frozenset(part.strip() for part in cleaned.split(",") if part.strip())
    wrong = sorted(code for code in codes if not _CODE.fullmatch(code))
    if not codes or wrong:
        raise ConfigError(
            f"PIPELINE_LANGUAGES={value!r} must be 'all' or language codes such as 'en' or "
            f"'en,de'{': not ' + ', '.join(wrong) if wrong else ''}"
        )
    return codes
