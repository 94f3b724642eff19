"""Whole percentages that add up to 100: largest-remainder (Hamilton) rounding.

Rounding each share on its own gives 33 + 33 + 33 = 99 % or 101 %; a page whose shares do not
add up reads as wrong. The floors are handed out first, then the points still missing go to the
largest remainders (ties to the larger count, then to the earlier label), so the result is
stable for the same counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def largest_remainder(counts: Sequence[int], total: int = 100) -> list[int]:
    """``counts`` scaled to whole numbers that sum to ``total`` (all zeros when nothing counts)."""
    if any(count < 0 for count in counts):
        raise ValueError(f"counts must not be negative: {list(counts)}")
    if total < 0:
        raise ValueError(f"total must not be negative: {total}")
    whole = sum(counts)
    if whole == 0:
        return [0] * len(counts)
    floors = [count * total // whole for count in counts]
    # Remainders as exact integers (count * total mod whole) so ties are real ties, not floats.
    remainders = [count * total % whole for count in counts]
    missing = total - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-remainders[i], -counts[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def percentages(counts: Mapping[str, int], labels: Sequence[str]) -> dict[str, int | None]:
    """Each label's whole percentage of the counted comments; None for every label when no
    comment was counted (a share of nothing is unknown, not 0 %)."""
    values = [counts.get(label, 0) for label in labels]
    if sum(values) == 0:
        return dict.fromkeys(labels)
    return dict(zip(labels, largest_remainder(values), strict=True))


def percent_text(value: int | None) -> str:
    """``41%``: a whole percentage as text; a dash when it is unknown."""
    return "–" if value is None else f"{value}%"


def count_text(number: int, noun: str) -> str:
    """``1 comment``, ``0 jobs``, ``1,250 comments``: a count and its noun."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def comments_text(count: int) -> str:
    """``1 comment``, ``0 comments``, ``1,250 comments``."""
    return count_text(count, "comment")
