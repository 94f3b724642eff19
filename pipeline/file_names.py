"""File names made of what users typed (a file's name, a column, a course): letters, digits,
``-`` and ``_`` only, so they are safe on any file system and inside a quoted
``Content-Disposition`` header whatever the input held (quotes, slashes, newlines, RTL marks).
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_name(text: str) -> str:
    """``CHEM_110_General_Chemistry`` for ``CHEM 110: General Chemistry``; empty when nothing
    of ``text`` is safe."""
    return _UNSAFE.sub("_", text).strip("_")
