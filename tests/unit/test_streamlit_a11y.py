"""What a screen reader and a low-vision reader get from the app (hunt 6, findings 2 to 5).

- Each bar, cell and point of a chart is read as a sentence (its ``description`` field), never
  as Vega's list of every encoded field (``share: 28.000000%; … label_order: 0``); the text
  written on a mark repeats it and is not read twice (``aria: false``).
- *Recent jobs* says each job's status in words: Streamlit hides a button's icon from screen
  readers, so a cancelled job read like a finished one.
- The label and aspect tags of the *Comments* table take their text at 4.5 : 1 or more.
- The theme makes captions (Streamlit's text colour at 60 %) and inline code readable, and
  the page's headings go h1, h2 (a tab's sections), never h1 then h3.

Charts are checked in their Vega-Lite specs; the page with AppTest against the real API."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from apptests import APP, job_page, served_job
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend

from pipeline.api.app import create_app
from pipeline.client import GroupCounts, Summary
from pipeline.ui import charts
from pipeline.ui.launcher import app_config_flags
from pipeline.ui.markdown import unescaped
from pipeline.ui.palette import contrast_ratio, mix, tag_ink

LABELS = ["negative", "neutral", "positive"]
CSV = "course,comment\n" + "".join(
    f"CHEM110,bad exam {i}\nPHYS201,good lectures {i}\nPHYS201,fine {i}\n" for i in range(4)
)
CAPTION_OPACITY = 0.6
"""Streamlit's ``fadedText60``: a caption is the text colour at 60 % over the background."""
BACKGROUNDS = ("#ffffff", "#f8f8f7", "#f0f2f6")
"""The page, the sidebar and Streamlit's code spans and widgets behind a caption."""


def _group(name: str, counts: dict[str, int]) -> GroupCounts:
    total = sum(counts.values())
    return GroupCounts(name, total, 0, counts, {k: v / total for k, v in counts.items()}, {})


