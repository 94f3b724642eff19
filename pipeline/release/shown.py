"""A comment as a reader sees it, which is what the detectors must read.

A zero-width space, a soft hyphen or a word joiner inside "fucking", a fullwidth ｆｕｃｋ, a
Cyrillic с in it, or ``\\u202egnikcuf\\u202c`` (a right-to-left override: its letters are shown
reversed) all print as the plain word in a report, yet a pattern of the plain word misses them.
So the detectors read a view of the text: what is invisible dropped (format characters and
the other default-ignorable ones), compatibility forms made the letters they show (NFKC),
a Latin word's Cyrillic or Greek look-alike letters made Latin, hyphens and en dashes made
``-``. A right-to-left override run is read both in the order it is displayed and in the order
it is written: a PDF or a screen shows ``\\u202ejo@uni.edu\\u202c`` reversed, but the HTML, the
CSV, a copy and a screen reader hold the plain address. What they find in either is given back
as offsets of the text as written, which a report masks and the list shows. Pure.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import regex

from pipeline.model.lookalikes import DRAWN_AS_LATIN, LATIN_OF, LOOKALIKES
from pipeline.release.kinds import Kind

Span = tuple[Kind, int, int]

_INVISIBLE = regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]")
"""Drawn as nothing: zero-width space and joiners, soft hyphen, word joiner, bidi controls,
variation selectors, tags."""
_UNIT = regex.compile(r"[\x00-\x7f]+(?!\p{M})|.\p{M}*", regex.DOTALL)
"""A run of ASCII (copied as is), or one character with its combining marks (normalised
together, so that e and a combining acute make é)."""

_RLO, _PDF = "\u202e", "\u202c"
_PUSH = frozenset("\u202a\u202b\u202d\u202e")
"""The embeddings and overrides a PDF closes; a paragraph's end closes them all."""
_BIDI = regex.compile("[\u202a-\u202e\n\r\x1c-\x1e\x85\u2029]")

_WITH_LOOKALIKE = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}])[\p{{L}}\p{{M}}]*[{DRAWN_AS_LATIN}][\p{{L}}\p{{M}}]*"
)
_LATIN = regex.compile("[A-Za-z]")
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2212", "-"))
"""Hyphens, the figure and en dash and the minus sign, all drawn as ``-`` (555‑123‑4567)."""
_HYPHEN_CHARS = frozenset("\u2010\u2011\u2012\u2013\u2212")


@dataclass(frozen=True)
class View:
    """The text as shown, and for each of its characters where it was written."""

    text: str
    begin: Sequence[int]
    end: Sequence[int]
    written_length: int

    def written(self, start: int, end: int) -> tuple[int, int]:
        """The span of the text as written that shows ``text[start:end]``, the invisible
        characters inside it included (a mask must cover them)."""
        if start >= end:
            at = self.begin[start] if start < len(self.begin) else self.written_length
            return at, at
        return min(self.begin[start:end]), max(self.end[start:end])


def views(text: str) -> list[View]:
    """The readings of ``text`` the detectors must each search: in the order written, and also
    in the order displayed where a right-to-left override reverses part of it. Empty where
    ``text`` reads as it is written, as every ASCII text does, whose cost is then one test."""
    if text.isascii():
        return []
    begin: Sequence[int]
    end: Sequence[int]
    if _INVISIBLE.search(text) or not unicodedata.is_normalized("NFKC", text):
        shown, begin, end = _fold(text)
    else:
        shown, begin, end = text, range(len(text)), range(1, len(text) + 1)
    written = _as_read(text, shown, begin, end)
    readings = [] if written is None else [written]
    if _RLO in text:
        displayed = _as_read(text, *_in_display_order(text, shown, begin, end))
        readings += [] if displayed is None else [displayed]
    return readings


def as_shown(text: str) -> str:
    """``text`` as shown, in the order written, where no offset into it is needed."""
    readings = views(text)
    return readings[0].text if readings else text


