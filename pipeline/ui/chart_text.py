"""What each chart shows, in words: its text alternative for a screen reader.

Vega reads a chart's ``description`` out as the chart's name (the ``aria-label`` of its
container); without one every chart on the page is announced alike, as "Vega visualization",
and its bars and shares are out of reach. Each function here takes the data a chart in
``pipeline.ui.charts`` draws and says the same figures, in the order the chart draws them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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
        (
            f"{label} {percent_text(percent[label])} ({comments_text(counts.get(label, 0))})"
            for label in labels
        ),
    )


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
            f"{row['aspect']} {round(row['negative'] * 100)}% negative (n={row['n']:,})"
            for _, row in rows.iterrows()
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
