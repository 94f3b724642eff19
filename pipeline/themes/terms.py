"""A comment → the 1-2-word terms that may name its theme (keywords and coverage share this).

Keywords are words the students wrote. So personal details are blanked first
(``pipeline.release.personal``: an e-mail address, a phone, the writer's own name are no
theme's keywords), and so are web addresses and any token with an "@" (``http``, ``www``,
``com`` are pieces of a link, not of what a comment says). Then: words of letters,
lower-cased (digits, codes like CHEM110 and punctuation dropped), possessive ``'s`` cut, stop
words removed (placeholders such as "na" and "nil" among them), and each emoji as the word it
is ("😡", its skin tone left aside; never spelled out as the model reads it, "😂" as "face with
tears of joy": "face" is no word a student wrote); every remaining word is a term, and so is
every pair of words adjacent AFTER the removal ("the exams were unfair" → exams, unfair,
"exams unfair"), as BERTopic's default CountVectorizer does. Three changes to that:

- negations stay ("no", "not", "never"; "n't", "cannot", "dont" → "not"), but only as the
  first word of a pair, and the word they negate is no term of its own there, nor the first
  word of a pair: "lectures were not clear" gives "not clear" alone, where dropping "not"
  would give the opposite "lectures clear" and "clear";
- a word is never paired with itself ("great great great" is "great");
- a term's key folds a plural "s" ("exams" and "exam" are one term); it is shown in the form
  most comments use (``surface``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

from pipeline.release.personal import without_personal_details
from pipeline.themes.stopwords import CONTRACTED_NOT, NEGATIONS, stop_words

_WORD = re.compile(r"\b[^\W\d_]+(?:'[^\W\d_]+)*\b")
_NOT_WRITING = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)\S*"  # a link with its scheme or www.
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|edu|gov|io|info|biz|uk|ca|au|de|fr)\b(?:/\S*)?"
    r"|\S*@\S*",  # an e-mail address, a handle: any token with an @
    re.IGNORECASE,
)
"""Web addresses (``http://…``, ``www.…``, ``example.com/slides``) and tokens with an "@":
their pieces ("http", "example", "com") are not words of the comment."""
_LINK_HINT = re.compile(r"://|www\.|@|\.(?:com|org|net|edu|gov|io|info|biz|uk|ca|au|de|fr)\b", re.I)
"""What every text ``_NOT_WRITING`` finds something in holds. Most comments hold none, and
this scan is cheap where that pattern retries at every word (terms of 20,000 comments: 1.1 s
without the link rule, 3.1 s with the pattern alone, 1.1 s with this scan first)."""
MIN_WORD_CHARS = 2
_EMOJI_VARIANTS = dict.fromkeys([0xFE0F, *range(0x1F3FB, 0x1F400)])
"""Emoji presentation and skin tones: "👍🏽" and "👍" are one term."""
_NEGATION = {word: word for word in NEGATIONS} | dict.fromkeys(CONTRACTED_NOT, "not")


@lru_cache(maxsize=65536)
def fold_plural(word: str) -> str:
    """A crude singular, to count "exam" and "exams" as one term."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The content words and negations of ``text``, in order, as written (lower-cased); none
    from a personal detail (an e-mail address, a phone, the writer's own name), so a theme's
    keywords never spell one out, and none from a link; an emoji is a word of its own."""
    stops = stop_words()
    kept = []
    plain = without_personal_details(text)
    if _LINK_HINT.search(plain):
        plain = _NOT_WRITING.sub(" ", plain)
    for token in _tokens(plain.lower().replace("\\'", "'")):
        if not token.isascii() and _emoji().is_emoji(token):
            kept.append(token.translate(_EMOJI_VARIANTS))
            continue
        if "'" in token:
            if token.endswith("n't"):
                token = "not"
            elif token.endswith("'s"):
                token = token[:-2]
            else:
                continue
        negation = _NEGATION.get(token)
        if negation is not None:
            kept.append(negation)
        elif len(token) >= MIN_WORD_CHARS and token not in stops:
            kept.append(token)
    return kept


def _tokens(text: str) -> Iterator[str]:
    """The words of letters and the emoji of ``text``, in order."""
    cursor = 0
    spans = _emoji().emoji_list(text) if not text.isascii() else []
    for span in spans:
        yield from _WORD.findall(text, cursor, span["match_start"])
        yield span["emoji"]
        cursor = span["match_end"]
    yield from _WORD.findall(text, cursor)


@cache
def _emoji() -> Any:
    import emoji

    return emoji


def surface_terms(text: str) -> list[tuple[str, str]]:
    """(key, as written) of every term: single words, then pairs; repeats kept. A word right
    after a negation is only part of the negation's pair ("not helpful", never "helpful")."""
    written = words(text)
    keys = [fold_plural(word) for word in written]
    negated = [False, *(word in NEGATIONS for word in written[:-1])]
    found = [
        (keys[i], written[i])
        for i in range(len(written))
        if written[i] not in NEGATIONS and not negated[i]
    ]
    found += [
        (f"{keys[i]} {keys[i + 1]}", f"{written[i]} {written[i + 1]}")
        for i in range(len(written) - 1)
        if written[i + 1] not in NEGATIONS and not negated[i] and keys[i] != keys[i + 1]
    ]
    return found


def terms(text: str) -> list[str]:
    """The term keys of ``text`` (what keywords and coverage compare)."""
    return [key for key, _ in surface_terms(text)]
