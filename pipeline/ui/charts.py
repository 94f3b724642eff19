"""Altair charts of a job's results; each takes plain data and returns a chart to render.

Colours come from ``pipeline.ui.palette`` (a label has one colour everywhere) and every
percentage written on a chart from ``pipeline.ui.shares`` (they add up to 100). Each chart
carries its figures in words as its ``description`` (``pipeline.ui.chart_text``), which a
screen reader reads out as the chart's name, and each bar, cell or point its own (a
``description`` field, the mark's ``aria-label``); text written on or beside a mark repeats it
and is left out of what is read (``aria=False``)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence

import altair as alt
import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.ui import chart_text
from pipeline.ui.groups import group_caption, is_small, labelled
from pipeline.ui.palette import LABEL_COLOURS, ink_on, label_colours, mix
from pipeline.ui.review import CONFIDENCE, with_confidence
from pipeline.ui.shares import percent_text, percentages

MAX_GROUPS = 25
DESCRIPTION = "description:N"
"""Each mark's sentence (``chart_text``'s ``*_marks``), a field of the chart's data."""
CONFIDENCE_STEP = 0.05
CONFIDENCE_BINS = 20
"""The confidence histogram's bins: 0–0.05 … 0.95–1.00."""
# Bars are sized per band (alt.Step): a fixed pixel height squeezes them in Streamlit's layout.
BAR_STEP = 34
GROUP_STEP = 26
SMALL_OPACITY = 0.45
"""Small groups' bars are paler: their shares are less certain."""
NAME_LINE_CHARS = 36
"""A group's name is written on lines of at most this many characters beside its bar: whole,
but a 96-character course name no longer takes most of the chart's width from the bars."""
NAME_LINE_PX = 13
"""The height of one line of a name; a band holds its longest name's lines."""


def label_scale(labels: Sequence[str]) -> alt.Scale:
    """The same colour for a label in every chart (negative dark red, neutral light grey,
    positive blue-green)."""
    colours = label_colours(labels)
    if colours is not None:
        return alt.Scale(domain=list(labels), range=colours)
    return alt.Scale(domain=list(labels), scheme="tableau10")


def count_axis() -> alt.Axis:
    """An axis of comments counted: whole numbers only (five comments are not 0.0, 0.2 … 2.0)."""
    return alt.Axis(format="d", tickMinStep=1)


def distribution_chart(counts: Mapping[str, int], labels: Sequence[str]) -> alt.Chart:
    """How many comments got each label, with its whole percentage (they add up to 100)."""
    percent = percentages(counts, labels)
    data = pd.DataFrame(
        {
            "label": list(labels),
            "comments": [counts.get(label, 0) for label in labels],
            "percent": [percent_text(percent[label]) for label in labels],
        }
    )
    data = data.assign(description=chart_text.distribution_marks(data))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("comments:Q", title="comments", axis=count_axis()),
            y=alt.Y("label:N", sort=list(labels), title=None),
            color=alt.Color("label:N", scale=label_scale(labels), legend=None),
            tooltip=["label:N", "comments:Q", alt.Tooltip("percent:N", title="share")],
            description=DESCRIPTION,
        )
    )
    text = bars.mark_text(align="left", dx=4, aria=False).encode(
        text="percent:N", color=alt.value("#333")
    )
    return (bars + text).properties(
        title="Label distribution",
        height=alt.Step(BAR_STEP),
        description=chart_text.distribution(counts, labels, percent),
    )


