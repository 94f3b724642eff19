"""The change since an earlier job as one table: a row for all comments, one per aspect and
one per group, a column block per tested label. Pure: the API's JSON (``change_summary``)
read once into the report's rows (``change_section``), then laid out for the CLI's text and
CSV and the app's table and download.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from pipeline.csv_rows import DictRowWriter
from pipeline.formulas import escape_cell
from pipeline.report.change_section import change_section
from pipeline.report.data import ChangeRow, ChangeSection, Move
from pipeline.terminal_text import display_width, fitted, padded
from pipeline.ui.groups import SMALL_GROUP, SMALL_MARK, is_small
from pipeline.ui.shares import percent_text

ALL = "(all comments)"
ASPECT_PREFIX = "aspect: "
ASPECT_KEY = "aspect_negative"
"""An aspect's columns: its share negative."""
SMALL_LEGEND = (
    f"{SMALL_MARK}: fewer than {SMALL_GROUP} comments in a job, so one comment moves a share by "
    "ten points or more; read its shares as a hint, not a finding."
)


def parts(section: ChangeSection) -> list[tuple[str, str, ChangeRow]]:
    """Each row with the name the table gives it and its kind (all / aspect / group), in the
    table's order: all comments, the aspects, the groups; one group's change (no row for all
    comments) puts its row first, then its aspects."""
    aspects = [(ASPECT_PREFIX + row.name, "aspect", row) for row in section.aspects]
    groups = [(row.name, "group", row) for row in section.groups]
    if section.overall is None:
        return groups + aspects
    return [(ALL, "all", section.overall), *aspects, *groups]


def flag_name(kind: str, move: Move) -> str:
    """What a flagged move is called: its label, or ``negative`` for an aspect's share."""
    return "negative" if kind == "aspect" else move.label


