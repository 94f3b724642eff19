"""Sub-themes inside each label: clusters of similar comments, keywords, quotes, counts.

Public API (pure; nothing heavy is imported until called):
``find_themes(texts, embeddings, labels, groups=None, *, row_ids=None, seed=0) -> ThemeReport``
and ``recluster(texts, embeddings, labels, subset, ...)`` for a filtered part of a job.
"""

from pipeline.themes.find import find_themes, recluster
from pipeline.themes.report import MIXED_THEME, NO_THEME, GroupCount, Quote, Theme, ThemeReport

__all__ = [
    "MIXED_THEME",
    "NO_THEME",
    "GroupCount",
    "Quote",
    "Theme",
    "ThemeReport",
    "find_themes",
    "recluster",
]