def group_chart(summary: Summary, max_groups: int = MAX_GROUPS) -> alt.Chart:
    """Share of each label per group, the groups with the most negative comments on top.

    Every group is named in full with its n (comments with a label), small ones marked and
    paler. With more than ``max_groups`` groups only the largest are drawn, so bars stay
    readable."""
    labels = summary.labels
    groups = sorted(summary.groups, key=labelled, reverse=True)[:max_groups]
    data = pd.DataFrame(
        [record for group in groups for record in _group_records(group, labels)],
        columns=["group", "label", "comments", "percent", "share", "n", "small"],
    )
    data = data.assign(description=chart_text.stacked_marks(data, "group", "label"))
    first = labels[0] if labels else ""
    order = data[data["label"] == first].sort_values("share", ascending=False)["group"].tolist()
    title = summary.group_by or "group"
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("comments:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
            # A name is never cut ("CHEM110 General Chemistry", not "CHEM110 Gen…"), a long
            # one is written on several lines (``name_axis``). No axis title: the chart's title
            # names the column, and a rotated axis title would sit on top of long names.
            y=alt.Y("group:N", sort=order, title=None, axis=name_axis(order)),
            color=alt.Color("label:N", scale=label_scale(labels), sort=list(labels)),
            opacity=alt.condition("datum.small", alt.value(SMALL_OPACITY), alt.value(1.0)),
            order=alt.Order("label_order:Q"),
            tooltip=[
                "group:N",
                "label:N",
                "comments:Q",
                alt.Tooltip("percent:N", title="share"),
                alt.Tooltip("n:Q", title="n"),
            ],
            description=DESCRIPTION,
        )
        .transform_calculate(label_order=_label_order(labels))
        .properties(
            title=f"Labels per {title}",
            height=alt.Step(name_step(order, GROUP_STEP)),
            description=chart_text.stacked(f"Labels per {title}", data, "group", "label", order),
        )
    )


def confidence_chart(frame: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """How sure the model was (probability of the chosen label), stacked by label."""
    scored = with_confidence(frame)
    scores = scored[scored[CONFIDENCE].notna()][["label", CONFIDENCE]]
    data = confidence_bins(scores, labels)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "low:Q",
                bin="binned",
                scale=alt.Scale(domain=[0, 1]),
                title="confidence (probability of the chosen label)",
            ),
            x2="high:Q",
            y=alt.Y("comments:Q", title="comments", axis=count_axis()),
            color=alt.Color("label:N", scale=label_scale(labels), sort=list(labels)),
            order=alt.Order("label_order:Q"),
            tooltip=["label:N", alt.Tooltip("range:N", title="confidence"), "comments:Q"],
            description=DESCRIPTION,
        )
        .properties(
            title="Confidence", height=220, description=chart_text.confidence(scores[CONFIDENCE])
        )
    )


