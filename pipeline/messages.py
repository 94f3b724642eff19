"""Bounds on what a message repeats back: an error names the problem, it does not replay a
100,000-column header or a 10,000-character id to the caller (or into a log).

``echo`` quotes one value someone sent; ``bounded`` caps a whole message, and every error body
of both HTTP edges goes through it (``pipeline.api.errors.error_body``) whatever built it.
"""

from __future__ import annotations

MAX_ECHO_CHARS = 200
MAX_DETAIL_CHARS = 4096


def echo(value: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``value`` quoted (its repr), cut after ``limit`` characters with its length said."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value):,} characters)"


def bounded(message: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """``message`` cut after ``limit`` characters, saying how much was left out."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}… ({len(message) - limit:,} more characters)"
