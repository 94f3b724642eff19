"""The ratings comparison (``GET /ratings``) as text for a terminal. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.terminal_text import comment_lines, display_width, padded
from pipeline.ui.shares import percentages

SHOWN_CHARS = 400
"""A contradicting comment longer than this is cut in the terminal (``--json`` has it whole)."""
_LABELS = ("negative", "neutral", "positive")


STILL_RUNNING = "the job is still running: the rows so far"
"""What an answer that is not ``complete`` is said to be when nothing more is known of its job."""


def heading(body: Mapping[str, Any], unfinished: str = STILL_RUNNING) -> str:
    """ "Rating 'Q2' on a scale of 1 (worst) to 5 (best): 412 rated comments by 300
    respondents, 12 without" (the respondents named where some wrote several answers);
    ``unfinished``, in brackets after it, for an answer of part of the job's rows (a job
    running, cancelled or failed: ``pipeline.cli.job_commands.unfinished_note``)."""
    overall = body["overall"]
    partial = "" if body["complete"] else f" ({unfinished})"
    unreadable = body["unreadable"]["answers"]
    skipped = f", {unreadable:,} answers off the scale" if unreadable else ""
    question = body.get("question")
    asked = f" ({question})" if question else ""
    writers = overall.get("respondents", overall["rated"])
    by = f" by {writers:,} respondents" if writers != overall["rated"] else ""
    return (
        f"Rating {body['column']!r}{asked} on a scale of {body['scale']['described']}: "
        f"{overall['rated']:,} rated comments{by}, {overall['unrated']:,} without a rating"
        f"{skipped}{partial}"
    )


def agreement_line(figures: Mapping[str, Any]) -> str:
    """ "mean 3.9 · comments follow the ratings (rho 0.62) · 14 rated high but negative…"."""
    parts = [f"mean {_number(figures['mean'])}"]
    rho = figures["correlation"]
    if rho is None:
        parts.append("too few rated comments to correlate")
    elif figures["reads_reversed"]:
        parts.append(f"ratings FALL as comments get warmer (rho {rho:.2f}): reversed scale?")
    else:
        parts.append(f"{_follow(rho)} (rho {rho:.2f})")
    parts.append(
        f"{figures['high_but_negative']:,} rated high but negative, "
        f"{figures['low_but_positive']:,} rated low but positive"
    )
    return " · ".join(parts)


def text(body: Mapping[str, Any], width: int, unfinished: str = STILL_RUNNING) -> str:
    """The heading (``unfinished``: what it says of a job's rows so far), the overall line, a
    table per group, then the contradicting comments."""
    lines = [heading(body, unfinished), f"overall: {agreement_line(body['overall'])}"]
    if body.get("note"):
        lines.insert(1, f"note: {body['note']}")
    if body["groups"]:
        lines += ["", _group_table(body)]
        reversed_ = [g for g in body["groups"] if g["reads_reversed"]]
        for group in reversed_:
            lines.append(
                f"! {group['group']}: ratings fall as its comments get warmer (rho "
                f"{group['correlation']:.2f}, adjusted p {group['adjusted_p']:.3g}): its scale "
                "most likely reads the other way round"
            )
    lines += aspect_lines(body.get("aspects") or [])
    found = body["contradicting"]
    if found["page"]:
        count = found["comments"]
        lines += ["", f"Comments that contradict their rating: {count:,}, clearest first"]
    for comment in found["page"]:
        parts = dict.fromkeys(comment[key] for key in ("group", "question") if key in comment)
        where = "".join(f" · {part}" for part in parts)
        written = comment.get("respondent")
        row = f" (row {written} of the file's data)" if written is not None else ""
        lines += [
            "",
            f"comment #{comment['row_index'] + 1}{row}{where} · rated {comment['rating']} "
            f"({comment['rated']}) · {comment['label']} ({comment['sentiment']:+.2f})",
        ]
        lines += comment_lines(comment["text"], width, SHOWN_CHARS)
    return "\n".join(lines)


def aspect_lines(aspects: list[Mapping[str, Any]]) -> list[str]:
    """ "What the ratings follow", one line per aspect tested: the negative comments' mean
    rating against the others', the difference, and whether it is beyond the noise."""
    tested = [a for a in aspects if a["p_value"] is not None]
    if not tested:
        return []
    lines = ["", "What the ratings follow (comments negative about an aspect against the others):"]
    for aspect in tested:
        mark = "beyond the noise" if aspect["flagged"] else "within the noise"
        lines.append(
            f"  {aspect['aspect']}: {aspect['negative']:,} negative, rated "
            f"{_number(aspect['mean_negative'])} against {_number(aspect['mean_others'])} "
            f"({aspect['difference']:+.1f}), {mark} (adjusted p {aspect['adjusted_p']:.3g})"
        )
    return lines


def _group_table(body: Mapping[str, Any]) -> str:
    header = [str(body["group_by"]), "rated", "mean", *(f"% {name}" for name in _LABELS)]
    header += ["rho", "high but neg.", "low but pos."]
    rows = [header]
    for group in body["groups"]:
        rated = group["rated"]
        whole = percentages(group["labels"], _LABELS)  # a row's three add up to 100
        rho = group["correlation"]
        rows.append(
            [
                str(group["group"]),
                f"{rated:,}",
                _number(group["mean"]),
                *("-" if whole[name] is None else str(whole[name]) for name in _LABELS),
                "-" if rho is None else f"{rho:.2f}",
                f"{group['high_but_negative']:,}",
                f"{group['low_but_positive']:,}",
            ]
        )
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(_aligned(row, widths) for row in rows)


def _aligned(row: list[str], widths: list[int]) -> str:
    """The first cell (the group) left-aligned, the figures right-aligned, in the columns
    they take on the terminal (a course named in Chinese takes two a character)."""
    cells = [padded(row[0], widths[0])]
    cells += [padded(cell, width, ">") for cell, width in zip(row[1:], widths[1:], strict=True)]
    return "  ".join(cells)


def _follow(rho: float) -> str:
    """How closely the comments follow the ratings, in words (Cohen's bands)."""
    if rho >= 0.5:
        return "comments follow the ratings closely"
    if rho >= 0.3:
        return "comments follow the ratings"
    if rho >= 0.1:
        return "comments follow the ratings weakly"
    return "comments do not follow the ratings"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
