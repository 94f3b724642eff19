"""The geometry of the report's charts, drawn by the template as inline SVG: stacked label bars
and share-with-interval marks. Pure: positions in pixels from shares, nothing drawn here.

Colours mean what they mean in the app (``pipeline.ui.palette``): negative dark red, neutral
light grey, positive blue-green. A small group's bar is drawn paler, as in the app; the
percentage written in a segment is in the ink that reads on its colour (``Segment.ink``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.report.data import LabelShare
from pipeline.ui.palette import LABEL_COLOURS, ink_on

OTHER_COLOURS = ("#4a6fa5", "#e09f3e", "#7b5ea7", "#2a9d8f", "#a0522d")
"""For a model whose labels have no fixed colour; never the three label colours."""
MIN_TEXT_WIDTH = 23.0
"""A segment narrower than this (pixels) carries no percentage inside it: "100%" at the
bars' font size would not fit."""
SMALL_OPACITY = 0.45
BAR_BACKGROUND = "#f3f4f6"
"""Behind every bar (a group's share of nothing shows as this, not as white)."""
UNLABELLED_COLOUR = "#9ca3af"
"""The edge of a listed comment the model gave no label (another language, too long)."""


@dataclass(frozen=True)
class Segment:
    label: str
    x: float
    width: float
    colour: str
    text: str
    """The whole percentage written in the segment; empty where it would not fit."""
    ink: str
    """The colour of ``text``: black or white, whichever reads on ``colour`` (white on the light
    grey of neutral was 1.7 : 1)."""


@dataclass(frozen=True)
class IntervalMark:
    """A share as a dot on a 0–100 % axis with its 95 % interval as a line."""

    x_low: float
    x_high: float
    x_share: float


def label_colour(label: str, labels: Sequence[str]) -> str:
    if label in LABEL_COLOURS:
        return LABEL_COLOURS[label]
    others = [name for name in labels if name not in LABEL_COLOURS]
    return OTHER_COLOURS[others.index(label) % len(OTHER_COLOURS)]


def stacked_bar(shares: Sequence[LabelShare], width: float) -> list[Segment]:
    """Segments left to right in label order, sized by share; nothing for no comments."""
    labels = [share.label for share in shares]
    segments, x = [], 0.0
    for share in shares:
        if not share.share:
            continue
        size = share.share * width
        text = f"{share.percent}%" if size >= MIN_TEXT_WIDTH else ""
        colour = label_colour(share.label, labels)
        segments.append(Segment(share.label, x, size, colour, text, ink_on(colour)))
        x += size
    return segments


def interval_mark(share: LabelShare, width: float) -> IntervalMark | None:
    if share.share is None or share.interval is None:
        return None
    return IntervalMark(
        x_low=share.interval.low * width,
        x_high=share.interval.high * width,
        x_share=share.share * width,
    )


def tint(colour: str, strength: float) -> str:
    """``colour`` mixed with white: ``strength`` 0 is white, 1 the colour itself (a grid
    cell's background, so its text stays readable)."""
    strength = min(1.0, max(0.0, strength))
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - c) * strength) for c in channels)
    return "#" + "".join(f"{c:02x}" for c in mixed)