def confidence_bins(scores: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """The histogram's bars: per label (in ``labels``' order) and bin of ``CONFIDENCE_STEP``
    (the last one holds 1.0) its comments, counted here and not by Vega so that each bar's
    sentence can say them."""
    steps = (scores[CONFIDENCE] / CONFIDENCE_STEP).round(9) // 1  # 0.15 / 0.05 is 2.999…
    binned = scores.assign(bin=steps.clip(0, CONFIDENCE_BINS - 1).astype(int))
    counted = binned.groupby(["label", "bin"]).size().reset_index(name="comments")
    position = {label: i for i, label in enumerate(labels)}
    counted["label_order"] = [position.get(label, len(labels)) for label in counted["label"]]
    counted = counted.sort_values(["label_order", "bin"], ignore_index=True)
    counted["low"] = (counted["bin"] * CONFIDENCE_STEP).round(2)
    counted["high"] = ((counted["bin"] + 1) * CONFIDENCE_STEP).round(2)
    counted["range"] = [
        f"{low:.2f}–{high:.2f}" for low, high in zip(counted["low"], counted["high"], strict=True)
    ]
    data = counted[["label", "label_order", "low", "high", "range", "comments"]]
    return data.assign(description=chart_text.confidence_marks(data))


def name_lines(name: str) -> list[str]:
    """A group's name as written beside its bar: on lines of ``NAME_LINE_CHARS`` at most."""
    return textwrap.wrap(name, NAME_LINE_CHARS) or [name]


def name_axis(names: Iterable[str]) -> alt.Axis:
    """The axis that names each group in full (``labelLimit`` 0: never "CHEM110 Gen…"), a long
    name on several lines: Vega writes a label given as a list of lines one under the other,
    from the middle of its band down, so each such label is moved up by half its extra lines
    to sit centred on its bar."""
    wrapped = {name: name_lines(name) for name in names if len(name) > NAME_LINE_CHARS}
    if not wrapped:
        return alt.Axis(labelLimit=0)
    cases = [(f"datum.value === {json.dumps(name)}", lines) for name, lines in wrapped.items()]
    chosen = " : ".join(f"{test} ? {json.dumps(lines)}" for test, lines in cases)
    raised = [
        {"test": test, "value": -(len(lines) - 1) * NAME_LINE_PX / 2} for test, lines in cases
    ]
    return alt.Axis(
        labelLimit=0,
        labelExpr=f"{chosen} : datum.label",
        labelLineHeight=NAME_LINE_PX,
        labelOffset={"condition": raised, "value": 0},
    )


def name_step(names: Iterable[str], step: int) -> int:
    """A band's height in pixels: ``step``, or more where a name takes several lines."""
    lines = max((len(name_lines(name)) for name in names), default=1)
    return max(step, lines * NAME_LINE_PX + 8)


def _group_records(group: GroupCounts, labels: Sequence[str]) -> list[dict[str, object]]:
    n = labelled(group)
    percent = percentages(group.counts, labels)
    caption = group_caption(group.group, n)
    return [
        {
            "group": caption,
            "label": label,
            "comments": group.counts.get(label, 0),
            "percent": percent_text(percent[label]),
            "share": group.counts.get(label, 0) / n if n else 0.0,
            "n": n,
            "small": is_small(n),
        }
        for label in labels
    ]


def _label_order(labels: Sequence[str]) -> str:
    """A Vega expression giving each label its position, so stacks follow the label order."""
    cases = " : ".join(f"datum.label === {label!r} ? {i}" for i, label in enumerate(labels))
    return f"{cases} : {len(labels)}" if labels else "0"


HEAT_STEP = 34
HEAT_MIN_COLUMN = 56
"""The narrowest heat-map column in pixels; a wider one where a cell's text needs it."""
HEAT_CHAR_PX = 6.5
"""About the width of a character of a cell's text (11 px), with room to spare."""
HEAT_LOW = "#f6f6f6"
"""The heat map's 0 % negative: near white, so only negative reads as colour (red)."""
HEAT_SELECTION = "cell"
HEAT_TEXT_SELECTION = "cell_text"
HEAT_HIGH = LABEL_COLOURS["negative"]
"""The heat map's click selections (fields ``category`` and ``group_value``): on a cell, and
on the number written in it."""


def aspect_chart(bars: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """Per aspect (most mentioned first, with its n) the share of its comments that were
    negative, neutral and positive about it, in the label colours."""
    order = list(dict.fromkeys(bars["aspect"]))
    bars = bars.assign(description=chart_text.stacked_marks(bars, "aspect", "polarity"))
    return (
        alt.Chart(bars)
        .mark_bar()
        .encode(
            x=alt.X("comments:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
            y=alt.Y("aspect:N", sort=order, title=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                "polarity:N", scale=label_scale(labels), sort=list(labels), title="about it"
            ),
            opacity=alt.condition("datum.small", alt.value(SMALL_OPACITY), alt.value(1.0)),
            order=alt.Order("polarity_order:Q"),
            tooltip=[
                "aspect:N",
                "polarity:N",
                "comments:Q",
                alt.Tooltip("percent:N", title="share"),
            ],
            description=DESCRIPTION,
        )
        .properties(
            title="What the comments are about",
            height=alt.Step(GROUP_STEP),
            description=chart_text.stacked(
                "What the comments are about", bars, "aspect", "polarity", order
            ),
        )
    )


def heat_map(cells: pd.DataFrame, group_by: str) -> alt.Chart:
    """Groups (rows, named in full with n) × aspects (columns, most mentioned first): the share
    negative of each cell in shades of the negative colour, with the share and n written in it;
    small cells paler. A click selects a cell (``HEAT_SELECTION``). Every column is named:
    Vega's overlap check boxes the slanted names, so with nine aspects it hid every other one.
    Each column is as wide as its widest cell's text (``heat_column_width``), whatever the
    screen: drawn to the page's width, a phone's 400 pixels gave eight aspects 8 pixels each
    and their numbers ran into each other; the page scrolls such a map sideways instead.
    """
    cells = cells.assign(
        ink=[
            ink_on(heat_fill(share, small))
            for share, small in zip(cells["negative"], cells["small"], strict=True)
        ],
        description=chart_text.heat_marks(cells),
    )
    groups = list(dict.fromkeys(cells.sort_values("group")["group"]))
    aspects = list(dict.fromkeys(cells.sort_values("aspect_order")["aspect"]))
    base = alt.Chart(cells).encode(
        x=alt.X("aspect:N", sort=aspects, title=None, axis=alt.Axis(orient="top", labelAngle=-30,
                                                                   labelLimit=0,
                                                                   labelOverlap=False)),
        y=alt.Y("group:N", sort=groups, title=None, axis=name_axis(groups)),
        tooltip=[
            alt.Tooltip("group:N", title=group_by),
            "aspect:N",
            alt.Tooltip("negative:Q", format=".0%", title="negative"),
            alt.Tooltip("interval:N", title="95 % interval"),
            alt.Tooltip("n:Q", title="n"),
        ],
    )  # fmt: skip
    rects = base.mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        color=alt.Color(
            "negative:Q",
            scale=alt.Scale(domain=[0, 1], range=[HEAT_LOW, HEAT_HIGH], interpolate="rgb"),
            legend=alt.Legend(
                format="%",
                title="share negative",
                orient="bottom",
                direction="horizontal",
                gradientLength=200,
                values=[0, 0.5, 1],
            ),
        ),
        opacity=alt.condition("datum.small", alt.value(SMALL_OPACITY), alt.value(1.0)),
        description=DESCRIPTION,
    )
    text = base.mark_text(fontSize=11, aria=False).encode(
        text="cell:N",
        color=alt.Color("ink:N", scale=None),
    )
    # A click on a cell's number lands on the text layer: it selects the cell as well.
    fields = ["category", "group_value"]
    return (
        (
            rects.add_params(alt.selection_point(name=HEAT_SELECTION, fields=fields))
            + text.add_params(alt.selection_point(name=HEAT_TEXT_SELECTION, fields=fields))
        )
        .resolve_scale(color="independent")
        .properties(  # the ink is no share: a scale apart
            title=f"Share negative per aspect and {group_by} (share · n)",
            width=alt.Step(heat_column_width(cells["cell"])),
            height=alt.Step(name_step(groups, HEAT_STEP)),
            description=chart_text.heat_map(cells, group_by, groups),
        )
    )


def heat_column_width(texts: pd.Series) -> int:
    """A heat-map column's width in pixels: its widest cell text (``100% · 1,234``) fits."""
    longest = int(texts.astype(str).str.len().max()) if len(texts) else 0
    return max(HEAT_MIN_COLUMN, round(longest * HEAT_CHAR_PX) + 10)


def heat_fill(negative: float, small: bool) -> str:
    """A heat map cell's colour as the page shows it: ``negative`` of the way along the scale
    (interpolated in RGB, as the chart's scale is), a small cell at ``SMALL_OPACITY`` over the
    white page."""
    fill = mix(HEAT_LOW, HEAT_HIGH, negative)
    return mix("#ffffff", fill, SMALL_OPACITY) if small else fill


def compare_chart(data: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """Each label's share on both sides (``side`` rows under each label), with the 95 %
    interval as a black rule and the share written at the bar's end."""
    sides = list(dict.fromkeys(data["side"]))
    data = data.assign(description=chart_text.compare_marks(data))
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=list(labels), title=None),
        yOffset=alt.YOffset("side:N", sort=sides),
    )
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="share of the side's comments"),
        color=alt.Color("label:N", scale=label_scale(labels), legend=None),
        opacity=alt.Opacity("side:N", sort=sides, scale=alt.Scale(range=[1.0, 0.55]),
                            legend=None),
        tooltip=["side:N", "label:N", alt.Tooltip("percent:N", title="share"),
                 alt.Tooltip("interval:N", title="95 % interval"), alt.Tooltip("n:Q", title="n")],
        description=DESCRIPTION,
    )  # fmt: skip
    rules = base.mark_rule(color="#1f2328", strokeWidth=1.5, aria=False).encode(
        x="low:Q", x2="high:Q"
    )
    text = base.mark_text(align="left", dx=4, aria=False).encode(
        x="high:Q", text="caption:N", color=alt.value("#1f2328")
    )
    # The sides in the subtitle, not a legend: a legend of opacity drew a black and a grey
    # square for bars that are red, grey and green, dark or pale.
    return (bars + rules + text).properties(
        title=alt.TitleParams(
            "Label shares side by side (bar: share; line: 95 % interval)",
            subtitle=side_names(sides),
            anchor="start",
        ),
        height=alt.Step(18),
        description=chart_text.compare(data, labels),
    )


