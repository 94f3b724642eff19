"""What each chart shows, in words: its text alternative for a screen reader.

Vega reads a chart's ``description`` out as the chart's name (the ``aria-label`` of its
container); without one every chart on the page is announced alike, as "Vega visualization",
and its bars and shares are out of reach. Each function here takes the data a chart in
``pipeline.ui.charts`` draws and says the same figures, in the order the chart draws them.

The ``*_marks`` functions give each bar, cell or point its own sentence (the chart's
``description`` channel, which Vega makes the mark's ``aria-label``): without one Vega reads
every encoded field raw, ``share: 28.000000%; … label_order: 0``. A mark says what its tooltip
says, with the whole percentages the page shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from pipeline.ui.shares import comments_text, percent_text


def described(title: str, parts: Iterable[str]) -> str:
    """``Title: part; part.`` (the title alone, with a full stop, when nothing is drawn)."""
    said = "; ".join(part for part in parts if part)
    return f"{title}: {said}." if said else f"{title}: nothing to draw."


def distribution(
    counts: Mapping[str, int], labels: Sequence[str], percent: Mapping[str, int | None]
) -> str:
    """``Label distribution: negative 40% (24 comments); …``."""
    return described(
        "Label distribution",
        (share_said(label, percent_text(percent[label]), counts.get(label, 0)) for label in labels),
    )


def share_said(label: str, percent: str, comments: int) -> str:
    """``negative 40% (24 comments)``."""
    return f"{label} {percent} ({comments_text(comments)})"


def distribution_marks(data: pd.DataFrame) -> list[str]:
    """Per bar of the label distribution: ``negative 40% (24 comments)``."""
    return [
        share_said(label, percent, comments)
        for label, percent, comments in _columns(data, "label", "percent", "comments")
    ]


def stacked_marks(data: pd.DataFrame, part: str, piece: str) -> list[str]:
    """Per segment of a stacked bar: ``ENG102 (n=50): negative 28% (14 comments)``."""
    return [
        f"{name}: {share_said(label, percent, comments)}"
        for name, label, percent, comments in _columns(data, part, piece, "percent", "comments")
    ]


def confidence_marks(data: pd.DataFrame) -> list[str]:
    """Per segment of the confidence histogram: ``negative, confidence 0.90–0.95: 3 comments``."""
    return [
        f"{label}, confidence {low:.2f}–{high:.2f}: {comments_text(comments)}"
        for label, low, high, comments in _columns(data, "label", "low", "high", "comments")
    ]


def heat_marks(cells: pd.DataFrame) -> list[str]:
    """Per cell of the heat map: ``ENG102 (n=50): lecturer 13% negative (n=38)``."""
    return [
        f"{group}: {_heat_cell(aspect, negative, n)}"
        for group, aspect, negative, n in _columns(cells, "group", "aspect", "negative", "n")
    ]


def compare_marks(data: pd.DataFrame) -> list[str]:
    """Per bar of the comparison: ``negative, CS1 (n=40): 28% (95 % interval 16–44 %)``."""
    return [
        f"{label}, {side}: {percent} (95 % interval {interval})"
        for label, side, percent, interval in _columns(data, "label", "side", "percent", "interval")
    ]


def change_marks(data: pd.DataFrame) -> list[str]:
    """Per point of the change chart: ``CHEM110, now: 12 % negative (n=40), beyond the noise``."""
    return [
        f"{part}, {when}: {percent} negative (n={n:,}), {flagged}"
        for part, when, percent, n, flagged in _columns(
            data, "part", "when", "percent", "n", "flagged"
        )
    ]


def trend_marks(data: pd.DataFrame) -> list[str]:
    """Per point of the trend chart: ``all comments, 2 spring.csv: 30 % negative (n=50), trend
    falling``."""
    return [
        f"{part}, {job}: {percent} negative (n={n:,}), trend {trend}"
        for part, job, percent, n, trend in _columns(data, "part", "job", "percent", "n", "trend")
    ]


def _columns(data: pd.DataFrame, *names: str) -> Iterable[tuple[Any, ...]]:
    """The rows of ``names`` (none for a frame without rows, which may lack the columns)."""
    return [] if data.empty else zip(*(data[name] for name in names), strict=True)


def _heat_cell(aspect: str, negative: float, n: int) -> str:
    return f"{aspect} {round(negative * 100)}% negative (n={n:,})"


def stacked(title: str, data: pd.DataFrame, part: str, piece: str, order: Sequence[str]) -> str:
    """A stacked bar chart of shares (``percent``): per bar (``part``, in ``order``), each of
    its pieces (``piece``) with its share, as drawn."""
    parts = []
    for name in order:
        rows = data[data[part] == name]
        shares = ", ".join(f"{row[piece]} {row['percent']}" for _, row in rows.iterrows())
        parts.append(f"{name}: {shares}")
    return described(title, parts)


def confidence(scores: pd.Series) -> str:
    """``Confidence … of 60 comments: median 0.91, a quarter under 0.62, lowest 0.42.``"""
    title = "Confidence, the probability of the chosen label"
    if scores.empty:
        return described(title, [])
    return (
        f"{title}, of {comments_text(len(scores))}: median {scores.median():.2f}, a quarter "
        f"under {scores.quantile(0.25):.2f}, lowest {scores.min():.2f}."
    )


def heat_map(cells: pd.DataFrame, group_by: str, groups: Sequence[str]) -> str:
    """Per group (in ``groups``' order) each aspect's share negative with its n."""
    parts = []
    for group in groups:
        rows = cells[cells["group"] == group].sort_values("aspect_order")
        said = ", ".join(
            _heat_cell(row["aspect"], row["negative"], row["n"]) for _, row in rows.iterrows()
        )
        parts.append(f"{group}: {said}")
    return described(f"Share negative per aspect and {group_by}", parts)


def compare(data: pd.DataFrame, labels: Sequence[str]) -> str:
    """Per label each side's share with its 95 % interval."""
    parts = []
    for label in labels:
        rows = data[data["label"] == label]
        said = ", ".join(
            f"{row['side']} {row['percent']} (95 % interval {row['interval']})"
            for _, row in rows.iterrows()
        )
        parts.append(f"{label}: {said}")
    return described("Label shares side by side", parts)


def change(data: pd.DataFrame, order: Sequence[str]) -> str:
    """Per part its share negative earlier → now, and whether the change is beyond the noise."""
    parts = []
    for part in order:
        rows = data[data["part"] == part]
        shares = {row["when"]: row["percent"] for _, row in rows.iterrows()}
        flagged = rows["flagged"].iloc[0] if len(rows) else ""
        parts.append(f"{part} {shares.get('earlier', '–')} → {shares.get('now', '–')} ({flagged})")
    return described("Share negative, earlier → now", parts)


def trend(data: pd.DataFrame) -> str:
    """Per part its share negative in each job, oldest first, and its trend."""
    parts = []
    for part in dict.fromkeys(data["part"]):
        rows = data[data["part"] == part].sort_values("position")
        shares = ", ".join(f"{row['job']} {row['percent']}" for _, row in rows.iterrows())
        parts.append(f"{part}: {shares} ({rows['trend'].iloc[0]})")
    return described("Share negative in each job, oldest first", parts)
