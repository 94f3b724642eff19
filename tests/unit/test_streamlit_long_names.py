"""Charts a head of department reads with long course names and two sides (hunt 6, 4 and 8):

- a 96-character course name took about 60 % of *Labels per Course* and pushed the heat map so
  far right that 6 of its 12 aspect columns were behind a sideways scroll; a long name is now
  written on lines beside its bar, whole and centred on it;
- *Compare*'s legend drew a black and a grey square for bars that are red, grey and green,
  dark or pale: the chart's subtitle names the dark and the pale side instead."""

from __future__ import annotations

import json

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.ui import charts
from pipeline.ui.about import heat_cells
from pipeline.ui.charts import NAME_LINE_CHARS, NAME_LINE_PX, compare_chart, group_chart, heat_map
from pipeline.ui.insights import aspect_summary

LABELS = ["negative", "neutral", "positive"]
LONG = "Advanced Topics in Computational Fluid Dynamics and Turbulence Modelling (Graduate Seminar)"


def _group(name: str | None) -> GroupCounts:
    counts = {"negative": 5, "neutral": 3, "positive": 4}
    return GroupCounts(name, 12, 0, counts, {k: v / 12 for k, v in counts.items()}, {})


def _summary(names: list[str]) -> Summary:
    groups = [_group(name) for name in names]
    return Summary("r", "succeeded", LABELS, 12, 12, _group(None), "Course", groups)


def test_a_long_group_name_is_written_whole_on_short_lines_centred_on_its_bar() -> None:
    axis = group_chart(_summary([LONG, "BIO9"])).to_dict()["encoding"]["y"]["axis"]
    caption = f"{LONG} (n=12)"
    lines = charts.name_lines(caption)
    assert " ".join(lines) == caption, "every word kept"
    assert len(lines) == 3 and all(len(line) <= NAME_LINE_CHARS for line in lines)
    assert axis["labelLimit"] == 0, "never cut"
    assert f"? {json.dumps(lines)} : datum.label" in axis["labelExpr"]
    (raised,) = axis["labelOffset"]["condition"]
    assert raised["value"] == -NAME_LINE_PX, "up by half its two extra lines"
    assert axis["labelOffset"]["value"] == 0, "a short name stays where it was"


def test_a_band_is_tall_enough_for_its_longest_name_and_short_names_change_nothing() -> None:
    short = group_chart(_summary(["CS1", "BIO9"])).to_dict()
    assert short["height"] == {"step": charts.GROUP_STEP}
    assert "labelExpr" not in short["encoding"]["y"]["axis"]
    tall = group_chart(_summary([LONG, "BIO9"])).to_dict()
    assert tall["height"]["step"] >= 3 * NAME_LINE_PX


def test_the_heat_map_names_a_long_course_on_lines_too() -> None:
    body = {
        "request_id": "r",
        "complete": True,
        "rows_labelled": 12,
        "rows_with_aspects": 12,
        "categories": [],
        "groups": [
            {
                "group": LONG,
                "n": 12,
                "small": False,
                "aspects": [{"name": "exams", "n": 12, "counts": {"negative": 6}}],
            }
        ],
    }
    spec = heat_map(heat_cells(aspect_summary(body)), "Course").to_dict()
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert "datum.label" in axis["labelExpr"] and axis["labelLimit"] == 0


def test_compare_names_its_dark_and_pale_sides_in_words_not_a_grey_legend() -> None:
    rows = pd.DataFrame(
        [
            {"side": side, "label": label, "share": 0.3, "low": 0.2, "high": 0.4,
             "percent": "30%", "interval": "20–40 %", "n": 10, "caption": "30%"}
            for side in ("BIO3 (n=207)", "all other groups (n=2,783)")
            for label in LABELS
        ]
    )  # fmt: skip
    spec = compare_chart(rows, LABELS).to_dict()
    assert spec["title"]["subtitle"] == (
        "dark bars: BIO3 (n=207) · pale bars: all other groups (n=2,783)"
    )
    bars = spec["layer"][0]["encoding"]
    assert bars["opacity"]["legend"] is None, "no black and grey squares"
    assert bars["color"]["legend"] is None
