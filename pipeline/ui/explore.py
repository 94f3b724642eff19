"""Slicing the results table for the page: filters, the most positive and negative comments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.ui.review import CONFIDENCE, with_confidence

NO_LABEL = "(no label)"


@dataclass(frozen=True)
class ResultFilter:
    """What the user narrowed the table to; an empty selection means "everything".

    ``labels`` may hold NO_LABEL for the rows that could not be scored (empty comments)."""

    labels: Sequence[str] = ()
    group_column: str | None = None
    groups: Sequence[str] = ()
    min_confidence: float = 0.0
    search: str = ""


def filter_results(frame: pd.DataFrame, text_column: str, chosen: ResultFilter) -> pd.DataFrame:
    """The rows that pass every filter, with their ``confidence``. The search is a
    case-insensitive substring, not a regex, so ``(`` or ``*`` in it match literally."""
    rows = with_confidence(frame)
    keep = pd.Series(True, index=rows.index)
    if chosen.labels:
        shown = rows["label"].fillna("").astype(str).replace("", NO_LABEL)
        keep &= shown.isin(list(chosen.labels))
    if chosen.group_column and chosen.groups:
        keep &= rows[chosen.group_column].astype(str).isin([str(g) for g in chosen.groups])
    if chosen.min_confidence > 0:
        keep &= rows[CONFIDENCE].fillna(0.0) >= chosen.min_confidence
    if chosen.search.strip():
        needle = chosen.search.strip()
        keep &= rows[text_column].astype(str).str.contains(needle, case=False, regex=False)
    return rows[keep]


def top_comments(frame: pd.DataFrame, text_column: str, label: str, count: int = 5) -> pd.DataFrame:
    """The comments labelled ``label`` with the highest probability of it (text and that score).

    Only rows carrying the label count, so a file with two positive comments does not list
    neutral ones among its "most positive"."""
    score = f"score_{label}"
    if score not in frame.columns:
        return pd.DataFrame(columns=[text_column, score])
    labelled = frame[(frame["label"] == label) & frame[score].notna()]
    return labelled.nlargest(count, score)[[text_column, score]]
