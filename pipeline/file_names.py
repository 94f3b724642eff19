"""File names made of what users typed (a file's name, a column, a course): letters, digits,
``-`` and ``_`` only, so they are safe on any file system and inside a quoted
``Content-Disposition`` header whatever the input held (quotes, slashes, newlines, RTL marks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_name(text: str) -> str:
    """``CHEM_110_General_Chemistry`` for ``CHEM 110: General Chemistry``; empty when nothing
    of ``text`` is safe."""
    return _UNSAFE.sub("_", text).strip("_")


def distinct_names(
    values: Iterable[str], fallback: str = "group", limit: int = 60
) -> Iterator[str]:
    """A safe name per value, none twice (ignoring case, as Windows and macOS folders do):
    ``CHEM 110`` and ``CHEM/110`` become ``CHEM_110`` and ``CHEM_110-2``; a value with nothing
    safe in it becomes ``fallback``."""
    taken: set[str] = set()
    for value in values:
        name = safe_name(value)[:limit] or fallback
        candidate, number = name, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{name}-{number}"
        taken.add(candidate.casefold())
        yield candidate
