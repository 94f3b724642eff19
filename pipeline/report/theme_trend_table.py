"""The themes of one label over several jobs as a table: a row per theme with its comments
and its share of each job's labelled comments, the trend, and a quote. Pure: the API's JSON
(``theme_trend_summary``) laid out for the CLI's text and CSV and the app's table.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from pipeline.csv_rows import DictRowWriter
from pipeline.report.change_table import csv_cell, cut
from pipeline.report.data import ThemeTrendRow, ThemeTrendSection
from pipeline.report.trend_table import ARROWS, job_names
from pipeline.terminal_text import display_width, fitted, padded

REPORT_QUOTE_CHARS = 200
"""A theme's example in the report's table: enough to recognise it, short enough for a cell."""


def first_quote(theme: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The theme's most central comment (``{"job", "row", "text"}``); None without one."""
    return next(iter(theme.get("quotes") or []), None)


def percents(theme: Mapping[str, Any]) -> str:
    """``0 → 8 → 19 → 36`` (percent of each job's labelled comments; ``–`` for a job without
    any)."""
    return " → ".join(
        "–" if share["share"] is None else f"{share['share'] * 100:.0f}"
        for share in theme["shares"]
    )


def counts(theme: Mapping[str, Any]) -> str:
    """``0 · 5 · 12 · 25``."""
    return " · ".join(f"{count:,}" for count in theme["counts"])


def trend_word(theme: Mapping[str, Any]) -> str:
    """``rising ↑``, ``falling ↓``, ``new`` or ``–`` (within the noise, or not tested)."""
    direction = theme.get("direction")
    word = f"{direction} {ARROWS[direction]}" if direction else "–"
    return f"{word}, new" if theme.get("new") else word


def flag_sentences(body: Mapping[str, Any]) -> list[str]:
    """``parking / bad parking: rising, 0 % → 36 % of the labelled comments`` for each theme whose
    trend is beyond the noise."""
    return [
        f"{theme['name']}: {theme['direction']}, {_ends(theme)} of the labelled comments"
        for theme in body.get("themes") or []
        if theme.get("flagged")
    ]


def heading(body: Mapping[str, Any]) -> str:
    group = f" of {body['group_by']} {body['group']}" if body.get("group") is not None else ""
    return (
        f"Themes of the {body['label']} comments{group} over {len(body.get('jobs') or [])} "
        "jobs, oldest first (each theme's share of each job's labelled comments):"
    )


def _by_job(counts: list[int]) -> str:
    return " · ".join(f"{n:,}" for n in counts)


def text(body: Mapping[str, Any], width: int = 100) -> str:
    """A terminal table, then a quote under each theme."""
    themes = body.get("themes") or []
    lines = [
        heading(body),
        *(f"  {name}" for name in job_names(body)),
        f"  {_base(body)} by job: {_by_job(body['n'])} (those with a label: each theme's % "
        "is of these)",
        f"  {body['label']} comments by job: {_by_job(body['label_n'])}",
        f"↑ ↓: a trend beyond the noise (Cochran–Armitage test, Holm's correction over the "
        f"{body.get('tests', 0)} themes tested, 5 % family-wise).",
        "",
    ]
    if not themes:
        return "\n".join([*lines, f"No {body['label']} comment in these jobs."])
    name_width = min(max(display_width(theme["name"]) for theme in themes), max(12, width - 70))
    lines.append(f"{padded('theme', name_width)}  {'comments by job':<22}  {'% by job':<24}  trend")
    for theme in themes:
        lines.append(
            f"{padded(fitted(theme['name'], name_width), name_width)}  {counts(theme):<22}  "
            f"{percents(theme):<24}  {trend_word(theme)}".rstrip()
        )
        quote = first_quote(theme)
        if quote is not None:
            lines.append(fitted(f"    “{quote['text']}” (job {quote['job'] + 1})", width))
    return "\n".join(lines)


def _base(body: Mapping[str, Any]) -> str:
    """What the shares are of: each job's comments (of the group asked for) with a label,
    not every row, which the jobs' own lines count."""
    if body.get("group") is not None:
        return f"comments of {body['group_by']} {body['group']}"
    return "comments"


def to_csv(body: Mapping[str, Any], raw: bool = False) -> str:
    """A row per theme: its comments and share (0..1) in each job, the change in points, the
    adjusted p and the trend; text formula-escaped like every file the product writes, or
    ``raw``, as written, for a workbook (``change_table.csv_cell``)."""
    count = len(body.get("jobs") or [])
    jobs = range(1, count + 1)
    columns = [
        "theme",
        "keywords",
        *(f"comments_{job}" for job in jobs),
        *(f"share_{job}" for job in jobs),
        "change_points",
        "adjusted_p",
        "trend",
        "new",
        "quote",
    ]
    buffer = io.StringIO()
    writer = DictRowWriter(buffer, columns)
    writer.writeheader()
    for theme in body.get("themes") or []:
        difference = theme.get("difference")
        quote = first_quote(theme)
        record: dict[str, Any] = {
            "theme": theme["name"],
            "keywords": "; ".join(theme["keywords"]),
            **{f"comments_{job}": n for job, n in zip(jobs, theme["counts"], strict=True)},
            **{
                f"share_{job}": share["share"]
                for job, share in zip(jobs, theme["shares"], strict=True)
            },
            "change_points": None if difference is None else difference * 100,
            "adjusted_p": theme.get("adjusted_p"),
            "trend": theme.get("direction") or "",
            "new": "yes" if theme.get("new") else "",
            "quote": quote["text"] if quote else "",
        }
        writer.writerow({key: csv_cell(value, raw) for key, value in record.items()})
    return buffer.getvalue()


def _ends(theme: Mapping[str, Any]) -> str:
    present = [share["share"] for share in theme["shares"] if share["share"] is not None]
    return f"{present[0] * 100:.0f} % → {present[-1] * 100:.0f} %"


def section(body: Mapping[str, Any]) -> ThemeTrendSection:
    """The answer as the report's block on the change's or the trend's page."""
    rows = []
    for theme in body.get("themes") or []:
        quote = first_quote(theme)
        rows.append(
            ThemeTrendRow(
                name=str(theme["name"]),
                counts=tuple(int(n) for n in theme["counts"]),
                shares=tuple(share["share"] for share in theme["shares"]),
                direction=theme.get("direction"),
                adjusted_p=theme.get("adjusted_p"),
                new=bool(theme.get("new")),
                quote=None
                if quote is None
                else (int(quote["job"]), cut(str(quote["text"]), REPORT_QUOTE_CHARS)),
            )
        )
    return ThemeTrendSection(
        label=str(body["label"]),
        label_n=tuple(int(n) for n in body["label_n"]),
        tests=int(body.get("tests") or 0),
        rows=tuple(rows),
    )
