"""Slicing the results table for the page: filters, the most positive and negative comments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pipeline.ui.review import CONFIDENCE, with_confidence

NO_LABEL = "(no label)"
COPIES = "copies"


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
    """The ``count`` distinct comments labelled ``label`` with the highest probability of it:
    text, that score and ``copies`` (how often the same comment was written).

    Only rows carrying the label count, so a file with two positive comments does not list
    neutral ones among its "most positive". Comments that differ only in case or spacing are
    one comment ("Great course!" written by thirty students is listed once, as 30 copies)."""
    score = f"score_{label}"
    if score not in frame.columns:
        return pd.DataFrame(columns=[text_column, score, COPIES])
    labelled = frame[(frame["label"] == label) & frame[score].notna()]
    key = labelled[text_column].astype(str).map(_same_text)
    copies = key.map(key.value_counts())
    ranked = labelled.assign(**{COPIES: copies}).sort_values(score, ascending=False, kind="stable")
    distinct = ranked[~key.loc[ranked.index].duplicated()]
    return distinct.head(count)[[text_column, score, COPIES]]


def comments_table(frame: pd.DataFrame, text_column: str, labels: Sequence[str]) -> pd.DataFrame:
    """The results table as the page shows it: label and confidence first (always in view next
    to a long comment), then the comment and the input's other columns; the per-label scores
    are left to the downloads. ``label`` holds a one-item list (empty for an unlabelled row),
    the shape of a coloured tag column."""
    scored = with_confidence(frame)
    hidden = {*(f"score_{x}" for x in labels), "label", CONFIDENCE, "model_version", text_column}
    rest = [column for column in scored.columns if column not in hidden]
    tags = scored["label"].map(lambda value: [value] if isinstance(value, str) and value else [])
    return pd.DataFrame(
        {"label": tags, CONFIDENCE: scored[CONFIDENCE], text_column: scored[text_column]}
        | {column: scored[column] for column in rest},
        index=scored.index,
    )


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()
