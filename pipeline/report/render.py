"""A report's data as one self-contained HTML page (inline CSS and SVG, no script, nothing
fetched) and as a printable PDF of that page (WeasyPrint).

Every comment and group name is user input: the template engine escapes everything it writes
(``autoescape``), the page forbids scripts and outside resources in its own
Content-Security-Policy, and the PDF renderer is given a fetcher that fetches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import Unsupported
from pipeline.release.kinds import DESCRIPTIONS
from pipeline.report import charts
from pipeline.report.data import ReportData, ThemeEntry
from pipeline.report.quotes import MAX_WORDS, MIN_WORDS
from pipeline.report.stats import ALPHA, Interval
from pipeline.ui.groups import SMALL_GROUP, in_sentence
from pipeline.ui.shares import count_text, percent_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""No script, no outside resource: what a report page may load (also sent as a header)."""
BAR_WIDTH = 260
AXIS_WIDTH = 260
ASPECT_BAR_WIDTH = 110
GRID_ASPECTS = 6
"""Aspects (the most spoken about) in the grid of one share per aspect and group: what fits
across an A4 page."""
PDF_VARIANT = "pdf/ua-1"
"""A tagged PDF (PDF/UA-1: headings, tables with their header cells, lists, each chart with
its text as alternate text, the document's title and language), so a screen reader reads
the report as it reads the HTML page: universities must publish documents accessibly."""
GRID_STRENGTH = 0.7
"""A grid cell of share 100 % is tinted this much of the label's colour (text stays legible)."""


def render_html(data: ReportData) -> str:
    """The whole job's report, or one group's (``data.focus``)."""
    page = "group.html.j2" if data.focus is not None else "report.html.j2"
    return _environment().get_template(page).render(_context(data))


def render_pdf(data: ReportData) -> bytes:
    """The HTML page laid out on A4 pages; Unsupported where WeasyPrint or its system
    libraries (Pango) are not installed."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise Unsupported(
            "PDF reports need WeasyPrint and the Pango library on the server "
            "(pip install 'comment-sentiment-pipeline[serve]'; on Debian also apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0): {exc}; ask for format=html meanwhile"
        ) from exc
    document = HTML(string=render_html(data), url_fetcher=_fetch_nothing)
    return bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> Any:
    """The PDF renderer's fetcher: a report loads nothing, from anywhere."""
    raise ValueError(f"a report loads no outside resource ({url[:80]})")


def _context(data: ReportData) -> dict[str, Any]:
    return {
        "report": data,
        "csp": CONTENT_SECURITY_POLICY,
        "small_group": SMALL_GROUP,
        "alpha": ALPHA,
        "bar_width": BAR_WIDTH,
        "aspect_bar_width": ASPECT_BAR_WIDTH,
        "axis_width": AXIS_WIDTH,
        "stacked_bar": charts.stacked_bar,
        "interval_mark": charts.interval_mark,
        "colour": lambda label: charts.label_colour(label, data.labels),
        "small_opacity": charts.SMALL_OPACITY,
        "unlabelled_colour": charts.UNLABELLED_COLOUR,
        "bar_background": charts.BAR_BACKGROUND,
        "quote_words": (MIN_WORDS, MAX_WORDS),
        "by_label": by_label,
        "release_kinds": {kind.value: text for kind, text in DESCRIPTIONS.items()},
        "grid_aspects": GRID_ASPECTS,
        "tint": lambda label, share: charts.tint(
            charts.label_colour(label, data.labels), GRID_STRENGTH * (share or 0.0)
        ),
    }


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        percent=percent,
        shown=percent_text,
        interval=interval_text,
        points=points,
        p_value=p_value_text,
        when=when,
        count=count_text,
        px=lambda value: f"{value:.1f}",
        aspect_name=aspect_name,
        in_text=in_sentence,
    )
    return environment


def aspect_name(name: str) -> str:
    """``course content`` for the category ``course_content``."""
    return name.replace("_", " ")


def by_label(themes: Sequence[ThemeEntry]) -> list[tuple[str, list[ThemeEntry]]]:
    """The themes label by label, in the order they come (``about.theme_entries``: the
    model's label order)."""
    return [(label, list(group)) for label, group in groupby(themes, key=lambda t: t.label)]


def percent(share: float | None) -> str:
    """``45%``; ``0.4%`` below one percent (never a "0%" for a share that is not nothing)."""
    if share is None:
        return "–"
    if 0 < share < 0.01:
        return f"{share * 100:.1f}%"
    return f"{share * 100:.0f}%"


def interval_text(interval: Interval | None) -> str:
    """``30–61%``: the 95 % interval of a share."""
    if interval is None:
        return "–"
    return f"{interval.low * 100:.0f}–{interval.high * 100:.0f}%"


def points(difference: float | None) -> str:
    """``+31 pts``: a difference of shares in percentage points, signed (``–``: none)."""
    if difference is None:
        return "–"
    return f"{difference * 100:+.0f} pts"


def p_value_text(value: float) -> str:
    """``p=0.003``, ``p<0.001``: a p-value as a reader is used to seeing it."""
    if value < 0.001:
        return "p<0.001"
    return f"p={value:.3f}" if value < 0.1 else f"p={value:.2f}"


def when(moment: datetime | None) -> str:
    """In UTC, as the database keeps it (SQLite hands back naive UTC times)."""
    if moment is None:
        return "–"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
