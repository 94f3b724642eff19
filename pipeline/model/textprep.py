"""Text normalisation shared by training and prediction, so the model sees the same text both ways.

Emoji carry much of the sentiment of short comments ("😡😡😡", "👎"), but the base encoder's
vocabulary maps most of them to [UNK]. They are spelled out as their names ("enraged face",
"thumbs down"), which the encoder already understands, before tokenizing.

Emoticons (":)", ":(", "<3") in a short comment are read as the emoji they stand for (🙂, ☹️,
❤️), then spelled out the same way: as ASCII punctuation with nothing around them the model
read ":)", ":(" and "<3" as neutral. In a longer comment they stay as written: the model learned
them there, from some 300 reviews, tweets and course comments that hold them, and reading them
as emoji cost it a course comment of 461 (a suggestion that ends "thank you. :)" read as praise;
docs/pipeline.md, *Emoticons*).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pipeline.model.lookalikes import latin_lookalikes

_SPACES = re.compile(r"\s+")
_SST_SPACING = (
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
    (re.compile(r" ([,.;:!?%)])"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
)


_EMOTICON_EMOJI = (
    (r"[:=]-?\)+|[:=]-?\]", "🙂"),
    (r"[:=]-?D+|(?<!\w)[xX]D+", "😀"),
    (r";-?[)\]D]+", "😉"),
    (r"[:=;]'-?\(+|[:;],\(+|(?<!\w)T_T|;_;", "😭"),
    (r"[:=]-?\(+|[:=]-?\[", "☹️"),
    (r"[:=]-?[/\\]", "😕"),
    (r"[:=]-?\|", "😐"),
    (r"[:=;]-?[pP]", "😛"),
    (r"[:=]-?[oO]", "😮"),
    (r"(?<!\w)</3+", "💔"),
    (r"(?<!\w)<3+", "❤️"),
    (r"\^_*\^", "😊"),
    (r"-_+-", "😑"),
)
"""Each emoticon family and the emoji read for it, chosen among those the model already reads
with the emoticon's sentiment."""
_EMOTICON = re.compile(
    r"(?<![:;=<^/\\'-])(?:"
    + "|".join(f"(?P<e{i}>{pattern})" for i, (pattern, _) in enumerate(_EMOTICON_EMOJI))
    + r")(?![\w/\\:;=<>^'()\[\]|-])"
)
"""An emoticon stands alone: not inside a word, a link ("http://"), a path ("C:\\") or a
longer run of punctuation; "class:)" and ":))" are emoticons, "f(x)" and "10:30" are not.
XD, T_T and <3 need a space, punctuation or the text's edge on their left ("if x<3")."""


_EMOTICON_MARKS = (":", ";", "=", "<", "^", "_", "XD", "xD")
"""What every emoticon holds: a comment without any (most) skips the search, and a substring
test costs a fraction of a regular expression's scan."""
SHORT_COMMENT_WORDS = 3
"""The most words (emoticons aside) of a comment whose emoticons are read as emoji."""
_WORD = re.compile(r"[^\W_]+")


def find_emoticons(text: str) -> list[tuple[int, int, str]]:
    """(start, end, emoji) of every emoticon of ``text``, in order, whatever its length."""
    return _searched(text) if any(mark in text for mark in _EMOTICON_MARKS) else []


def _searched(text: str) -> list[tuple[int, int, str]]:
    return [
        (match.start(), match.end(), _EMOTICON_EMOJI[int(match.lastgroup[1:])][1])
        for match in _EMOTICON.finditer(text)
        if match.lastgroup is not None
    ]


def emoticon_spans(text: str) -> list[tuple[int, int, str]]:
    """The emoticons the model reads as emoji: those of a comment of at most
    ``SHORT_COMMENT_WORDS`` words besides them (none in a longer one)."""
    if not any(mark in text for mark in _EMOTICON_MARKS):
        return []
    marks = sum(text.count(mark) for mark in _EMOTICON_MARKS)
    if len(_WORD.findall(text)) - 2 * marks > SHORT_COMMENT_WORDS:
        return []  # an emoticon holds a mark and at most two words ("T_T"): too long either way
    spans = _searched(text)
    if not spans:
        return []
    pieces, cursor = [], 0
    for start, end, _ in spans:
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    words = len(_WORD.findall(" ".join(pieces)))
    return spans if words <= SHORT_COMMENT_WORDS else []


def emoticons_as_emoji(text: str) -> str:
    """``text`` with each emoticon replaced by its emoji, spaced: ``spell_out_emoji`` then
    names it and tidies the spacing."""
    pieces: list[str] = []
    cursor = 0
    for start, end, symbol in emoticon_spans(text):
        pieces.append(f"{text[cursor:start]} {symbol} ")
        cursor = end
    return "".join(pieces) + text[cursor:] if pieces else text


@cache
def _emoji() -> Any:
    import emoji

    return emoji


def spell_out_emoji(text: str) -> str:
    """Replace each emoji by its CLDR name in words; ASCII text is returned unchanged."""
    if text.isascii():
        return text
    named = _emoji().demojize(text, delimiters=(" ", " "))
    if named == text:
        return text
    return _SPACES.sub(" ", named.replace("_", " ")).strip()


def prepare_text(text: str) -> str:
    """What the model reads for a comment (the stored comment itself is never changed):
    Cyrillic and Greek look-alikes of Latin letters read as them (pipeline/model/lookalikes.py),
    emoticons and emoji spelled out."""
    return spell_out_emoji(emoticons_as_emoji(latin_lookalikes(text)))


def untokenize_sst(text: str) -> str:
    """Undo SST's Penn-Treebank spacing ("is n't", "film 's", "good ,") so SST phrases read like
    the comments the model will label; "isn't" and "is n't" tokenize differently."""
    for pattern, replacement in _SST_SPACING:
        text = pattern.sub(replacement, text)
    return text