def side_names(sides: Sequence[str]) -> str:
    """Which bars are which side: the first side's dark, the second's pale."""
    shades = ("dark", "pale")
    return " · ".join(f"{shade} bars: {side}" for shade, side in zip(shades, sides, strict=False))


def change_chart(data: pd.DataFrame) -> alt.Chart:
    """Each part's share negative earlier (hollow) and now (filled), joined by a line that is
    dark where the change is beyond the noise; all comments first, then the largest groups."""
    order = list(dict.fromkeys(data.sort_values("order")["part"]))
    data = data.assign(description=chart_text.change_marks(data))
    base = alt.Chart(data).encode(
        y=alt.Y("part:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("share:Q", axis=alt.Axis(format="%", tickCount=10),
                scale=alt.Scale(domain=[0, 1]), title="share negative"),
        tooltip=["part:N", "when:N", alt.Tooltip("percent:N", title="share negative"),
                 alt.Tooltip("n:Q", title="n"), alt.Tooltip("flagged:N", title="change")],
    )  # fmt: skip
    lines = base.mark_line(strokeWidth=2, aria=False).encode(
        detail="part:N",
        color=alt.Color(
            "flagged:N",
            scale=alt.Scale(
                domain=["beyond the noise", "within the noise"], range=["#1f2328", "#c7ccd4"]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
    )
    points = base.mark_point(size=70, strokeWidth=2, color=LABEL_COLOURS["negative"]).encode(
        fill=alt.Fill(
            "when:N",
            scale=alt.Scale(domain=["earlier", "now"], range=["white", LABEL_COLOURS["negative"]]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        description=DESCRIPTION,
    )
    return (lines + points).properties(
        title="Share negative: earlier (hollow) → now (filled)",
        height=alt.Step(GROUP_STEP),
        description=chart_text.change(data, order),
    )


def trend_chart(data: pd.DataFrame) -> alt.Chart:
    """Each part's share negative in each job, oldest first, one line per part; a part whose
    trend is beyond the noise is drawn solid, the others dashed."""
    jobs = list(dict.fromkeys(data.sort_values("position")["job"]))
    data = data.assign(description=chart_text.trend_marks(data))
    base = alt.Chart(data).encode(
        x=alt.X("job:N", sort=jobs, title=None, axis=alt.Axis(labelAngle=0, labelLimit=160)),
        y=alt.Y("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="share negative"),
        color=alt.Color("part:N", title=None, legend=alt.Legend(orient="right", labelLimit=200)),
        tooltip=["part:N", "job:N", alt.Tooltip("percent:N", title="share negative"),
                 alt.Tooltip("n:Q", title="n"), alt.Tooltip("trend:N", title="trend")],
    )  # fmt: skip
    lines = base.mark_line(strokeWidth=2, aria=False).encode(
        strokeDash=alt.StrokeDash(
            "trend:N",
            scale=alt.Scale(
                domain=["falling", "rising", "within the noise"], range=[[1, 0], [1, 0], [4, 3]]
            ),
            legend=alt.Legend(title="trend", orient="bottom"),
        )
    )
    points = base.mark_point(size=50, filled=True).encode(description=DESCRIPTION)
    return (lines + points).properties(
        title="Share negative in each job, oldest first",
        height=320,
        description=chart_text.trend(data),
    )
