"""The one meaning of colour in the app: a label has the same colour in every chart, bar, badge
and table cell (negative dark red, neutral light grey, positive blue-green), and nothing else uses
those three.

The three differ in lightness as well as in hue (L* 40, 81 and 49), so they stay apart for a reader
who cannot tell red from green (about 1 man in 16) and on a page printed in grey: the earlier red
and green had one lightness and became one brown under deuteranopia, which made every stacked bar
unreadable. Each also takes text at 4.5 : 1 or more in the ink Streamlit chooses for a table's tags
(``tag_ink``), white on the red and the blue-green, black on the grey
(tests/unit/test_palette_colour_blind.py checks both).

A score that is not a label (the confidence of the chosen label) has a colour of its own, so a
bar of confidence never reads as "negative"; the theme's primary colour (.streamlit/config.toml)
is that blue too, for the same reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

LABEL_COLOURS = {"negative": "#b7211d", "neutral": "#c4c9d1", "positive": "#338171"}
BADGE_COLOURS = {"negative": "red", "neutral": "gray", "positive": "green"}
"""The same meaning in Streamlit's named Markdown colours (badges)."""
CONFIDENCE_COLOUR = "#4a6fa5"
"""Blue: a probability of the chosen label, not a label."""
FAVICON = Path(__file__).with_name("favicon.svg")
"""The page's icon, in these colours, served by the app itself: a Material icon as the page
icon is fetched by the browser from fonts.gstatic.com, which a page opened offline (or on a
network that blocks Google) cannot reach, and which need not learn who reads the results."""


def has_fixed_colours(labels: Sequence[str]) -> bool:
    """Whether every label has its fixed colour (a model with other labels gets a scheme)."""
    return bool(labels) and all(label in LABEL_COLOURS for label in labels)


def label_colours(labels: Sequence[str]) -> list[str] | None:
    """One colour per label in the labels' order, or None for labels without fixed colours."""
    return [LABEL_COLOURS[label] for label in labels] if has_fixed_colours(labels) else None


def badge_colour(label: str) -> str:
    return BADGE_COLOURS.get(label, "blue")


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, two: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours (1 to 21; text wants 4.5)."""
    high, low = sorted((relative_luminance(one), relative_luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(start: str, end: str, share: float) -> str:
    """``#rrggbb`` ``share`` of the way from ``start`` to ``end`` in RGB (0: ``start``)."""
    channels = (
        round(
            int(start[i : i + 2], 16)
            + (int(end[i : i + 2], 16) - int(start[i : i + 2], 16)) * share
        )
        for i in (1, 3, 5)
    )
    return "#" + "".join(f"{channel:02x}" for channel in channels)


TAG_INK_SWITCH = 0.5
"""Streamlit writes a tag's text (a ``MultiselectColumn`` option) black on a colour whose
relative luminance is over this, white on any other: its own rule, not the better of the two."""


def tag_ink(colour: str) -> str:
    """The ink Streamlit writes on a table tag of ``colour``; a tag colour must take it at
    4.5 : 1, so one whose luminance is between 0.18 and 0.5 (white on it under 4.5) is no tag
    colour."""
    return "#000000" if relative_luminance(colour) > TAG_INK_SWITCH else "#ffffff"


def ink_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``: one of them always has a
    contrast of 4.58 or more."""
    white, black = "#ffffff", "#000000"
    return white if contrast_ratio(white, background) > contrast_ratio(black, background) else black
