"""Text normalisation shared by training and prediction, so the model sees the same text both ways.

Emoji carry much of the sentiment of short comments ("😡😡😡", "👎"), but the base encoder's
vocabulary maps most of them to [UNK]. They are spelled out as their names ("enraged face",
"thumbs down"), which the encoder already understands, before tokenizing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_SPACES = re.compile(r"\s+")
_SST_SPACING = (
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE), r"\1"),
    (re.compile(r" ([,.;:!?%)])"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
)


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
    """What the model reads for a comment (the stored comment itself is never changed)."""
    return spell_out_emoji(text)


def untokenize_sst(text: str) -> str:
    """Undo SST's Penn-Treebank spacing ("is n't", "film 's", "good ,") so SST phrases read like
    the comments the model will label; "isn't" and "is n't" tokenize differently."""
    for pattern, replacement in _SST_SPACING:
        text = pattern.sub(replacement, text)
    return text
