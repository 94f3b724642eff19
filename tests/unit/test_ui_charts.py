"""The Altair charts carry the right data, colours and order (checked in their Vega-Lite spec)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.ui.charts import (
    LABEL_COLOURS,
    confidence_chart,
    distribution_chart,
    group_chart,
    label_scale,
)

LABELS = ["negative", "neutral", "positive"]


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return rows


def _group(name: str | None, counts: dict[str, int]) -> GroupCounts:
    total = sum(counts.values())
    return GroupCounts(name, total, 0, counts, {k: v / total for k, v in counts.items()}, {})


def test_distribution_chart_counts_and_shares_every_label() -> None:
    spec = distribution_chart({"negative": 1, "positive": 3}, LABELS).to_dict()
    assert _data(spec) == [
        {"label": "negative", "comments": 1, "share": 0.25},
        {"label": "neutral", "comments": 0, "share": 0.0},
        {"label": "positive", "comments": 3, "share": 0.75},
    ]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [
        LABEL_COLOURS[label] for label in LABELS
    ]


def test_distribution_chart_of_no_rows_has_zero_shares() -> None:
    spec = distribution_chart({}, LABELS).to_dict()
    assert [row["share"] for row in _data(spec)] == [0.0, 0.0, 0.0]


def test_group_chart_puts_the_most_negative_group_first_and_caps_groups() -> None:
    summary = Summary(
        "r",
        "succeeded",
        LABELS,
        30,
        30,
        _group(None, {"negative": 10, "neutral": 10, "positive": 10}),
        "course",
        [
            _group("CS1", {"negative": 1, "neutral": 1, "positive": 8}),
            _group("CS2", {"negative": 6, "neutral": 2, "positive": 2}),
            _group("tiny", {"negative": 1, "neutral": 0, "positive": 0}),
        ],
    )
    spec = group_chart(summary, max_groups=2).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["CS2", "CS1"]
    assert {row["group"] for row in _data(spec)} == {"CS1", "CS2"}
    assert spec["encoding"]["y"]["title"] == "course"
    assert spec["encoding"]["x"]["stack"] == "normalize"


def test_confidence_chart_uses_scored_rows_only() -> None:
    frame = pd.DataFrame(
        {
            "label": ["positive", "negative", ""],
            "score_negative": [0.2, 0.7, float("nan")],
            "score_positive": [0.8, 0.3, float("nan")],
        }
    )
    spec = confidence_chart(frame, ["negative", "positive"]).to_dict()
    assert _data(spec) == [
        {"label": "positive", "confidence": 0.8},
        {"label": "negative", "confidence": 0.7},
    ]


def test_unknown_labels_fall_back_to_a_colour_scheme() -> None:
    assert label_scale(["good", "bad"]).to_dict() == {
        "domain": ["good", "bad"],
        "scheme": "tableau10",
    }
