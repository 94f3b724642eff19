"""Group values that are probably one group written two ways: ``CHEM 110`` and ``chem-110``,
``CHEM 101`` and ``CHEM 101 ``, ``Café`` with its accent composed and decomposed. Said, never
merged: merging on a guess would mix two courses whenever it is wrong. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence


def possible_matches(
    only_before: Sequence[str | None], only_after: Sequence[str | None]
) -> list[tuple[str, str]]:
    """Pairs of values found in one job each that differ only in case, spaces or punctuation
    (``CHEM 110`` and ``chem-110``): probably one group written two ways."""
    after_by_key: dict[str, list[str]] = {}
    for value in only_after:
        if value is not None and _key(value):
            after_by_key.setdefault(_key(value), []).append(value)
    return [
        (value, match)
        for value in only_before
        if value is not None
        for match in after_by_key.get(_key(value), [])
    ]


def spellings(cell: str, values: Sequence[str | None]) -> list[str]:
    """The ``values`` (a job's, in order, each once) other than ``cell`` that differ from it
    only in case, spaces or punctuation: where one group asked for by name (``CHEM 110``)
    may stand in another job written another way (``CHEM110``). Naming them tells no other
    group's figures: they are probably the same group."""
    key = _key(cell)
    if not key:
        return []
    found = (value for value in values if value is not None and value != cell)
    return list(dict.fromkeys(value for value in found if _key(value) == key))


def _key(value: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", value).casefold())


def look_alikes(
    only_one: Sequence[str | None], followed: Sequence[str | None]
) -> list[tuple[str, str]]:
    """Pairs of a value found in one job only and another value (followed, or in one job
    only too) that differ only in case, spaces or punctuation (``MATH221`` and ``MATH 221``):
    probably one group written two ways; each pair once. Linear in the values: one job's
    groups can be thousands (an instructor column)."""
    pairs = possible_matches(only_one, followed)
    by_key: dict[str, list[str]] = {}
    for value in only_one:
        if value is not None and _key(value):
            by_key.setdefault(_key(value), []).append(value)
    seen: dict[str, int] = {}
    for value in only_one:  # each value with the look-alikes after it, in order
        if value is None or not (key := _key(value)):
            continue
        index = seen[key] = seen.get(key, -1) + 1
        pairs += [(value, other) for other in by_key[key][index + 1 :]]
    return pairs


def look_alike_note(one: str, other: str) -> str:
    """What a table of one job's groups says of a pair ``look_alikes`` found, the two names
    given as the caller shows them (made inert, escaped); no closing full stop."""
    return (
        f"“{one}” and “{other}” may be one group written two ways (they differ only in case, "
        "spaces, punctuation or how an accent is encoded): each is counted apart; recode the "
        "file to merge them"
    )
