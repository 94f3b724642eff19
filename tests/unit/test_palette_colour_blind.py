"""The label colours stay apart for a reader who cannot tell red from green, and text on them
reads (hunt 6, findings 1 and 4).

About 1 man in 16 has a red-green deficiency. The earlier negative ``#d1495b`` and positive
``#3a9d5d`` had almost one lightness and became one brown under deuteranopia (ΔE 3.6), so the
stacked bars of *Confidence*, *Labels per course* and *What the comments are about* could not
be read. Here each colour is seen as a dichromat sees it (Machado, Oliveira and Fernandes 2009,
severity 1, applied to linear RGB) and compared in CIELAB (ΔE76); the floor of 20 is about
the distance of two colours that are told apart at a glance, not side by side.

The label tags of the *Comments* table are drawn by Streamlit, which writes their text black on
a colour of luminance over 0.5 and white on any other (``palette.tag_ink``): white on the old
neutral grey was 2.9 : 1.
"""

from __future__ import annotations

import itertools
import re

import pytest
from reportfakes import NOW, job, part, summary

from pipeline.report.assemble import assemble
from pipeline.report.charts import stacked_bar
from pipeline.report.data import LabelShare, ModelFacts
from pipeline.report.render import render_html
from pipeline.ui.highlight import tint
from pipeline.ui.palette import (
    CONFIDENCE_COLOUR,
    LABEL_COLOURS,
    contrast_ratio,
    ink_on,
    tag_ink,
)

MACHADO = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
}
DIFFERENCE_FLOOR = 20.0
LIGHTNESS_FLOOR = 8.0
"""L* apart: two label colours differ in lightness too, so they stay apart printed in grey."""
OLD_COLOURS = {"negative": "#d1495b", "neutral": "#8d99ae", "positive": "#3a9d5d"}


def _linear(colour: str) -> tuple[float, float, float]:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return r, g, b


def _encoded(linear: float) -> int:
    c = min(1.0, max(0.0, linear))
    return round(255 * (c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055))


def simulated(colour: str, deficiency: str) -> str:
    """``colour`` as a dichromat with ``deficiency`` sees it."""
    rgb = _linear(colour)
    seen = (sum(m * c for m, c in zip(row, rgb, strict=True)) for row in MACHADO[deficiency])
    return "#" + "".join(f"{_encoded(value):02x}" for value in seen)


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of ``#rrggbb``."""
    r, g, b = _linear(colour)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def difference(one: str, two: str) -> float:
    """CIE ΔE76 of two colours."""
    return sum((a - b) ** 2 for a, b in zip(lab(one), lab(two), strict=True)) ** 0.5


PAIRS = list(itertools.combinations(sorted(LABEL_COLOURS), 2))


def test_the_simulation_sees_the_old_red_and_green_as_one_brown() -> None:
    """The check itself: the hunt's figures for the old palette, which it must refuse."""
    negative = simulated(OLD_COLOURS["negative"], "deuteranopia")
    positive = simulated(OLD_COLOURS["positive"], "deuteranopia")
    assert difference(negative, "#8d8358") < 1 and difference(positive, "#908761") < 1
    assert difference(negative, positive) < DIFFERENCE_FLOOR
    assert simulated("#808080", "protanopia") == "#808080", "a grey stays grey"


@pytest.mark.parametrize("deficiency", sorted(MACHADO))
@pytest.mark.parametrize(("one", "two"), PAIRS)
def test_every_two_label_colours_stay_apart_for_a_colour_blind_reader(
    deficiency: str, one: str, two: str
) -> None:
    seen = simulated(LABEL_COLOURS[one], deficiency), simulated(LABEL_COLOURS[two], deficiency)
    assert difference(*seen) >= DIFFERENCE_FLOOR, (one, two, seen)


@pytest.mark.parametrize(("one", "two"), PAIRS)
def test_every_two_label_colours_differ_in_lightness_too(one: str, two: str) -> None:
    lightness = abs(lab(LABEL_COLOURS[one])[0] - lab(LABEL_COLOURS[two])[0])
    assert lightness >= LIGHTNESS_FLOOR, (one, two, lightness)


def test_the_labels_keep_their_meaning_red_grey_and_blue_green() -> None:
    """A reader's expectations hold: negative is the red one, neutral the grey one."""
    hues = {label: lab(colour) for label, colour in LABEL_COLOURS.items()}
    assert hues["negative"][1] > 40, "red: strongly toward red on a*"
    assert hues["positive"][1] < -20, "green-ish: toward green on a*"
    assert abs(hues["neutral"][1]) < 5 and abs(hues["neutral"][2]) < 8, "grey: little colour"


@pytest.mark.parametrize("colour", [*LABEL_COLOURS.values(), CONFIDENCE_COLOUR])
def test_a_tags_text_reads_in_the_ink_streamlit_writes_on_it(colour: str) -> None:
    """The *Comments* table's label and aspect tags (aspects of another label are blue)."""
    assert contrast_ratio(tag_ink(colour), colour) >= 4.5, colour
    assert tag_ink(colour) == ink_on(colour), "Streamlit's ink is the better one"


def test_streamlits_ink_on_the_old_colours_was_white_and_unreadable() -> None:
    assert {tag_ink(colour) for colour in OLD_COLOURS.values()} == {"#ffffff"}
    assert contrast_ratio("#ffffff", OLD_COLOURS["neutral"]) < 3


@pytest.mark.parametrize("label", sorted(LABEL_COLOURS))
def test_the_reports_percentage_reads_on_its_segment(label: str) -> None:
    (segment,) = stacked_bar([LabelShare(label, 10, 1.0, 100, None)], 200)
    assert segment.text == "100%"
    assert contrast_ratio(segment.ink, segment.colour) >= 4.5


def test_the_report_writes_each_percentage_in_its_segments_ink() -> None:
    html = render_html(assemble(job(), summary([part("CS1", 30, 30, 40)]), ModelFacts("m"), NOW))
    written = re.findall(
        r'<rect [^>]*fill="(#[0-9a-f]{6})"/>\s*<text [^>]*fill="(#[0-9a-f]{6})"', html
    )
    assert {fill for fill, _ink in written} >= set(LABEL_COLOURS.values())
    assert all(contrast_ratio(ink, fill) >= 4.5 for fill, ink in written), written


def test_a_highlighted_words_tint_of_another_models_label_keeps_its_text_readable() -> None:
    assert tint("other", 1.0) != tint("negative", 1.0)
    assert contrast_ratio(tint("other", 1.0), "#1f2328") >= 4.5
