"""What theme finding returns: plain records a worker can store and an API can send as JSON."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.themes.metrics import topic_diversity

NO_THEME = -1
"""The theme of a row that has no label (a blank comment, a row error): none."""
MIN_COVERAGE = 0.30
"""A theme is named by its keywords when they occur in at least this share of its comments."""
MIXED_THEME = "mixed comments"
"""The name of a theme whose comments share too few words for keywords to name it: a label's
only theme of a few unrelated comments ("The exams were unfair.", "Boring lectures.")."""


@dataclass(frozen=True)
class Quote:
    row: int
    text: str


@dataclass(frozen=True)
class GroupCount:
    """Comments of one theme in one group (a course, an instructor); ``None`` = blank group."""

    group: str | None
    count: int


@dataclass(frozen=True)
class Theme:
    """One sub-theme of one label: its keywords, quotes and size overall and per group."""

    id: int
    label: str
    keywords: tuple[str, ...]
    quotes: tuple[Quote, ...]
    size: int
    share: float
    """Of the label's comments, the share in this theme."""
    coverage: float
    """Of this theme's comments, the share containing at least one of its keywords."""
    counts: tuple[GroupCount, ...] = ()

    @property
    def named(self) -> bool:
        """Whether its keywords name it: they occur in ``MIN_COVERAGE`` of its comments."""
        return bool(self.keywords) and self.coverage >= MIN_COVERAGE

    @property
    def name(self) -> str:
        """Its first two keywords, or ``MIXED_THEME`` when they do not name it."""
        return theme_name(self.keywords) if self.named else MIXED_THEME

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "named": self.named,
            "keywords": list(self.keywords),
            "quotes": [{"row": q.row, "text": q.text} for q in self.quotes],
            "size": self.size,
            "share": self.share,
            "coverage": self.coverage,
            "counts": [{"group": c.group, "count": c.count} for c in self.counts],
        }


@dataclass(frozen=True)
class ThemeReport:
    """Themes of every label, and the theme of every input row (``NO_THEME`` if unlabelled)."""

    themes: tuple[Theme, ...]
    row_ids: np.ndarray
    assignment: np.ndarray
    seed: int

    @property
    def diversity(self) -> float:
        return topic_diversity([theme.keywords for theme in self.themes])

    def row_themes(self) -> dict[int, int]:
        """Row id → theme id, for the rows that have a theme (what a worker stores per row)."""
        has = self.assignment != NO_THEME
        return dict(zip(self.row_ids[has].tolist(), self.assignment[has].tolist(), strict=True))

    def same_as(self, other: ThemeReport) -> bool:
        """Same rows in the same themes, with the same keywords and quotes."""
        return (
            np.array_equal(self.row_ids, other.row_ids)
            and np.array_equal(self.assignment, other.assignment)
            and [(t.label, t.keywords, t.quotes) for t in self.themes]
            == [(t.label, t.keywords, t.quotes) for t in other.themes]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "diversity": self.diversity,
            "themes": [theme.to_record() for theme in self.themes],
        }


def counts_by_group(
    assignment: np.ndarray, groups: Sequence[object]
) -> dict[int, tuple[GroupCount, ...]]:
    """Theme id → comments per group value, largest first (ties by group name)."""
    tally: Counter[tuple[int, str | None]] = Counter(
        (int(theme), _group_key(group))
        for theme, group in zip(assignment, groups, strict=True)
        if theme != NO_THEME
    )
    per_theme: dict[int, list[GroupCount]] = {}
    for (theme, group), count in tally.items():
        per_theme.setdefault(theme, []).append(GroupCount(group, count))
    return {
        theme: tuple(sorted(rows, key=lambda c: (-c.count, c.group is None, c.group or "")))
        for theme, rows in per_theme.items()
    }


def _group_key(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def theme_name(keywords: Sequence[str]) -> str:
    """A theme's short title: its first two keywords (``MIXED_THEME`` without any)."""
    return " / ".join(keywords[:2]) or MIXED_THEME
