"""The report's *Ratings and comments* section from ``GET /ratings``' body. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.report.change_section import ALL_COMMENTS
from pipeline.report.data import RatingAspectRow, RatingRow, RatingsSection


def ratings_section(body: Mapping[str, Any], focus: str | None = None) -> RatingsSection:
    """The whole job's section, or with ``focus`` (a group's own report) that group's row
    alone, naming no other group and without the aspects (which are all comments')."""
    groups = tuple(_row(str(group["group"]), group) for group in body["groups"])
    if focus is not None:
        groups = tuple(row for row in groups if row.name == focus)
    return RatingsSection(
        column=str(body["column"]),
        question=body.get("question"),
        note=body.get("note"),
        scale=str(body["scale"]["described"]),
        overall=None if focus is not None else _row(ALL_COMMENTS, body["overall"]),
        groups=groups,
        unreadable=int(body["unreadable"]["answers"]),
        aspects=()
        if focus is not None
        else tuple(
            RatingAspectRow(
                aspect=str(found["aspect"]),
                negative=int(found["negative"]),
                mean_negative=found["mean_negative"],
                mean_others=found["mean_others"],
                difference=found["difference"],
                adjusted_p=found["adjusted_p"],
                flagged=bool(found["flagged"]),
            )
            for found in body.get("aspects") or []
            if found["p_value"] is not None
        ),
    )


def _row(name: str, figures: Mapping[str, Any]) -> RatingRow:
    return RatingRow(
        name=name,
        rated=int(figures["rated"]),
        mean=figures["mean"],
        correlation=figures["correlation"],
        high_but_negative=int(figures["high_but_negative"]),
        low_but_positive=int(figures["low_but_positive"]),
        reads_reversed=bool(figures["reads_reversed"]),
    )
