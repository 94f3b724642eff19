"""Cyrillic and Greek letters that look like Latin ones, read as the Latin letters, in an
English comment; and fullwidth Latin letters, digits and punctuation (``Ｇｒｅａｔ``, typed with a
Chinese or Japanese input method left in fullwidth mode) read as the ASCII ones.

"Grеat cоurse" typed with a Cyrillic е and о (a keyboard layout left on, a text pasted from
elsewhere, or a test of the tool) reads the same to a person, but the encoder splits those
words into pieces it does not know: the model gave it positive 0.52 where the Latin spelling
gets 0.96, and "Тhе lесturеs wеrе tеrriblе" was refused as Serbian. A look-alike is read as
its Latin letter where the text shows it stands for one: in a word that mixes it with Latin
letters, and anywhere in a comment whose letters are mostly Latin and whose others are all
look-alikes. A comment in Russian or Greek has other letters too, or is mostly its own
script ("Курс ok": К, у, р and с all look like Latin letters), and a word wholly of its own
script is otherwise never changed, so it stays what it is. One character for one, so every
offset into the comment still holds (explanations map words back by them). The stored comment
is never changed; only what the model and the language screen read.

Fullwidth forms are always read as ASCII (their Unicode compatibility mapping):
"Ｔｈｅ ｌｅｃｔｕｒｅｓ ｗｅｒｅ ｔｅｒｒｉｂｌｅ" was refused as Japanese, and read
as written the model called it neutral (0.83). A Japanese or Chinese comment keeps its own
script, so it is still told as its language.
"""

from __future__ import annotations

import re

DRAWN_AS_LATIN = "аеорсухѕіјԁӏһԛԝкАВЕКМНОРСТУХЅІЈҮαικνορυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
"""Cyrillic and Greek letters drawn as Latin ones (Unicode's confusables, the single letters
among them). The model reads them here; the release screen's view of a comment
(pipeline/release/shown.py) reads them too, so both see one list."""
LATIN_OF = str.maketrans(DRAWN_AS_LATIN, "aeopcyxsijdlhqwkABEKMHOPCTYXSIJYaikvopuxABEZHIKMNOPTYX")
"""Each look-alike and the Latin letter it passes for, in ``DRAWN_AS_LATIN``'s order."""
LOOKALIKES = frozenset(DRAWN_AS_LATIN)
"""``DRAWN_AS_LATIN`` as a set, to ask whether a text holds any."""
ASCII_OF_FULLWIDTH = {0xFF01 + offset: 0x21 + offset for offset in range(94)} | {0x3000: 0x20}
"""``！`` … ``～`` as ``!`` … ``~``, and the ideographic space as a space."""
_WORD = re.compile(r"[^\W\d_]+")


def latin_lookalikes(text: str) -> str:
    """``text`` with its look-alikes read as Latin letters where it shows they stand for
    them (see the module); ASCII text is returned as it is."""
    if text.isascii():
        return text
    text = text.translate(ASCII_OF_FULLWIDTH)
    letters = [ch for ch in text if ch.isalpha()]
    others = [ch for ch in letters if not _latin(ch)]
    if LOOKALIKES.isdisjoint(others):
        return text
    if LOOKALIKES.issuperset(others) and len(others) * 2 < len(letters):
        return text.translate(LATIN_OF)
    return _WORD.sub(_mixed_word, text)


def _mixed_word(match: re.Match[str]) -> str:
    word = match.group()
    mixed = any(ch in LOOKALIKES for ch in word) and any(_latin(ch) for ch in word)
    return word.translate(LATIN_OF) if mixed else word


LATIN_BELOW = 0x250
"""Code points under this are Latin (ASCII, Latin-1, Latin Extended-A and -B) or not
letters."""
LATIN_ADDITIONAL = (0x1E00, 0x1EFF)
"""Latin Extended Additional (Vietnamese), first and last code point."""


def _latin(ch: str) -> bool:
    point = ord(ch)
    return point < LATIN_BELOW or LATIN_ADDITIONAL[0] <= point <= LATIN_ADDITIONAL[1]
