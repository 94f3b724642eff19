"""Comments with no opinion in them: placeholders such as "N/A", "-", "none" or "No comments".

Survey exports fill unanswered questions with such placeholders. The model would give them a
confident label and they would inflate the shares, so they get no label and the reason
``no comment``, like blank comments. A comment matches when its whole text, after
normalisation (case folded, accents and punctuation dropped, spaces removed), is one of the
phrases below or nothing at all ("...", "--", "?"). Emoji and emoticons are kept: "👎" and
":(" are opinions.

Everyday placeholders wrap a phrase in words that add nothing: "No additional comments at
this time.", "I have no comments", "none so far", "no comments, thanks". A comment that is
not a phrase as it stands is tried once more with a leading "I have" and up to three trailing
fillers ("at this time", "for now", "so far", "thanks"…, ``TRAILING_FILLERS``) set aside, and
with its emoji dropped ("None 🙂": an emoji beside a placeholder no more makes it an opinion
than ":)" does, which punctuation already drops). What is left must be a whole phrase, so
"No comments on the lectures, but the exams were unfair" and "None of the labs worked" are
still opinions, and a comment of fillers alone ("Thanks!") is not a placeholder.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.chunk_chars import ChunkChars
from pipeline.model.textprep import find_emoticons

NO_OPINION_REASON = "no comment"

DEFAULT_PHRASES = (
    "n/a", "na", "n.a.", "nan", "null", "nil", "none", "none at all", "none really",
    "no", "nope", "nah", "non", "nothing", "nothing really", "nothing at all",
    "nothing to add", "nothing to say", "nothing to report", "nothing else", "nothing more",
    "nothing more to add", "nothing further", "nothing in particular", "nothing comes to mind",
    "nothing else to add", "nothing else to say", "nothing more to say",
    "no comment", "no comments", "no comment at all", "no comments at all", "no comment(s)",
    "no further comment", "no further comments", "no additional comment",
    "no additional comments", "no other comment", "no other comments", "no more comment",
    "no more comments", "no comments for now", "no suggestion", "no suggestions",
    "no response", "no answer", "not applicable", "idk", "i don't know", "dont know",
    "no idea", "see above", "as above", "same as above", "ditto", "blank", "empty",
    "x", "xx", "xxx",
)  # fmt: skip
"""The documented default list (docs/pipeline.md); PIPELINE_NO_OPINION_EXTRA and
PIPELINE_NO_OPINION_FILE add to it."""

_EMOTICON = re.compile(
    r"""[:;=8xX][-'^o]?[()\[\]dDpP/\\|*3oO@$]|[()\[\]/\\|][-'^o]?[:;=]|<3|\^_*\^|[tT]_[tT]"""
)
"""":)", ";-(", ":D", ":P", "=/", "(:", "<3", "^^", "T_T": sentiment without letters (with those
the model reads as emoji, pipeline.model.textprep: "-_-")."""

TRAILING_FILLERS = (
    "at this time", "at the moment", "at this point", "for now", "right now", "so far",
    "thanks", "thank you", "many thanks", "thanks a lot", "thank you very much",
)  # fmt: skip
"""Words that end a placeholder without adding to it ("No comments at this time, thanks")."""
_MOST_TRAILING = 3
_LEADING_FILLER = re.compile(r"^\W*i\W*(?:have|ve)\b", re.IGNORECASE)
""""I have no comments", "I've nothing to add": the "I have" is set aside."""
_TRAILING_REVERSED = re.compile(
    r"(?:\W*(?:"
    + "|".join(  # the longest first: "many thanks" before "thanks"
        re.escape(filler[::-1]).replace(r"\ ", r"\W+")
        for filler in sorted(TRAILING_FILLERS, key=len, reverse=True)
    )
    + rf")\b){{1,{_MOST_TRAILING}}}",
    re.IGNORECASE,
)
"""Up to three trailing fillers, each a whole word or words, matched on the reversed text:
anchored at its start, a match costs what the fillers are long, not what the comment is."""
_FILLER_LETTERS = len("ihave") + _MOST_TRAILING * max(
    len(filler.replace(" ", "")) for filler in TRAILING_FILLERS
)
"""The most ASCII letters setting fillers aside removes from a comment."""


def normalise(text: str) -> str:
    """The comparison key of a comment or phrase: letters, digits and symbols (emoji) only,
    case-folded, accents dropped, no spaces; "No comment(s)." and "no-comments" both give
    ``nocomments``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] in "LNS")


