"""Highlighting the words that drove a label, from a row's ``explanation`` cell
(``great:+0.41;unfair:-0.22``: each word's signed share of the push toward the row's label).

A word that pushed toward the label gets a tint of the label's colour (``palette``: blue-green for
a positive label, red for a negative one), stronger for a larger share; a word that pushed
against it is underlined in grey, never tinted, so a tint always means "this is why". Tints are
blends of the label colour with white, so dark text on them keeps a WCAG contrast of at least
4.5 : 1. The comment is cut into words exactly as the explainer cut it
(``pipeline.model.explain_words.split_words``), and every occurrence of a listed word is marked.

Everything from the comment is HTML-escaped: a comment is data, never markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from pipeline.model.explain_words import parse_explanation, split_words
from pipeline.ui.palette import LABEL_COLOURS, mix

TEXT_COLOUR = "#1f2328"
AGAINST_COLOUR = "#6e7781"
"""The underline of a word that pushed against the label: grey, no label's colour."""
OTHER_LABEL_COLOUR = "#4a6fa5"
"""The tint of a label without a fixed colour (another model's labels)."""
MIN_TINT, MAX_TINT = 0.25, 0.65
"""The strongest tint stops where dark text on the darkest label colour (negative) would fall
under 4.5 : 1."""
FULL_AT = 0.4
"""A share of the push at which the tint is strongest (a comment's top word is often 0.2–0.5)."""

Segment = tuple[str, float | None]


def word_segments(text: str, cell: str) -> list[Segment]:
    """``text`` cut into pieces, each with the score of its word in ``cell`` or None (a word
    not listed, or the spaces between words). Joining the pieces gives ``text`` back; a
    malformed cell highlights nothing."""
    try:
        scores = {word.casefold(): score for word, score in parse_explanation(cell or "")}
    except ValueError:
        scores = {}
    segments: list[Segment] = []
    cursor = 0
    for word in split_words(text) if scores else ():
        score = scores.get(word.text.casefold())
        if score is None:
            continue
        if word.start > cursor:
            segments.append((text[cursor : word.start], None))
        segments.append((word.text, score))
        cursor = word.end
    if cursor < len(text):
        segments.append((text[cursor:], None))
    return segments


def tint(label: str, score: float) -> str:
    """The background of a word that pushed toward ``label`` by ``score`` (0..1)."""
    strength = MIN_TINT + (MAX_TINT - MIN_TINT) * min(1.0, abs(score) / FULL_AT)
    return blend(LABEL_COLOURS.get(label, OTHER_LABEL_COLOUR), strength)


def blend(colour: str, strength: float) -> str:
    """``colour`` laid over white at ``strength`` (0 = white, 1 = the colour), as hex."""
    return mix("#ffffff", colour, strength)


def highlighted_html(text: str, label: str, cell: str) -> str:
    """The comment as HTML with its driving words marked (title: the word's score)."""
    pieces = []
    for piece, score in word_segments(text, cell):
        escaped = html.escape(piece)
        if score is None:
            pieces.append(escaped)
        elif score > 0:
            title = html.escape(f"{score:+.2f} toward {label}", quote=True)
            pieces.append(
                f'<span style="background:{tint(label, score)};color:{TEXT_COLOUR};'
                f'border-radius:3px;padding:0 2px" title="{title}">{escaped}</span>'
            )
        else:
            title = html.escape(f"{score:+.2f}: against {label}", quote=True)
            pieces.append(
                f'<span style="text-decoration:underline dotted {AGAINST_COLOUR};'
                f'text-decoration-thickness:2px" title="{title}">{escaped}</span>'
            )
    return "".join(pieces)


def page_html(rows: Sequence[tuple[str, str, str]]) -> str:
    """The page's comments, one per line, as (comment, label, explanation cell): the label as a
    tag in its colour, then the comment with its words highlighted."""
    lines = []
    for text, label, cell in rows:
        colour = LABEL_COLOURS.get(label, OTHER_LABEL_COLOUR)
        tag = (
            f'<span style="background:{blend(colour, MIN_TINT)};color:{TEXT_COLOUR};'
            f"border:1px solid {colour};border-radius:4px;padding:0 6px;font-size:0.8em;"
            f'margin-right:6px">{html.escape(label or "no label")}</span>'
        )
        lines.append(
            f'<div style="margin:0 0 0.6em 0;line-height:1.7;color:{TEXT_COLOUR}">{tag}'
            f"{highlighted_html(text, label, cell)}</div>"
        )
    return "\n".join(lines)


LEGEND = (
    "Tinted words pushed toward the row's label, in its colour (stronger tint: more of the "
    "push); words underlined in grey pushed against it. Hover a word for its share. The "
    "words are the five that weighed most for each comment (integrated gradients and what the "
    "model says of each word alone, see docs/insights.md)."
)
