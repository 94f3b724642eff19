"""The kinds of finding and what a report does with each."""

from __future__ import annotations

from enum import StrEnum


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

DESCRIPTIONS: dict[Kind, str] = {
    Kind.EMAIL: "an e-mail address",
    Kind.PHONE: "a phone number",
    Kind.NUMBER: "a long number (a student or other ID number)",
    Kind.NAME: "the writer's own name",
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