def records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per compared part: ``part``, ``kind`` (all / aspect / group), ``n_before``,
    ``n_now``, ``small`` (``yes`` for fewer than ``SMALL_GROUP`` comments in a job), then per
    tested share ``<key>_before``, ``<key>_now`` (0..1), ``<key>_change_points`` and
    ``<key>_adjusted_p``, and ``beyond_the_noise`` (the flagged shares, "negative down" style;
    empty for none)."""
    return [_record(part, kind, row) for part, kind, row in parts(change_section(body))]


def columns(body: Mapping[str, Any]) -> list[str]:
    """The CSV's columns in order (an aspect's share is its negative one: ``share_*``)."""
    shares = [*(body.get("tested_labels") or []), ASPECT_KEY]
    fields = ("before", "now", "change_points", "adjusted_p")
    per_share = [f"{key}_{field}" for key in shares for field in fields]
    return ["part", "kind", "n_before", "n_now", SMALL_MARK, *per_share, "beyond_the_noise"]


def to_csv(body: Mapping[str, Any], raw: bool = False) -> str:
    """The records as CSV, group names formula-escaped like every file the product writes;
    ``raw``: as written, for a workbook, which holds a risky cell as text itself."""
    buffer = io.StringIO()
    writer = DictRowWriter(buffer, columns(body))
    writer.writeheader()
    for record in records(body):
        writer.writerow({key: csv_cell(value, raw) for key, value in record.items()})
    return buffer.getvalue()


def text(body: Mapping[str, Any], width: int = 100) -> str:
    """A terminal table: n before and now (``small`` beside few comments), each tested share
    before → now with its change, ``*`` where beyond the noise; for one group the earlier job
    lacks, why there is no row instead; then the groups in one job only and the notes."""
    section = change_section(body)
    before, after = body["before"], body["after"]
    lines = [
        f"Since {before['request_id']} ({before['input_name']}, {before['created_at'][:10]}) "
        f"in {after['request_id']} ({after['input_name']}, {after['created_at'][:10]})",
    ]
    flags = (
        f"Flags (*): Fisher's exact test on each share, Holm's correction over the "
        f"{section.tests} tests of this change, 5 % family-wise."
    )
    table = partial(_table, section, width)  # drawn only where there are rows
    found = one_job_only(body)
    return "\n".join([*lines, *after_heading(section.missing, flags, table, found, section.notes)])


def after_heading(
    missing: str | None,
    flags: str,
    table: Callable[[], list[str]],
    found: Sequence[str],
    notes: Sequence[str],
) -> list[str]:
    """What a change's or a trend's text has under its heading: why there is no row (one
    group the other job lacks) or the flags' meaning and the table, then the groups found in
    one job only and the notes."""
    lines = ["", f"{missing}."] if missing else [flags, "", *table()]
    lines.extend(["", *found] if found else [])
    for note in notes:
        lines.extend(["", note])
    return lines


def _table(section: ChangeSection, width: int) -> list[str]:
    """The rows under their header, a ``small`` column where a row is, and what it means."""
    rows = parts(section)
    name_width = min(max((display_width(p) for p, _k, _r in rows), default=4), max(12, width - 60))
    marked = any(is_small_row(row) for _p, _k, row in rows)
    mark_width = len(SMALL_MARK) + 2 if marked else 0
    header = f"{'':<{name_width}}  {'n before':>8}  {'n now':>8}{'':<{mark_width}}"
    for label in section.labels:
        header += f"  {label + ' before → now':>28}"
    lines = [header]
    for part, _kind, row in rows:
        name = padded(fitted(part, name_width), name_width)
        line = f"{name}  {row.n_before:>8,}  {row.n_now:>8,}"
        line += f"  {SMALL_MARK if is_small_row(row) else '':<{len(SMALL_MARK)}}" if marked else ""
        for move in row.moves:
            line += f"  {_move(move):>28}"
        lines.append(line.rstrip())
    return [*lines, "", SMALL_LEGEND] if marked else lines


def is_small_row(row: ChangeRow) -> bool:
    """Whether a row's shares rest on few comments in either job: the report's *small*
    (``ui.groups.is_small``); a side without comments has no share to doubt."""
    return small(row.n_before, row.n_now)


def small(*counts: int) -> bool:
    """Whether any of ``counts`` (a row's n in each job) is under ``SMALL_GROUP`` but not 0."""
    return any(n and is_small(n) for n in counts)


def one_job_only(body: Mapping[str, Any]) -> list[str]:
    """The groups found in one job only, and the pairs that may be one group written two
    ways, as sentences (the CLI's text and the app's captions)."""
    section = change_section(body)
    lines = []
    one_job = ((section.only_before, "the earlier job"), (section.only_after, "this job"))
    for found, where in one_job:
        if found:
            names = ", ".join(f"{name} (n={n:,})" for name, n in found)
            lines.append(f"Only in {where}: {names}.")
    for earlier, now in section.possible_matches:
        lines.append(
            f"“{earlier}” (earlier) and “{now}” (now) may be one group written "
            "two ways: values are matched exactly, so recode one file to compare them."
        )
    return lines


def _record(part: str, kind: str, row: ChangeRow) -> dict[str, Any]:
    record: dict[str, Any] = {
        "part": part,
        "kind": kind,
        "n_before": row.n_before,
        "n_now": row.n_now,
        SMALL_MARK: "yes" if is_small_row(row) else "",
    }
    for move in row.moves:
        key = ASPECT_KEY if kind == "aspect" else move.label
        record[f"{key}_before"] = move.before
        record[f"{key}_now"] = move.now
        record[f"{key}_change_points"] = None if move.difference is None else move.difference * 100
        record[f"{key}_adjusted_p"] = move.adjusted_p
    record["beyond_the_noise"] = ", ".join(
        f"{flag_name(kind, move)} {'up' if (move.difference or 0) > 0 else 'down'}"
        for move in row.flagged
    )
    return record


def _move(move: Move) -> str:
    """``40% → 22% (-18) *``; ``– → 30%`` when a side has no comment: the report's whole
    percents (``Move.before_shown``), so the CLI and the report say the same."""
    moved = f"{percent_text(move.before_shown)} → {percent_text(move.now_shown)}"
    if move.shown_difference is not None:
        moved += f" ({move.shown_difference * 100:+.0f})"
    return moved + (" *" if move.flagged else "  ")


def cut(value: str, width: int) -> str:
    """``value`` shortened to ``width`` characters with an ellipsis."""
    return value if len(value) <= width else value[: width - 1] + "…"


def csv_cell(value: Any, raw: bool = False) -> Any:
    """A CSV cell: floats to 6 significant digits, None empty, text formula-escaped unless
    ``raw`` (a workbook's, whose writer holds a risky cell as text: an apostrophe escaping it
    would be part of the cell's text there)."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if value is None:
        return ""
    return value if raw else escape_cell(value)
