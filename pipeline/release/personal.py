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

Span = tuple[Kind, int, int]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*"
    rf"{_DOT}(?:com|edu|org|net|gov|ac|uk|ca|au|de|fr|ie|nz|io|me|info)\b",
    re.IGNORECASE,
)
""""jo.smith [at] uni [dot] edu", "jo(at)uni.edu", "jo at uni dot edu": a domain ending that
e-mail uses, so "met at office hours dot" is not one."""

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
    }
)
"""Digit groups of the national formats a university's students write: US 555 123 4567,
UK 07700 900123 / 020 7946 0958 / 0121 496 0123, French 01 23 45 67 89, Australian
0412 345 678, Swiss 079 123 45 67."""
_LOCAL_SHAPE = (3, 4)
"""555-1234: a phone only with a dash or a dot between (not "MATH 221 2345")."""

_LONG_NUMBER = re.compile(r"(?<![\w.,/:+-])\d{7,12}(?![\w/:]|[.,]\d)")
"""A student or ID number written whole: 7 to 12 digits with nothing around them."""

_OWN_NAME = re.compile(
    r"\b(?i:my name is|my name's|my name’s|i am called|i'm called|i’m called)\s+"
    r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})"
)
"""The writer naming themself: "my name is Jo Lee" (the name capitalised, as names are)."""


def personal_spans(text: str) -> list[Span]:
    """Every personal detail of ``text``, as (kind, start, end), in no particular order and
    possibly overlapping (``screen`` merges them). Each finder runs only where a cheap test
    says it could find something: most comments have no digits, "@" or "my name"."""
    spans = [*_emails(text)]
    if _DIGITS.search(text):
        spans += [*_phones(text), *_numbers(text)]
    lowered = text.lower()
    if "name" in lowered or "called" in lowered:
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


def _names(text: str) -> Iterator[Span]:
    yield from ((Kind.NAME, m.start(1), m.end(1)) for m in _OWN_NAME.finditer(text))