def _marks(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every single-mark view of a spec (layers included)."""
    if "mark" in spec:
        yield spec
    for layer in spec.get("layer", []):
        yield from _marks(layer)


def _read_raw(spec: dict[str, Any]) -> list[Any]:
    """The marks Vega would read out field by field: neither described nor hidden."""
    inherited = spec.get("encoding", {})
    raw = []
    for view in _marks(spec):
        mark = view["mark"] if isinstance(view["mark"], dict) else {"type": view["mark"]}
        encoding = {**inherited, **view.get("encoding", {})}
        if mark.get("aria") is not False and "description" not in encoding:
            raw.append(mark)
    return raw


def _said(spec: dict[str, Any]) -> list[str]:
    return [row["description"] for rows in spec["datasets"].values() for row in rows]


def _every_chart() -> dict[str, dict[str, Any]]:
    summary = Summary(
        "r", "succeeded", LABELS, 40, 40, _group("all", {"negative": 14, "neutral": 6,
        "positive": 20}), "course",
        [_group("ENG102", {"negative": 14, "neutral": 0, "positive": 36})],
    )  # fmt: skip
    scores = pd.DataFrame(
        {"label": ["negative", "positive", "positive"], "score_negative": [0.9, 0.1, 0.12],
         "score_neutral": [0.05, 0.1, 0.1], "score_positive": [0.05, 0.8, 0.78]}
    )  # fmt: skip
    bars = pd.DataFrame(
        [("lecturer (n=10)", "lecturer", p, c, f"{c * 10}%", i, False)
         for i, (p, c) in enumerate(zip(LABELS, (2, 0, 8), strict=True))],
        columns=["aspect", "category", "polarity", "comments", "percent", "polarity_order",
                 "small"],
    )  # fmt: skip
    cells = pd.DataFrame(
        [("ENG102 (n=50)", "ENG102", "lecturer", "lecturer", 5 / 38, 38, False, "13% · 38",
          "6–27 %", 0)],
        columns=["group", "group_value", "aspect", "category", "negative", "n", "small", "cell",
                 "interval", "aspect_order"],
    )  # fmt: skip
    compared = pd.DataFrame(
        [{"side": side, "label": label, "share": 0.3, "low": 0.2, "high": 0.4, "percent": "30%",
          "interval": "20–40 %", "n": 10, "caption": "30%"}
         for side in ("ENG102 (n=50)", "all other groups (n=90)") for label in LABELS]
    )  # fmt: skip
    change = pd.DataFrame(
        [("all comments", 0, "earlier", 0.4, "40 %", 50, "beyond the noise"),
         ("all comments", 0, "now", 0.3, "30 %", 60, "beyond the noise")],
        columns=["part", "order", "when", "share", "percent", "n", "flagged"],
    )  # fmt: skip
    trend = pd.DataFrame(
        [("all comments", "1 fall.csv", 0, 0.4, "40 %", 50, "falling"),
         ("all comments", "2 spring.csv", 1, 0.3, "30 %", 60, "falling")],
        columns=["part", "job", "position", "share", "percent", "n", "trend"],
    )  # fmt: skip
    built = {
        "distribution": charts.distribution_chart({"negative": 14, "positive": 20}, LABELS),
        "group": charts.group_chart(summary),
        "confidence": charts.confidence_chart(scores, LABELS),
        "aspect": charts.aspect_chart(bars, LABELS),
        "heat": charts.heat_map(cells, "course"),
        "compare": charts.compare_chart(compared, LABELS),
        "change": charts.change_chart(change),
        "trend": charts.trend_chart(trend),
    }
    return {name: chart.to_dict() for name, chart in built.items()}


def test_every_mark_of_every_chart_is_read_as_a_sentence_or_not_at_all() -> None:
    specs = _every_chart()
    for name, spec in specs.items():
        assert not _read_raw(spec), name
        assert all(said and "000000" not in said for said in _said(spec)), name


def test_a_mark_says_what_its_tooltip_says_in_whole_percentages() -> None:
    specs = _every_chart()
    assert "ENG102 (n=50): negative 28% (14 comments)" in _said(specs["group"])
    assert "ENG102 (n=50): neutral 0% (0 comments)" in _said(specs["group"])
    assert "negative 41% (14 comments)" in _said(specs["distribution"])
    assert _said(specs["confidence"]) == [
        "negative, confidence 0.90–0.95: 1 comment",
        "positive, confidence 0.75–0.80: 1 comment",
        "positive, confidence 0.80–0.85: 1 comment",
    ]
    assert "lecturer (n=10): negative 20% (2 comments)" in _said(specs["aspect"])
    assert _said(specs["heat"]) == ["ENG102 (n=50): lecturer 13% negative (n=38)"]
    assert "negative, ENG102 (n=50): 30% (95 % interval 20–40 %)" in _said(specs["compare"])
    assert "all comments, now: 30 % negative (n=60), beyond the noise" in _said(specs["change"])
    assert "all comments, 1 fall.csv: 40 % negative (n=50), trend falling" in _said(specs["trend"])


def test_the_confidence_histogram_counts_each_bin_as_vega_did() -> None:
    """Binned here so that each bar can be described: 0.15 is in 0.15–0.20 (0.15 / 0.05 is
    2.999…), 1.0 in the last bin, and every scored comment in exactly one bar."""
    scores = pd.DataFrame({"label": ["negative"] * 4, "score_negative": [0.15, 1.0, 0.0, 0.05]})
    spec = charts.confidence_chart(scores, ["negative"]).to_dict()
    (rows,) = spec["datasets"].values()
    assert [(row["low"], row["high"], row["comments"]) for row in rows] == [
        (0.0, 0.05, 1), (0.05, 0.1, 1), (0.15, 0.2, 1), (0.95, 1.0, 1)
    ]  # fmt: skip
    assert spec["encoding"]["x"]["bin"] == "binned"


def _tag_colours(table: Any) -> list[str]:
    config = json.loads(table.proto.columns)
    return [
        option["color"]
        for name in ("label", "aspects")
        if name in config
        for option in config[name]["type_config"]["options"]
    ]


def test_a_jobs_page_reads_its_status_tags_and_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_job(tmp_path, CSV) as (url, request_id):
        at = job_page(url, request_id, monkeypatch)

    (recent,) = [b for b in at.sidebar.button if b.key == f"recent-{request_id}"]
    assert unescaped(recent.label) == f"evaluations.csv · {request_id[:8]} · succeeded"
    table = next(frame for frame in at.dataframe if "confidence" in frame.value.columns)
    colours = _tag_colours(table)
    assert colours, "the label tags are coloured"
    assert all(contrast_ratio(tag_ink(colour), colour) >= 4.5 for colour in colours), colours
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert len(specs) >= 3
    assert all(not _read_raw(spec) for spec in specs), [spec.get("title") for spec in specs]


def test_a_jobs_headings_go_h1_then_h2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tabs' sections (*Summary*, *Report*, *Before release*…) are h2 under the file's h1:
    as h3 a screen reader's list of headings skipped a level (axe's ``heading-order``)."""
    with served_job(tmp_path, CSV) as (url, request_id):
        at = job_page(url, request_id, monkeypatch)

    assert [h.value for h in at.subheader] == ["Recent jobs"], "h3 only under the sidebar's h2"
    assert {"Summary", "Report"} <= {h.value for h in at.header}


def test_a_cancelled_job_says_so_in_recent_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    answer = api.post("/v1/jobs", files={"file": ("cancelme.csv", CSV)})
    request_id = answer.json()["request_id"]
    assert api.delete(f"/v1/jobs/{request_id}").json()["status"] == "cancelled"
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)

    labels = [unescaped(b.label) for b in at.sidebar.button if b.key == f"recent-{request_id}"]
    assert labels == [f"cancelme.csv · {request_id[:8]} · cancelled"]


def _theme() -> dict[str, Any]:
    config = tomllib.loads((APP.parent / ".streamlit" / "config.toml").read_text("utf-8"))
    theme: dict[str, Any] = config["theme"]
    return theme


@pytest.mark.parametrize("option", ["textColor", "codeTextColor"])
def test_captions_and_inline_code_read_at_4_5_to_1(option: str) -> None:
    """A caption (the request id, the columns and model, how to read the heat map) was
    Streamlit's text colour at 60 %, 3.9 : 1; the API address in the sidebar 3.0 : 1."""
    colour = _theme()[option]
    for background in BACKGROUNDS:
        caption = mix(background, colour, CAPTION_OPACITY)
        assert contrast_ratio(caption, background) >= 4.5, (option, background, caption)
    flags = app_config_flags(APP)
    assert flags[flags.index(f"--theme.{option}") + 1] == colour, "`up --ui` passes it on"
