"""Personal details in a comment: what would let an instructor tell which student wrote it.

Each finder returns the spans it found; none of them needs a model. They are written against
what course comments hold besides personal details — course codes ("CHEM 110"), years and
terms ("2019-2020"), dates, times, scores ("85/100"), page and room numbers — so that those
are left alone (tests/unit/test_release_personal.py holds both sides).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.release.kinds import Kind
from pipeline.release.shown import spans_as_shown

Span = tuple[Kind, int, int]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*"
    rf"{_DOT}(?:com|edu|org|net|gov|ac|uk|ca|au|de|fr|ie|nz|io|me|info)\b",
    re.IGNORECASE,
)
""""jo.smith [at] uni [dot] edu", "jo(at)uni.edu", "jo dot smith at gmail dot com",
"jo.smith @ uni.edu": a domain ending that e-mail uses, so "met at office hours dot" is not
one."""

_DOMAIN_END = re.compile(
    r"(?:\.|dot\W*)(?:com|edu|org|net|gov|ac|uk|ca|au|de|fr|ie|nz|io|me|info)\b", re.IGNORECASE
)
_DIGITS = re.compile(r"\d\d")

_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.,/:-])(\+\s?)?(?:\(\d{1,5}\)[\s.-]?)?\d{1,8}(?:[ .-]\d{1,8}){0,5}(?![\w/:-]|[.,]\d)"
)
_PHONE_SHAPES = frozenset(
    {
        (3, 3, 4),
        (3, 3, 2, 2),
        (2, 2, 2, 2, 2),
        (4, 3, 3),
        (4, 3, 4),
        (3, 4, 4),
        (5, 6),
        (5, 3, 3),
        (4, 6),
        (4, 7),
        (2, 4, 4),
        (3, 3, 3, 3),
        (1, 3, 3, 4),
    }
)
"""Digit groups of the national formats a university's students write: US 555 123 4567,
UK 07700 900123 / 020 7946 0958 / 0121 496 0123, French 01 23 45 67 89, Australian
0412 345 678, Swiss 079 123 45 67, US toll-free 1-800-555-1234."""
_LOCAL_SHAPE = (3, 4)
"""555-1234: a phone only with a dash or a dot between (not "MATH 221 2345")."""

_LONG_NUMBER = re.compile(r"(?<![\w.,/:+-])\d{7,12}(?![\w/:]|[.,]\d)")
"""A student or ID number written whole: 7 to 12 digits with nothing around them."""

_STUDENT_ID = re.compile(r"(?<![\w.-])[A-Za-z]\d{7,9}(?![\w.-])")
"""A student number with a letter in front, as universities issue them: u1234567, z5123456,
A00123456 (a course code has letters and three or four digits)."""
_NAMED_ID = re.compile(
    r"(?i:\b(?:(?:student|matric(?:ulation)?)\s*(?:id|no\.?|number|#)|id\s*(?:no\.?|number|#)?)"
    r"(?![a-z])\s*(?:(?:is|was)\b|['’]s\b|[=–-])?\s*[:#]?\s*)"
    r"([A-Za-z]?\d[\d -]{3,14}\d)(?![\w%]|\s*%|[.,/]\d)"
)
"""Whatever number follows "student ID", "ID no." and the like, as a student writes it:
"Student ID: 12-345-678", "my student ID is 2023-12345", "my ID number's 12-345-678",
"matric no. 2041234"; five digits at least and not a share ("ID 3 of the quiz", "student
number is 95%")."""
_INTRO = r"\b(?i:my name is|my name's|my name’s|i am called|i'm called|i’m called)\s+"
_OWN_NAME = re.compile(_INTRO + r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})")
"""The writer naming themself: "my name is Jo Lee"."""
_OWN_NAME_LOWER = re.compile(_INTRO + r"([a-z][a-z'’-]*(?:\s+[a-z][a-z'’-]*)?)")
"""…or typed in lower case, "my name is jo lee and…", its words up to one of ``_NO_NAME``."""
_NO_NAME = frozenset({
    "not", "and", "but", "or", "so", "the", "a", "an", "in", "on", "at", "from", "of", "to",
    "for", "with", "is", "was", "i", "im", "me", "my", "student", "irrelevant", "important",
    "unimportant", "anonymous", "private", "secret", "hidden", "none", "nobody", "withheld",
    "redacted",
})  # fmt: skip
_INTRODUCED = re.compile(
    r"\b(?:I'm|I’m|I am|[Ii]t's me,?|[Ii]t’s me,?)\s+([A-Z][a-z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})"
    r"(?=\s*(?:[,.!;:)]|$)|\s+(?:and|from|here|speaking|writing)\b)"
    r"|\b[Tt]his is\s+([A-Z][a-z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)\s+(?:speaking|here|writing)\b"
)
"""A capitalised name after "I'm", "I am", "it's me" that ends a clause ("I'm Jo Lee, and…";
not "I am Gonna miss her class"), or in "this is Priya speaking" (not "This is Great")."""
_SIGNED = re.compile(
    r"(?i:\b(?:kind regards|best regards|regards|cheers|sincerely|best wishes|best|yours))"
    r"\s*[,\n]\s*([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})[.!\s]*$"
)
"""A comment signed like a letter: "Regards, Maria Garcia" (not "Thank you, Steve": that is
the instructor thanked)."""
_NAME_HINTS = (
    "name", "called", "i'm", "i’m", "i am", "it's me", "it’s me", "this is", "regards", "cheers",
    "sincerely", "best,", "best\n", "wishes", "yours",
)  # fmt: skip
"""Pieces of text one of the name patterns needs (lower-cased): without any, none is run."""


