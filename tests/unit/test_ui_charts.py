"""The Altair charts carry the right data, colours and order (checked in their Vega-Lite spec)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.ui.charts import (
    SMALL_OPACITY,
    confidence_chart,
    distribution_chart,
    group_chart,
    heat_fill,
    heat_map,
    label_scale,
)
from pipeline.ui.palette import LABEL_COLOURS, contrast_ratio, mix

LABELS = ["negative", "neutral", "positive"]
LONG_NAME = "CHEM110 General Chemistry for Engineers and Physical Scientists"


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return rows


def _group(name: str | None, counts: dict[str, int]) -> GroupCounts:
    total = sum(counts.values())
    return GroupCounts(name, total, 0, counts, {k: v / total for k, v in counts.items()}, {})


def _summary(groups: list[GroupCounts]) -> Summary:
    overall = _group(None, {"negative": 10, "neutral": 10, "positive": 10})
    return Summary("r", "succeeded", LABELS, 30, 30, overall, "course", groups)


def test_distribution_chart_counts_every_label_with_percentages_that_add_up() -> None:
    spec = distribution_chart({"negative": 1, "neutral": 1, "positive": 1}, LABELS).to_dict()
    assert [{k: row[k] for k in ("label", "comments", "percent")} for row in _data(spec)] == [
        {"label": "negative", "comments": 1, "percent": "34%"},
        {"label": "neutral", "comments": 1, "percent": "33%"},
        {"label": "positive", "comments": 1, "percent": "33%"},
    ]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == [
        LABEL_COLOURS[label] for label in LABELS
    ]


def test_distribution_chart_of_no_rows_shows_no_percentages() -> None:
    spec = distribution_chart({}, LABELS).to_dict()
    assert [row["percent"] for row in _data(spec)] == ["–", "–", "–"]


def test_comments_are_counted_in_whole_numbers_on_every_count_axis() -> None:
    """Five comments drew ticks at 0.0, 0.2 … 2.0 comments."""
    frame = pd.DataFrame(
        {"label": ["negative", "positive"], "score_negative": [0.9, 0.2], "score_neutral": [0.05,
         0.1], "score_positive": [0.05, 0.7]}
    )  # fmt: skip
    counted = distribution_chart({"negative": 2, "positive": 3}, LABELS).to_dict()
    binned = confidence_chart(frame, LABELS).to_dict()

    for axis in (counted["layer"][0]["encoding"]["x"]["axis"], binned["encoding"]["y"]["axis"]):
        assert axis == {"format": "d", "tickMinStep": 1}


def test_label_colours_mean_one_thing_red_grey_blue_green() -> None:
    scale = label_scale(["positive", "negative", "neutral"]).to_dict()
    assert scale["range"] == ["#338171", "#b7211d", "#c4c9d1"]


def test_group_chart_puts_the_most_negative_group_first_and_caps_groups() -> None:
    summary = _summary(
        [
            _group("CS1", {"negative": 1, "neutral": 1, "positive": 18}),
            _group("CS2", {"negative": 12, "neutral": 4, "positive": 4}),
            _group("tiny", {"negative": 1, "neutral": 0, "positive": 0}),
        ]
    )
    spec = group_chart(summary, max_groups=2).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["CS2 (n=20)", "CS1 (n=20)"]
    assert {row["group"] for row in _data(spec)} == {"CS1 (n=20)", "CS2 (n=20)"}
    assert spec["title"] == "Labels per course"
    assert spec["encoding"]["y"]["title"] is None  # it would sit on top of long names
    assert spec["encoding"]["x"]["stack"] == "normalize"
    assert spec["encoding"]["color"]["scale"]["range"] == [LABEL_COLOURS[x] for x in LABELS]


def test_group_chart_names_groups_in_full_with_n_and_marks_small_ones() -> None:
    summary = _summary(
        [
            _group(LONG_NAME, {"negative": 100, "neutral": 200, "positive": 112}),
            _group("BIO9", {"negative": 1, "neutral": 0, "positive": 3}),
            _group("", {"negative": 0, "neutral": 5, "positive": 5}),
        ]
    )
    spec = group_chart(summary).to_dict()
    rows = _data(spec)
    assert {row["group"] for row in rows} == {
        f"{LONG_NAME} (n=412)",
        "BIO9 (n=4, small)",
        "(blank) (n=10)",
    }
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0  # never "CHEM110 Genera…"
    small = {row["group"]: row["small"] for row in rows}
    assert small["BIO9 (n=4, small)"] and not small["(blank) (n=10)"]
    assert spec["encoding"]["opacity"]["condition"]["value"] == SMALL_OPACITY
    assert spec["encoding"]["opacity"]["value"] == 1.0


def test_group_percentages_add_up_to_100_in_every_group() -> None:
    spec = group_chart(_summary([_group("CS1", {"negative": 1, "neutral": 1, "positive": 1})]))
    percents = [row["percent"] for row in _data(spec.to_dict())]
    assert percents == ["34%", "33%", "33%"]


def test_confidence_chart_uses_scored_rows_only() -> None:
    frame = pd.DataFrame(
        {
            "label": ["positive", "negative", ""],
            "score_negative": [0.2, 0.7, float("nan")],
            "score_positive": [0.8, 0.3, float("nan")],
        }
    )
    spec = confidence_chart(frame, ["negative", "positive"]).to_dict()
    assert [(row["label"], row["low"], row["comments"]) for row in _data(spec)] == [
        ("negative", 0.7, 1),
        ("positive", 0.8, 1),
    ]


def test_unknown_labels_fall_back_to_a_colour_scheme() -> None:
    assert label_scale(["good", "bad"]).to_dict() == {
        "domain": ["good", "bad"],
        "scheme": "tableau10",
    }


def test_every_heat_map_cells_number_reads_on_its_colour() -> None:
    """Share · n is written in every cell: on the pale small cells too (white text there was
    1.4:1), at the 4.5:1 that text asks, whatever the share."""
    shares = [i / 100 for i in range(101)]
    cells = pd.DataFrame(
        {
            "group": [f"G{i}" for i in range(len(shares))] * 2,
            "aspect": ["exams"] * len(shares) * 2,
            "aspect_order": [0] * len(shares) * 2,
            "negative": shares * 2,
            "small": [False] * len(shares) + [True] * len(shares),
            "cell": ["57% · 7"] * len(shares) * 2,
            "interval": [""] * len(shares) * 2,
            "n": [7] * len(shares) * 2,
            "category": ["exams"] * len(shares) * 2,
            "group_value": [f"G{i}" for i in range(len(shares))] * 2,
        }
    )
    spec = heat_map(cells, "course").to_dict()
    rects, text = spec["layer"]
    assert rects["encoding"]["color"]["scale"]["interpolate"] == "rgb"
    assert text["encoding"]["color"] == {"field": "ink", "type": "nominal", "scale": None}
    # one color scale cannot be both the shares' and the inks': merged, Vega drew no chart
    assert spec["resolve"] == {"scale": {"color": "independent"}}
    for row in _data(spec):
        background = heat_fill(row["negative"], row["small"])
        assert contrast_ratio(row["ink"], background) >= 4.5, row
    pale = next(row for row in _data(spec) if row["small"] and row["negative"] == 1.0)
    assert pale["ink"] == "#000000"


def test_a_heat_map_cell_is_its_colour_as_the_page_shows_it() -> None:
    assert heat_fill(0.0, False) == "#f6f6f6"
    assert heat_fill(1.0, False) == LABEL_COLOURS["negative"]
    assert heat_fill(1.0, True) == mix("#ffffff", LABEL_COLOURS["negative"], SMALL_OPACITY)
