"""A job's aspects and themes as plain text for a terminal: pure functions of the API's JSON
and the terminal's width, so what ``aspects`` and ``themes`` print is tested without a server.
Every line fits the width: a heading wraps, a table row or quote that does not fit ends in an
ellipsis."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipeline.group_names import group_name

POLARITIES = ("negative", "neutral", "positive")
SMALL_MARK = "*"
SMALL_NOTE = f"{SMALL_MARK} fewer than 10 labelled comments: shares are unreliable"
MIN_WIDTH = 40
MAX_NAME = 24
MAX_QUOTES = 3
MIXED_THEME = "mixed comments"
"""The name ``pipeline.themes.report.MIXED_THEME`` gives a theme its keywords do not name (not
imported: the CLI loads no NumPy); also shown for an older job's theme stored with no name."""
PARTIAL = "partial: the job's rows so far"
"""What an answer that is not ``complete`` is said to be when nothing more is known of its job."""


def aspects_table(body: Mapping[str, Any], width: int, unfinished: str = PARTIAL) -> str:
    """Per aspect: comments about it (n) and the share of each polarity towards it, largest
    n first with what the category covers; then per group when the body has groups. Aspects
    no comment is about are named on one line, not given rows of zeros. ``unfinished`` ends
    the heading of an answer of part of the job's rows: what became of the job (running,
    cancelled or failed: ``pipeline.cli.job_commands.unfinished_note``), never "still
    running" for one that will not finish."""
    width = max(width, MIN_WIDTH)
    listed: list[Mapping[str, Any]] = body.get("categories") or []
    categories = _mentioned(listed)
    polarities = _polarities(categories)
    lines: list[str] = []
    if not categories:
        lines.append(_no_aspect(body))
        return _fitted(_aspects_heading(body, unfinished), lines, width)
    name_width = _column_width("aspect", (category["name"] for category in categories))
    lines.append(
        f"{'aspect':<{name_width}} {'n':>6} {_polarity_header(polarities)}  meaning".rstrip()
    )
    for category in categories:
        figures = _figures(category, name_width, polarities)
        lines.append(f"{figures}  {category.get('meaning') or ''}".rstrip())
    unmentioned = [str(category["name"]) for category in listed if not category.get("n")]
    if unmentioned:
        lines.append(f"no comment is about: {', '.join(unmentioned)}")
    groups: list[Mapping[str, Any]] = body.get("groups") or []
    if groups:
        lines += ["", *_group_rows(groups, str(body.get("group_by") or "group"), polarities)]
    return _fitted(_aspects_heading(body, unfinished), lines, width)


def themes_text(body: Mapping[str, Any], width: int) -> str:
    """Per theme: its label, name and keywords, size and share, up to three quotes and, when
    the body is counted by a column, its comments per group."""
    width = max(width, MIN_WIDTH)
    themes: list[Mapping[str, Any]] = body.get("themes") or []
    lines: list[str] = []
    if not themes:
        lines.append(_no_theme(body))
    counted_by = body.get("group_by") if body.get("group") is None else None
    for theme in themes:
        size, share = int(theme.get("size") or 0), float(theme.get("share") or 0.0)
        lines += [
            "",
            f"{theme.get('label')} #{theme.get('id')}  {theme.get('name') or MIXED_THEME}: "
            f"{size} comments, {share:.1%} of the label's",
            f"  keywords: {_keywords(theme)}",
        ]
        lines += [f'  "{_one_line(quote["text"])}"' for quote in _quotes(theme)]
        if counted_by:
            lines.append(f"  by {counted_by}: {_group_counts(theme.get('counts') or [])}")
    return _fitted(_themes_heading(body, len(themes)), lines, width)


def _no_aspect(body: Mapping[str, Any]) -> str:
    """Why no aspect has a comment: the job has none labelled, or (so far) none of its
    labelled comments is about one."""
    labelled = int(body.get("rows_labelled") or 0)
    if not body.get("complete", True):
        return "no comment labelled so far is about an aspect"
    if not labelled:
        return "no aspects: the job has no labelled comment"
    if labelled == 1:
        return "no aspects: the job's one labelled comment is about none"
    return f"no aspects: none of the job's {labelled:,} labelled comments is about an aspect"


def _no_theme(body: Mapping[str, Any]) -> str:
    """Why there is no theme: nothing matches the filters given, or the job has no labelled
    comment at all (every labelled comment is in a theme)."""
    if body.get("label") or body.get("aspect") or body.get("group") is not None:
        return "no themes: no labelled comment matches these filters"
    return "no themes: the job has no labelled comment"


