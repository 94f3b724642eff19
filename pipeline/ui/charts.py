"""Altair charts of a job's results; each takes plain data and returns a chart to render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from pipeline.client import Summary
from pipeline.ui.review import CONFIDENCE, with_confidence

LABEL_COLOURS = {"negative": "#d1495b", "neutral": "#8d99ae", "positive": "#2a9d8f"}
MAX_GROUPS = 25
# Bars are sized per band (alt.Step): a fixed pixel height squeezes them in Streamlit's layout.
BAR_STEP = 34
GROUP_STEP = 26


def label_scale(labels: Sequence[str]) -> alt.Scale:
    """The same colour for a label in every chart (red negative, grey neutral, green positive)."""
    if all(label in LABEL_COLOURS for label in labels):
        return alt.Scale(domain=list(labels), range=[LABEL_COLOURS[label] for label in labels])
    return alt.Scale(domain=list(labels), scheme="tableau10")


def distribution_chart(counts: Mapping[str, int], labels: Sequence[str]) -> alt.Chart:
    """How many comments got each label, with the share in the tooltip."""
    total = sum(counts.values()) or 1
    data = pd.DataFrame(
        {
            "label": list(labels),
            "comments": [counts.get(label, 0) for label in labels],
            "share": [counts.get(label, 0) / total for label in labels],
        }
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("comments:Q", title="comments"),
            y=alt.Y("label:N", sort=list(labels), title=None),
            color=alt.Color("label:N", scale=label_scale(labels), legend=None),
            tooltip=["label", "comments", alt.Tooltip("share:Q", format=".1%")],
        )
    )
    text = bars.mark_text(align="left", dx=4).encode(
        text=alt.Text("share:Q", format=".0%"), color=alt.value("#333")
    )
    return (bars + text).properties(title="Label distribution", height=alt.Step(BAR_STEP))


def group_chart(summary: Summary, max_groups: int = MAX_GROUPS) -> alt.Chart:
    """Share of each label per group, the groups with the most negative comments on top.

    With more than ``max_groups`` groups only the largest are drawn, so bars stay readable."""
    labels = summary.labels
    groups = sorted(summary.groups, key=lambda g: g.rows, reverse=True)[:max_groups]
    records = [
        {
            "group": "(blank)" if group.group in (None, "") else str(group.group),
            "label": label,
            "comments": group.counts.get(label, 0),
            "share": group.shares.get(label) or 0.0,
            "rows": group.rows,
        }
        for group in groups
        for label in labels
    ]
    data = pd.DataFrame(records, columns=["group", "label", "comments", "share", "rows"])
    first = labels[0] if labels else ""
    order = data[data["label"] == first].sort_values("share", ascending=False)["group"].tolist()
    title = summary.group_by or "group"
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
            y=alt.Y("group:N", sort=order, title=title),
            color=alt.Color("label:N", scale=label_scale(labels), sort=list(labels)),
            order=alt.Order("label_order:Q"),
            tooltip=["group", "label", "comments", alt.Tooltip("share:Q", format=".1%"), "rows"],
        )
        .transform_calculate(label_order=_label_order(labels))
        .properties(title=f"Labels per {title}", height=alt.Step(GROUP_STEP))
    )


def confidence_chart(frame: pd.DataFrame, labels: Sequence[str]) -> alt.Chart:
    """How sure the model was (probability of the chosen label), stacked by label."""
    scored = with_confidence(frame)
    data = scored[scored[CONFIDENCE].notna()][["label", CONFIDENCE]]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{CONFIDENCE}:Q",
                bin=alt.Bin(extent=[0, 1], step=0.05),
                title="confidence (probability of the chosen label)",
            ),
            y=alt.Y("count():Q", title="comments"),
            color=alt.Color("label:N", scale=label_scale(labels), sort=list(labels)),
            tooltip=["label", alt.Tooltip("count():Q", title="comments")],
        )
        .properties(title="Confidence", height=220)
    )


def _label_order(labels: Sequence[str]) -> str:
    """A Vega expression giving each label its position, so stacks follow the label order."""
    cases = " : ".join(f"datum.label === {label!r} ? {i}" for i, label in enumerate(labels))
    return f"{cases} : {len(labels)}" if labels else "0"
