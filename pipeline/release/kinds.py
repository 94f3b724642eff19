"""The kinds of finding and what a report does with each."""

from __future__ import annotations

from enum import StrEnum

from pipeline.errors import InputError


class Kind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NUMBER = "number"
    NAME = "name"
    ABUSIVE = "abusive"
    DISTRESS = "distress"
    THREAT = "threat"


PERSONAL = frozenset({Kind.EMAIL, Kind.PHONE, Kind.NUMBER, Kind.NAME})
"""Masked where the comment is shown: the comment's point survives without them."""

WITHHELD = frozenset({Kind.ABUSIVE, Kind.DISTRESS, Kind.THREAT})
"""Kept out of what an instructor reads, for the chair to read and act on."""

URGENT = frozenset({Kind.THREAT, Kind.DISTRESS})
"""What someone should act on, not only keep out of a report."""

ALL_KINDS = frozenset(Kind)

DESCRIPTIONS: dict[Kind, str] = {
    Kind.EMAIL: "an e-mail address",
    Kind.PHONE: "a phone number",
    Kind.NUMBER: "a long number (a student or other ID number)",
    Kind.NAME: "the writer's own name, or a name the site lists",
    Kind.ABUSIVE: "abusive language",
    Kind.DISTRESS: "words of self-harm or suicide",
    Kind.THREAT: "a threat of violence",
}
"""What each kind is, as a report or a list says it."""

ORDER: tuple[Kind, ...] = (
    Kind.THREAT,
    Kind.DISTRESS,
    Kind.ABUSIVE,
    Kind.EMAIL,
    Kind.PHONE,
    Kind.NUMBER,
    Kind.NAME,
)
"""How findings are listed: what needs acting on first."""


def parse_kinds(listed: str | None) -> frozenset[Kind]:
    """``threat,distress`` as kinds (None or blank: every kind); InputError naming the kinds
    there are for any other word."""
    names = [part.strip().lower() for part in (listed or "").split(",") if part.strip()]
    if not names:
        return ALL_KINDS
    known = {kind.value for kind in Kind}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InputError(
            f"kinds: {', '.join(repr(name) for name in unknown)} is not a kind; the kinds are "
            f"{', '.join(kind.value for kind in ORDER)}"
        )
    return frozenset(Kind(name) for name in names)
