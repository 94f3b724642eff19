"""A comment as a command prints it under its heading: cut, wrapped and indented. Pure."""

from __future__ import annotations

import textwrap

MIN_WIDTH = 20
"""Wrap at no fewer characters than this, whatever the terminal says."""


def comment_lines(text: str, width: int, most: int) -> list[str]:
    """``text`` cut after ``most`` characters (with "…"), wrapped to the terminal's
    ``width`` and indented by two spaces; one indented blank line for an empty comment."""
    shown = text if len(text) <= most else text[:most] + "…"
    return textwrap.wrap(
        shown,
        width=max(width - 2, MIN_WIDTH),
        initial_indent="  ",
        subsequent_indent="  ",
    ) or ["  "]
