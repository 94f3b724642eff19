"""The *About what* heat map keeps cells its numbers fit in, on any screen (its spec, and the
page that holds it, with AppTest against the canned API of ``test_streamlit_insights``).

Drawn to the page's width, a phone's 400 pixels gave eight aspects 8 pixels each: the
``39% · 72`` of each cell ran into its neighbours', the legend was cut at 50 % and the title
after *(shar…*. Each column now has the width its widest cell text needs, and the map sits in
a row of its own that scrolls sideways where the screen is narrower."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from apptests import job_page
from httpfakes import serving
from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest
from test_streamlit_insights import InsightsApi

from pipeline.ui.charts import HEAT_MIN_COLUMN, heat_column_width, heat_map

TITLE = "Share negative per aspect and course"


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with serving(InsightsApi) as url:
        yield url


def cells(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": [f"G{i} (n=40)" for i in range(len(texts))],
            "group_value": [f"G{i}" for i in range(len(texts))],
            "aspect": ["exams"] * len(texts),
            "category": ["exams"] * len(texts),
            "negative": [0.5] * len(texts),
            "n": [40] * len(texts),
            "small": [False] * len(texts),
            "cell": texts,
            "interval": ["35–65 %"] * len(texts),
            "aspect_order": [0] * len(texts),
        }
    )


def test_a_column_is_as_wide_as_its_widest_cell_text_needs() -> None:
    assert heat_column_width(pd.Series(["0% · 1"])) == HEAT_MIN_COLUMN
    wide = heat_column_width(pd.Series(["39% · 72", "100% · 12,345"]))
    assert wide > HEAT_MIN_COLUMN and wide >= 6 * len("100% · 12,345"), wide
    spec = heat_map(cells(["39% · 72", "100% · 12,345"]), "course").to_dict()
    assert spec["width"] == {"step": wide}, "its own width, not the screen's"


def heat_row(node: Any, inside: bool = False) -> Iterator[tuple[bool, Any]]:
    """Every chart under ``node``, with whether a row that scrolls sideways holds it."""
    proto = getattr(node, "proto", None)
    if isinstance(proto, Block) and proto.HasField("flex_container"):
        flex = proto.flex_container
        horizontal = flex.direction == Block.FlexContainer.Direction.HORIZONTAL
        inside = inside or (horizontal and not flex.wrap)
    if getattr(node, "type", "") == "vega_lite_chart":
        yield inside, node
    for child in getattr(node, "children", {}).values():
        yield from heat_row(child, inside)


def test_the_page_scrolls_the_map_sideways_instead_of_squeezing_it(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at: AppTest = job_page(api, "insightjob", monkeypatch)
    found = [
        (scrolls, chart)
        for scrolls, chart in heat_row(at.main)
        if TITLE in json.loads(chart.proto.spec).get("title", "")
    ]
    assert len(found) == 1, [json.loads(c.proto.spec).get("title") for _s, c in found]
    scrolls, chart = found[0]
    assert scrolls, "in a row that scrolls sideways"
    assert "step" in json.loads(chart.proto.spec)["width"]
    assert not chart.proto.use_container_width, "drawn at its own width"
