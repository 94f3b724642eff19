"""The app's *Compare → A rating against the comments* view: which columns hold ratings, and
the API's answer (``GET /ratings``) as tables. Pure (pandas)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from pipeline.errors import InputError
from pipeline.ratings.scale import scale_of
from pipeline.ui.release import RESPONDENT
from pipeline.ui.shares import percentages

SAMPLED_ROWS = 500
"""Rows of a column read to tell whether it holds ratings."""
_LABELS = ("negative", "neutral", "positive")


def rating_candidates(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` of the results whose values read as ratings (numbers of a scale, or a
    Likert scale's words), in their order."""
    found = []
    for column in columns:
        values = frame[column].dropna().head(SAMPLED_ROWS).tolist()
        try:
            scale_of(column, values)
        except InputError:
            continue
        found.append(column)
    return found


def groups_frame(body: Mapping[str, Any]) -> pd.DataFrame:
    """One row per group: its rated comments, mean rating (one decimal, as the metric shows
    it), label shares (whole percentages that add up to 100), Spearman's rho (two
    decimals), the contradictions and whether its scale reads reversed."""
    rows = []
    for group in body["groups"]:
        percent = percentages(group["labels"], _LABELS)
        rows.append(
            {
                str(body["group_by"]): group["group"],
                "rated": group["rated"],
                "mean rating": _rounded(group["mean"], 1),
                **{f"% {name}": percent[name] for name in _LABELS},
                "rho": _rounded(group["correlation"], 2),
                "rated high, negative": group["high_but_negative"],
                "rated low, positive": group["low_but_positive"],
                "reads reversed": group["reads_reversed"],
            }
        )
    return pd.DataFrame(rows)


def aspects_frame(body: Mapping[str, Any]) -> pd.DataFrame:
    """What the ratings follow: per aspect tested, its negative comments' mean rating against
    the other rated comments', the difference and whether it is beyond the noise."""
    rows = [
        {
            "aspect": aspect["aspect"],
            "negative about it": aspect["negative"],
            "their mean rating": aspect["mean_negative"],
            "the others' mean rating": aspect["mean_others"],
            "difference": aspect["difference"],
            "beyond the noise": aspect["flagged"],
        }
        for aspect in body.get("aspects") or []
        if aspect["p_value"] is not None
    ]
    return pd.DataFrame(rows)


def contradicting_frame(body: Mapping[str, Any]) -> pd.DataFrame:
    """The page of comments that contradict their rating, the clearest first; comment
    numbers count the file's data rows from 1, as the Comments tab does (in a job of several
    open questions, its answers, then the file's row and the question it answers)."""
    grouped = body["group_by"] is not None
    rows = []
    for comment in body["contradicting"]["page"]:
        row: dict[str, Any] = {"comment #": comment["row_index"] + 1}
        if "respondent" in comment:
            row[RESPONDENT] = comment["respondent"]
        if grouped:
            row[str(body["group_by"])] = comment.get("group")
        if "question" in comment and comment.get("question") != comment.get("group"):
            row["question"] = comment["question"]
        row |= {
            "rating": comment["rating"],
            "label": comment["label"],
            "sentiment": comment["sentiment"],
            "comment": comment["text"],
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def reversed_groups(body: Mapping[str, Any]) -> list[str]:
    """The groups whose ratings fall as their comments get warmer, beyond the noise."""
    return [str(group["group"]) for group in body["groups"] if group["reads_reversed"]]