@dataclass(frozen=True)
class NoOpinion:
    """Tells whether a comment is a placeholder; built once per worker."""

    keys: frozenset[str]

    @classmethod
    def with_extra(cls, extra: Iterable[str] = ()) -> NoOpinion:
        """The default phrases plus ``extra`` (empty ones are ignored)."""
        keys = {normalise(phrase) for phrase in (*DEFAULT_PHRASES, *extra)}
        keys.discard("")
        return cls(frozenset(keys))

    def __call__(self, text: str) -> bool:
        key = normalise(text)
        if not key:
            return _EMOTICON.search(text) is None and not find_emoticons(text)
        if key in self.keys:
            return True
        if (bare := without_fillers(text)) is not None:
            key = normalise(bare)
        key = "".join(ch for ch in key if unicodedata.category(ch)[0] != "S")  # emoji
        return bool(key) and key in self.keys

    @functools.cached_property
    def longest(self) -> int:
        """The length of the longest normalised phrase."""
        return max(map(len, self.keys), default=0)

    def many(self, texts: Sequence[str]) -> list[bool]:
        """``self(text)`` of every text of a chunk. Normalising costs tens of microseconds a
        comment; a text with more ASCII letters and digits than the longest phrase has
        cannot be one (each of them stays one character in ``normalise``, and nothing it
        does removes one), so only the others are normalised (counted for the chunk at once)
        — and those with at most ``_FILLER_LETTERS`` more that start or end with fillers
        (``without_fillers``: a regular expression, far cheaper than normalising)."""
        counts = ascii_alphanumerics(texts)
        found = [False] * len(texts)
        for i in np.flatnonzero(counts <= self.longest + _FILLER_LETTERS).tolist():
            if counts[i] <= self.longest or without_fillers(texts[i]) is not None:
                found[i] = self(texts[i])
        return found


def without_fillers(text: str) -> str | None:
    """``text`` with a leading "I have" and up to three trailing fillers (``TRAILING_FILLERS``)
    set aside; None when it has none. What is removed holds no more ASCII letters and digits
    than those fillers (the rest is not a letter or digit), so ``NoOpinion.many`` can bound
    what it normalises."""
    bare = text
    if (lead := _LEADING_FILLER.match(bare)) is not None:
        bare = bare[lead.end() :]
    if (trail := _TRAILING_REVERSED.match(bare[::-1])) is not None:
        bare = bare[: len(bare) - trail.end()]
    return None if bare == text else bare


def ascii_alphanumerics(texts: Sequence[str]) -> np.ndarray:
    """How many ASCII letters and digits each text holds."""
    chars = ChunkChars.of(texts)
    points = chars.points
    return chars.count(_ASCII_ALPHANUMERIC[np.minimum(points, 127)] & (points < 128))


_ASCII_ALPHANUMERIC = np.zeros(128, dtype=bool)
_ASCII_ALPHANUMERIC[[ord(ch) for ch in string.ascii_letters + string.digits]] = True


def extra_phrases(listed: str, file: str) -> list[str]:
    """The phrases of PIPELINE_NO_OPINION_EXTRA (comma-separated) and of the file named by
    PIPELINE_NO_OPINION_FILE (one phrase a line; lines starting with # are comments)."""
    phrases = [part.strip() for part in listed.split(",") if part.strip()]
    if file:
        path = Path(file).expanduser()
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"PIPELINE_NO_OPINION_FILE={file!r} cannot be read as UTF-8 text: {exc}"
            ) from exc
        phrases.extend(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return phrases
