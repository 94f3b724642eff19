"""Pure word logic for explanations: words of a comment, token → word merging, top words and the
``explanation`` cell.

A *word* is what a reader sees: letters and digits with the apostrophes and hyphens inside
them ("didn't", "well-paced"), a single emoji, or a run of other punctuation ("!!!"). The model
reads WordPiece tokens of the prepared text (emoji spelled out as their names, see
pipeline/model/textprep.py); every token is mapped back to the word of the original comment it
came from, so "👎" is the word that gets the attribution of "thumbs down", and ":)" that of
"slightly smiling face".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from pipeline.model.lookalikes import latin_lookalikes
from pipeline.model.textprep import emoticon_spans

_WORD = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]+")
_READABLE = re.compile(r"\w")
_CELL_ITEM = re.compile(r"^(?P<word>.+):(?P<score>[+-]\d+(?:\.\d+)?)$")
SEPARATOR = ";"
MAX_DIGITS = 6
"""The most decimals a cell's score gets (``+0.000004``)."""


@dataclass(frozen=True)
class Word:
    """One word of a comment: its text and where it sits (character offsets, end excluded)."""

    text: str
    start: int
    end: int
    readable: bool
    """Whether a person would call it a word (letters, digits or an emoji, not only
    punctuation): only readable words are listed among a row's top words."""


@dataclass(frozen=True)
class PreparedText:
    """The text the model reads, and for each of its characters the original one it came from."""

    text: str
    origin: np.ndarray


@dataclass(frozen=True)
class WordScore:
    """A word and its signed attribution: positive pushed toward the explained label."""

    word: str
    start: int
    end: int
    score: float
    readable: bool = True


@cache
def _emoji() -> Any:
    import emoji

    return emoji


def _emoji_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, emoji) of every emoji and emoticon, in order: each is one word, read as the
    emoji's name (pipeline/model/textprep.py)."""
    spans = emoticon_spans(text)
    if text.isascii():
        return spans
    found = [(m["match_start"], m["match_end"], m["emoji"]) for m in _emoji().emoji_list(text)]
    return sorted([*spans, *found])


def split_words(text: str) -> list[Word]:
    """The words of ``text`` in order; every character that is not a space belongs to one."""
    words: list[Word] = []
    cursor = 0
    for start, end, _ in [*_emoji_spans(text), (len(text), len(text), "")]:
        for match in _WORD.finditer(text, cursor, start):
            words.append(Word(match.group(), match.start(), match.end(), _is_readable(match)))
        if end > start:
            words.append(Word(text[start:end], start, end, True))
        cursor = end
    return words


def _is_readable(match: re.Match[str]) -> bool:
    return _READABLE.search(match.group()) is not None


def prepare_with_origin(text: str) -> PreparedText:
    """``prepare_text(text)`` up to spacing (which WordPiece ignores), with a map back.

    Every character of a spelled-out emoji or emoticon maps to its first character, every other
    one to itself (a look-alike read as its Latin letter too: one for one). As in prepare_text,
    underscores become spaces once any emoji was spelled out.
    """
    text = latin_lookalikes(text)
    spans = _emoji_spans(text)
    if not spans:
        return PreparedText(text, np.arange(len(text), dtype=np.int64))
    pieces: list[str] = []
    origins: list[np.ndarray] = []
    cursor = 0
    for start, end, symbol in spans:
        pieces.append(text[cursor:start].replace("_", " "))
        origins.append(np.arange(cursor, start, dtype=np.int64))
        name = " " + _emoji().demojize(symbol, delimiters=("", "")).replace("_", " ") + " "
        pieces.append(name)
        origins.append(np.full(len(name), start, dtype=np.int64))
        cursor = end
    pieces.append(text[cursor:].replace("_", " "))
    origins.append(np.arange(cursor, len(text), dtype=np.int64))
    return PreparedText("".join(pieces), np.concatenate(origins))


def word_of_char(words: Sequence[Word], length: int) -> np.ndarray:
    """For every character of the original text, the index of its word (-1 for spaces)."""
    owner = np.full(length, -1, dtype=np.int64)
    for index, word in enumerate(words):
        owner[word.start : word.end] = index
    return owner


