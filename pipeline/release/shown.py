"""A comment as a reader sees it, which is what the detectors must read.

A zero-width space, a soft hyphen or a word joiner inside "fucking", a fullwidth ｆｕｃｋ, a
Cyrillic с in it, or ``\\u202egnikcuf\\u202c`` (a right-to-left override: its letters are shown
reversed) all print as the plain word in a report, yet a pattern of the plain word misses them.
So the detectors read a view of the text: what is invisible dropped (format characters and
the other default-ignorable ones), compatibility forms made the letters they show (NFKC),
a Latin word's Cyrillic or Greek look-alike letters made Latin, hyphens and en dashes made
``-``, and each right-to-left override run put in the order it is displayed. What they find is
given back as offsets of the text as written, which a report masks and the list shows. Pure.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import regex

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

_DRAWN_AS_LATIN = "аеорсухѕіјԁӏһԛԝкАВЕКМНОРСТУХЅІЈҮαικνορυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
"""Cyrillic and Greek letters drawn as Latin ones; ``_LATIN_DRAWN`` says which, in order."""
_LATIN_DRAWN = "aeopcyxsijdlhqwkABEKMHOPCTYXSIJYaikvopuxABEZHIKMNOPTYX"
_LOOKALIKES = str.maketrans(_DRAWN_AS_LATIN, _LATIN_DRAWN)
_LOOKALIKE_CHARS = frozenset(_DRAWN_AS_LATIN)
_WITH_LOOKALIKE = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}])[\p{{L}}\p{{M}}]*[{_DRAWN_AS_LATIN}][\p{{L}}\p{{M}}]*"
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


def view(text: str) -> View | None:
    """``text`` as shown; None where that is ``text`` itself, as for every ASCII text, whose
    cost is then one test."""
    if text.isascii():
        return None
    begin: Sequence[int]
    end: Sequence[int]
    if _INVISIBLE.search(text) or not unicodedata.is_normalized("NFKC", text):
        shown, begin, end = _fold(text)
    else:
        shown, begin, end = text, range(len(text)), range(1, len(text) + 1)
    if not _LOOKALIKE_CHARS.isdisjoint(shown):
        shown = _WITH_LOOKALIKE.sub(_as_latin, shown)
    if not _HYPHEN_CHARS.isdisjoint(shown):
        shown = shown.translate(_HYPHENS)
    if shown == text:
        return None
    return View(shown, begin, end, len(text))


def as_shown(text: str) -> str:
    """``text`` as shown, where no offset into it is needed."""
    shown = view(text)
    return shown.text if shown else text


def spans_as_shown(text: str, find: Callable[[str], Iterable[Span]]) -> list[Span]:
    """What ``find`` finds in ``text`` as shown, as offsets of ``text`` as written."""
    shown = view(text)
    if shown is None:
        return list(find(text))
    return [(kind, *shown.written(start, end)) for kind, start, end in find(shown.text)]


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """The invisible characters dropped, every other one in its NFKC form, the right-to-left
    override runs reversed; with the written span of each character of the result."""
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
    chars = list("".join(parts))
    for run_start, run_end in _reversed_runs(text):
        first, last = bisect.bisect_left(begin, run_start), bisect.bisect_left(begin, run_end)
        chars[first:last] = chars[first:last][::-1]
        begin[first:last] = begin[first:last][::-1]
        end[first:last] = end[first:last][::-1]
    return "".join(chars), begin, end


def _reversed_runs(text: str) -> list[tuple[int, int]]:
    """The written spans a right-to-left override shows reversed: from the override to the
    PDF that closes it or the paragraph's end, the outermost override of a nest only."""
    runs: list[tuple[int, int]] = []
    opened: list[tuple[str, int]] = []
    for match in _BIDI.finditer(text):
        char, at = match.group(0), match.start()
        if char in _PUSH:
            opened.append((char, at + 1))
            continue
        closing = opened[-1:] if char == _PDF else opened[:]
        del opened[len(opened) - len(closing) :]
        overrides = [start for kind, start in closing if kind == _RLO]
        if overrides and all(kind != _RLO for kind, _start in opened):
            runs.append((overrides[0], at))
    overrides = [start for kind, start in opened if kind == _RLO]
    if overrides:
        runs.append((overrides[0], len(text)))
    return runs


def _as_latin(word: regex.Match[str]) -> str:
    """A word that mixes Latin letters with Cyrillic or Greek look-alikes, as it reads (no
    language writes one so); a word wholly in another alphabet is left as it is."""
    written = word.group(0)
    return written.translate(_LOOKALIKES) if _LATIN.search(written) else written