def texts_as_shown(text: str) -> list[str]:
    """Each reading of ``text`` (``views``), where no offset into it is needed."""
    return [reading.text for reading in views(text)] or [text]


def spans_as_shown(text: str, find: Callable[[str], Iterable[Span]]) -> list[Span]:
    """What ``find`` finds in any reading of ``text`` (``views``), as offsets of ``text`` as
    written; spans of one detail found in both readings overlap (``screen`` merges them)."""
    readings = views(text)
    if not readings:
        return list(find(text))
    return [
        (kind, *reading.written(start, end))
        for reading in readings
        for kind, start, end in find(reading.text)
    ]


def _as_read(text: str, shown: str, begin: Sequence[int], end: Sequence[int]) -> View | None:
    """``shown`` with look-alike letters and hyphens read as what they are drawn as; None
    where that is ``text`` itself."""
    if not LOOKALIKES.isdisjoint(shown):
        shown = _WITH_LOOKALIKE.sub(_as_latin, shown)
    if not _HYPHEN_CHARS.isdisjoint(shown):
        shown = shown.translate(_HYPHENS)
    if shown == text:
        return None
    return View(shown, begin, end, len(text))


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """The invisible characters dropped, every other one in its NFKC form; with the written
    span of each character of the result."""
    parts: list[str] = []
    begin: list[int] = []
    end: list[int] = []
    for match in _UNIT.finditer(text):
        start, stop = match.span()
        unit = match.group(0)
        if unit.isascii():
            parts.append(unit)
            begin.extend(range(start, stop))
            end.extend(range(start + 1, stop + 1))
            continue
        shown = _INVISIBLE.sub("", unicodedata.normalize("NFKC", unit))
        parts.append(shown)
        begin.extend([start] * len(shown))
        end.extend([stop] * len(shown))
    return "".join(parts), begin, end


def _in_display_order(
    text: str, folded: str, begin: Sequence[int], end: Sequence[int]
) -> tuple[str, list[int], list[int]]:
    """``_fold``'s result of ``text`` with each right-to-left override run reversed."""
    chars, shown_begin, shown_end = list(folded), list(begin), list(end)
    for run_start, run_end in _reversed_runs(text):
        first = bisect.bisect_left(shown_begin, run_start)
        last = bisect.bisect_left(shown_begin, run_end)
        chars[first:last] = chars[first:last][::-1]
        shown_begin[first:last] = shown_begin[first:last][::-1]
        shown_end[first:last] = shown_end[first:last][::-1]
    return "".join(chars), shown_begin, shown_end


def _reversed_runs(text: str) -> list[tuple[int, int]]:
    """The written spans a right-to-left override shows reversed: from the override to the
    PDF that closes it or the paragraph's end, the outermost override of a nest only. One
    pass with a stack and a count of the overrides on it, so that a hostile nest of
    thousands of embeddings costs no more than as many letters."""
    runs: list[tuple[int, int]] = []
    opened: list[str] = []
    overrides = 0
    outermost = 0  # where the outermost open override's text begins, while ``overrides``
    for match in _BIDI.finditer(text):
        char, at = match.group(0), match.start()
        if char in _PUSH:
            if char == _RLO:
                outermost = outermost if overrides else at + 1
                overrides += 1
            opened.append(char)
        elif char == _PDF:
            if opened and opened.pop() == _RLO:
                overrides -= 1
                if not overrides:
                    runs.append((outermost, at))
        else:
            if overrides:
                runs.append((outermost, at))
            overrides = 0
            opened.clear()
    if overrides:
        runs.append((outermost, len(text)))
    return runs


def _as_latin(word: regex.Match[str]) -> str:
    """A word that mixes Latin letters with Cyrillic or Greek look-alikes, as it reads (no
    language writes one so); a word wholly in another alphabet is left as it is."""
    written = word.group(0)
    return written.translate(LATIN_OF) if _LATIN.search(written) else written