def token_words(
    offsets: Sequence[tuple[int, int]],
    special: Sequence[int],
    prepared: PreparedText,
    char_word: np.ndarray,
) -> np.ndarray:
    """The word each token of one window belongs to (-1 for [CLS], [SEP] and padding)."""
    out = np.full(len(offsets), -1, dtype=np.int64)
    for position, ((start, end), is_special) in enumerate(zip(offsets, special, strict=True)):
        if is_special or end <= start:
            continue
        out[position] = char_word[prepared.origin[start]]
    return out


def shares(attributions: np.ndarray) -> np.ndarray:
    """Each word's share of the comment's evidence: attribution / sum of sizes (signs kept)."""
    total = float(np.abs(attributions).sum())
    if total == 0.0 or not np.isfinite(total):
        return np.zeros_like(attributions, dtype=np.float64)
    return np.asarray(attributions, dtype=np.float64) / total


def score_words(words: Sequence[Word], scores: np.ndarray) -> list[WordScore]:
    return [
        WordScore(w.text, w.start, w.end, float(s), w.readable)
        for w, s in zip(words, scores, strict=True)
    ]


def top_words(scored: Sequence[WordScore], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` readable words with the largest scores in size, signs kept.

    A word written several times (ignoring case) is listed once, as written at its strongest
    occurrence, with the sum of its occurrences' scores: its share of the whole comment, so a
    word a long comment repeats 70 times weighs as it does there. Ties keep text order.
    """
    if k < 1:
        return []
    totals: dict[str, float] = {}
    shown: dict[str, WordScore] = {}
    for item in scored:
        if not item.readable:
            continue
        key = item.word.casefold()
        totals[key] = totals.get(key, 0.0) + item.score
        if key not in shown or abs(item.score) > abs(shown[key].score):
            shown[key] = item
    ranked = sorted(
        (key for key in totals if totals[key] != 0.0), key=lambda key: -abs(totals[key])
    )
    return [(shown[key].word, totals[key]) for key in ranked[:k]]


def format_explanation(pairs: Sequence[tuple[str, float]], digits: int = 2) -> str:
    """The ``explanation`` cell: ``great:+0.41;unfair:-0.22`` (empty when there is nothing).

    A word never holds ``;`` (top_words lists no such word; one is refused), so the cell splits back
    unambiguously with parse_explanation. A score that ``digits`` decimals would show as 0 is
    given two significant digits (``+0.0031``: a long comment spreads its shares over
    thousands of words), up to ``MAX_DIGITS`` decimals; one smaller still keeps its sign
    (``-0.00``: it still leaned against the label).
    """
    if any(SEPARATOR in word for word, _ in pairs):
        raise ValueError(f"a word of an explanation cannot hold {SEPARATOR!r}: {pairs!r}")
    return SEPARATOR.join(f"{word}:{_signed(score, digits)}" for word, score in pairs)


def _signed(score: float, digits: int) -> str:
    size = abs(score)
    places = digits
    if 0.0 < size < 0.5 * 10.0**-digits:
        places = min(1 - math.floor(math.log10(size)), MAX_DIGITS)
        places = places if round(size, places) else digits
    return f"{'-' if score < 0 else '+'}{size:.{places}f}"


def parse_explanation(cell: str) -> list[tuple[str, float]]:
    """Read an ``explanation`` cell back into (word, score) pairs."""
    pairs: list[tuple[str, float]] = []
    for item in filter(None, (part.strip() for part in cell.split(SEPARATOR))):
        match = _CELL_ITEM.match(item)
        if match is None:
            raise ValueError(f"not an explanation item (word:+0.00): {item!r}")
        pairs.append((match["word"], float(match["score"])))
    return pairs


def highlight_segments(text: str, scored: Sequence[WordScore]) -> list[tuple[str, float | None]]:
    """The whole comment cut into pieces for highlighting: (piece, score of its word, or None
    for the spaces between words). Joining the pieces gives the comment back."""
    segments: list[tuple[str, float | None]] = []
    cursor = 0
    for word in sorted(scored, key=lambda w: w.start):
        if word.start > cursor:
            segments.append((text[cursor : word.start], None))
        segments.append((text[word.start : word.end], word.score))
        cursor = word.end
    if cursor < len(text):
        segments.append((text[cursor:], None))
    return segments


def top_fraction(scores: np.ndarray, fraction: float) -> np.ndarray:
    """Indices of the ``fraction`` of words with the highest signed scores (at least one word,
    ``ceil(fraction × n)``), as ERASER ranks a rationale; ties keep text order."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError("fraction must be in (0, 1]")
    count = max(1, math.ceil(fraction * len(scores) - 1e-9))
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:count]