def _keywords(theme: Mapping[str, Any]) -> str:
    """A theme's keywords; for one they do not name, also why (``named`` false, or an older
    job's theme stored with no name)."""
    keywords = ", ".join(theme.get("keywords") or [])
    if theme.get("named", bool(theme.get("name"))):
        return keywords
    if not keywords:
        return "none: no word is in two of its comments"
    coverage = float(theme.get("coverage") or 0.0)
    return f"{keywords} (in {coverage:.0%} of its comments: too few to name it)"


def _aspects_heading(body: Mapping[str, Any], unfinished: str) -> str:
    labelled, about = int(body.get("rows_labelled") or 0), int(body.get("rows_with_aspects") or 0)
    heading = (
        f"aspects of job {body.get('request_id')}: {about} of {labelled} labelled comments are "
        f"about at least one aspect (aspect model {body.get('model_version') or 'unknown'})"
    )
    if not body.get("complete", True):
        heading += f"; {unfinished}"
    return heading


def _themes_heading(body: Mapping[str, Any], count: int) -> str:
    filters = [f"{name} {body[name]}" for name in ("label", "aspect") if body.get(name)]
    if body.get("group_by") and body.get("group") is not None:
        filters.append(f"{body['group_by']} = {body['group']}")
    elif body.get("group_by"):
        filters.append(f"by {body['group_by']}")
    where = f" ({', '.join(filters)})" if filters else ""
    themes = "1 theme" if count == 1 else f"{count} themes"
    diversity = float(body.get("diversity") or 0.0)
    return (
        f"themes of job {body.get('request_id')}{where}: {int(body.get('n') or 0)} comments, "
        f"{themes}, keyword diversity {diversity:.2f}, seed {body.get('seed')}"
    )


def _group_rows(
    groups: Sequence[Mapping[str, Any]], column: str, polarities: Sequence[str]
) -> list[str]:
    names = [group_name(group.get("group")) for group in groups]
    group_width = _column_width(column, names, extra=len(SMALL_MARK))
    aspect_names = (a["name"] for group in groups for a in _mentioned(group.get("aspects") or []))
    name_width = _column_width("aspect", aspect_names)
    lines = [
        f"{column[:group_width]:<{group_width}} {'aspect':<{name_width}} {'n':>6} "
        f"{_polarity_header(polarities)}"
    ]
    for group, name in zip(groups, names, strict=True):
        mark = SMALL_MARK if group.get("small") else ""
        shown = _cut(name, group_width - len(SMALL_MARK)) + mark
        aspects = _mentioned(group.get("aspects") or [])
        if not aspects:
            count = int(group.get("n") or 0)
            lines.append(f"{shown:<{group_width}} (n = {count}: no comment about an aspect)")
        for aspect in aspects:
            lines.append(f"{shown:<{group_width}} {_figures(aspect, name_width, polarities)}")
    if any(group.get("small") for group in groups):
        lines.append(SMALL_NOTE)
    return lines


def _figures(row: Mapping[str, Any], name_width: int, polarities: Sequence[str]) -> str:
    shares = row.get("shares") or {}
    cells = " ".join(_share(shares.get(polarity)) for polarity in polarities)
    return f"{_cut(str(row['name']), name_width):<{name_width}} {int(row['n']):>6} {cells}"


def _mentioned(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [row for row in rows if row.get("n")]


def _polarities(categories: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The polarities in the order the API sends them (the contract's order without any)."""
    for category in categories:
        if category.get("counts"):
            return tuple(category["counts"])
    return POLARITIES


def _polarity_header(polarities: Sequence[str]) -> str:
    return " ".join(f"{polarity[:9]:>9}" for polarity in polarities)


def _share(value: float | None) -> str:
    return f"{'-':>9}" if value is None else f"{value:>9.1%}"


def _column_width(title: str, values: Iterable[str], extra: int = 0) -> int:
    return min(MAX_NAME, max([len(title), *(len(value) + extra for value in values)]))


def _quotes(theme: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    quotes: list[Mapping[str, Any]] = theme.get("quotes") or []
    return quotes[:MAX_QUOTES]


def _group_counts(counts: Sequence[Mapping[str, Any]]) -> str:
    shown = [f"{group_name(item.get('group'))} {item['count']}" for item in counts]
    return ", ".join(shown) or "none"


def _one_line(text: str) -> str:
    """A quote on one line: its line breaks and runs of spaces as single spaces."""
    return " ".join(str(text).split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _fitted(heading: str, lines: Iterable[str], width: int) -> str:
    """The heading wrapped to ``width``, then each line cut to it."""
    return "\n".join([*textwrap.wrap(heading, width), *(_cut(line, width) for line in lines)])