def without_personal_details(text: str) -> str:
    """``text`` with every personal detail blanked out (spaces: the words around stay words),
    for what is computed from comments and shown beside them, such as a theme's keywords,
    which must not spell out "jo", "smith" and "uni" from jo.smith@uni.edu; found in the text
    as shown, so that a zero-width space inside one leaves no part of it behind."""
    spans = spans_as_shown(text, personal_spans)
    if not spans:
        return text
    blanked = list(text)
    for _kind, start, end in spans:
        blanked[start:end] = " " * (end - start)
    return "".join(blanked)


def personal_spans(text: str) -> list[Span]:
    """Every personal detail of ``text``, as (kind, start, end), in no particular order and
    possibly overlapping (``screen`` merges them). Each finder runs only where a cheap test
    says it could find something: most comments have no digits, no "@" and no words that
    introduce or sign a name."""
    spans = [*_emails(text)]
    if _DIGITS.search(text):
        spans += [*_phones(text), *_numbers(text)]
    lowered = text.lower()
    if any(hint in lowered for hint in _NAME_HINTS):
        spans += _names(text)
    return spans


def _emails(text: str) -> Iterator[Span]:
    if "@" in text:
        yield from ((Kind.EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text))
    if _DOMAIN_END.search(text):
        yield from ((Kind.EMAIL, m.start(), m.end()) for m in _SPELLED_EMAIL.finditer(text))


def _phones(text: str) -> Iterator[Span]:
    for match in _PHONE_CANDIDATE.finditer(text):
        if _is_phone(match.group(0)):
            yield Kind.PHONE, match.start(), match.end()


def _is_phone(candidate: str) -> bool:
    """A run of digit groups is a phone number by its international prefix, its bracketed
    area code, a trunk prefix and length (0 + 9 or 10 digits), or a national shape."""
    groups = tuple(len(group) for group in re.findall(r"\d+", candidate))
    digits = sum(groups)
    if not 7 <= digits <= 15 or len(groups) < 2:
        return False
    if candidate.startswith("+") or "(" in candidate:
        return True
    if candidate.startswith("0") and digits in (10, 11):
        return True
    if groups == _LOCAL_SHAPE:
        return "-" in candidate or "." in candidate
    return groups in _PHONE_SHAPES


def _numbers(text: str) -> Iterator[Span]:
    yield from ((Kind.NUMBER, m.start(), m.end()) for m in _LONG_NUMBER.finditer(text))
    yield from ((Kind.NUMBER, m.start(), m.end()) for m in _STUDENT_ID.finditer(text))
    for match in _NAMED_ID.finditer(text):
        if sum(ch.isdigit() for ch in match.group(1)) >= 5:
            yield Kind.NUMBER, match.start(1), match.end(1)


def _names(text: str) -> Iterator[Span]:
    for pattern in (_OWN_NAME, _INTRODUCED, _SIGNED):
        for match in pattern.finditer(text):
            group = next(i for i in range(1, (pattern.groups or 1) + 1) if match.group(i))
            yield Kind.NAME, match.start(group), match.end(group)
    for match in _OWN_NAME_LOWER.finditer(text):
        start = end = match.start(1)
        for word in re.finditer(r"\S+", match.group(1)):
            if word.group(0) in _NO_NAME:
                break
            end = match.start(1) + word.end()
        if end > start:
            yield Kind.NAME, start, end
