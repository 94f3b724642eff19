"""The change since an earlier job as one table: a row for all comments, one per aspect and
one per group, a column block per tested label. Pure: the API's JSON (``change_summary``)
in, records out, for the CLI's text and CSV and the app's table and download.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.formulas import escape_cell

ALL = "(all comments)"
BLANK = "(blank)"
ASPECT_PREFIX = "aspect: "


def records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per compared part: ``part``, ``kind`` (all / aspect / group), ``n_before``,
    ``n_now``, then per tested share ``<key>_before``, ``<key>_now`` (0..1),
    ``<key>_change_points`` and ``<key>_adjusted_p``, and ``beyond_the_noise`` (the flagged
    shares, "negative down" style; empty for none)."""
    tested = list(body.get("tested_labels") or [])
    rows = [_record(ALL, "all", body.get("overall") or [], tested)]
    for item in body.get("aspects") or []:
        rows.append(_record(ASPECT_PREFIX + str(item["key"]), "aspect", [item], [item["key"]]))
    for group in body.get("groups") or []:
        name = BLANK if group.get("group") in (None, "") else str(group["group"])
        rows.append(_record(name, "group", group.get("changes") or [], tested))
    return rows


def columns(body: Mapping[str, Any]) -> list[str]:
    """The CSV's columns in order (an aspect's share is its negative one: ``share_*``)."""
    shares = [*(body.get("tested_labels") or []), "aspect_negative"]
    parts = ("before", "now", "change_points", "adjusted_p")
    per_share = [f"{key}_{part}" for key in shares for part in parts]
    return ["part", "kind", "n_before", "n_now", *per_share, "beyond_the_noise"]


def to_csv(body: Mapping[str, Any]) -> str:
    """The records as CSV, group names formula-escaped like every file the product writes."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns(body), lineterminator="\n")
    writer.writeheader()
    for record in records(body):
        writer.writerow({key: _cell(value) for key, value in record.items()})
    return buffer.getvalue()


def text(body: Mapping[str, Any], width: int = 100) -> str:
    """A terminal table: n before and now, each tested share before → now with its change,
    ``*`` where beyond the noise; then the groups in one job only and the notes."""
    tested = list(body.get("tested_labels") or [])
    before, after = body["before"], body["after"]
    lines = [
        f"Since {before['request_id']} ({before['input_name']}, {before['created_at'][:10]}) "
        f"in {after['request_id']} ({after['input_name']}, {after['created_at'][:10]})",
        f"Flags (*): Fisher's exact test on each share, Holm's correction over the "
        f"{body.get('tests', 0)} tests of this change, 5 % family-wise.",
        "",
    ]
    rows = records(body)
    name_width = min(max(len(str(row["part"])) for row in rows), max(12, width - 60))
    header = f"{'':<{name_width}}  {'n before':>8}  {'n now':>8}"
    for label in tested:
        header += f"  {label + ' before → now':>28}"
    lines.append(header)
    for row in rows:
        line = f"{_cut(str(row['part']), name_width):<{name_width}}  "
        line += f"{row['n_before']:>8,}  {row['n_now']:>8,}"
        keys = ["aspect_negative"] if row["kind"] == "aspect" else tested
        for key in keys:
            line += f"  {_move(row, key):>28}"
        lines.append(line.rstrip())
    found = one_job_only(body)
    lines.extend(["", *found] if found else [])
    for note in body.get("notes") or []:
        lines.extend(["", note])
    return "\n".join(lines)


def _record(
    part: str, kind: str, changes: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> dict[str, Any]:
    found = {str(change["key"]): change for change in changes}
    first = changes[0] if changes else {"before": {"n": 0}, "after": {"n": 0}}
    record: dict[str, Any] = {
        "part": part,
        "kind": kind,
        "n_before": int(first["before"]["n"]),
        "n_now": int(first["after"]["n"]),
    }
    flags = []
    for key in keys:
        change = found.get(str(key))
        if change is None:
            continue
        name = "aspect_negative" if kind == "aspect" else str(key)
        difference = change.get("difference")
        record[f"{name}_before"] = change["before"]["share"]
        record[f"{name}_now"] = change["after"]["share"]
        record[f"{name}_change_points"] = None if difference is None else difference * 100
        record[f"{name}_adjusted_p"] = change.get("adjusted_p")
        if change.get("flagged"):
            way = "up" if (difference or 0) > 0 else "down"
            flags.append(f"{'negative' if kind == 'aspect' else key} {way}")
    record["beyond_the_noise"] = ", ".join(flags)
    return record


def _move(row: Mapping[str, Any], key: str) -> str:
    """``40% → 22% (−18) *``; ``– → 30%`` when a side has no comment."""
    before, now = row.get(f"{key}_before"), row.get(f"{key}_now")
    change = row.get(f"{key}_change_points")
    flag = " *" if key in _flagged_keys(row) else "  "
    moved = f"{_percent(before)} → {_percent(now)}"
    if change is not None:
        moved += f" ({change:+.0f})"
    return moved + flag


def _flagged_keys(row: Mapping[str, Any]) -> set[str]:
    flagged = {part.rsplit(" ", 1)[0] for part in str(row["beyond_the_noise"]).split(", ") if part}
    if row["kind"] == "aspect" and flagged:
        return {"aspect_negative"}
    return flagged


def one_job_only(body: Mapping[str, Any]) -> list[str]:
    """The groups found in one job only, and the pairs that may be one group written two
    ways, as sentences (the CLI's text and the app's captions)."""
    lines = []
    for key, where in (("only_before", "the earlier job"), ("only_after", "this job")):
        found = body.get(key) or []
        if found:
            names = ", ".join(
                f"{BLANK if item['group'] in (None, '') else item['group']} (n={item['n']:,})"
                for item in found
            )
            lines.append(f"Only in {where}: {names}.")
    for match in body.get("possible_matches") or []:
        lines.append(
            f"“{match['before']}” (earlier) and “{match['after']}” (now) may be one group written "
            "two ways: values are matched exactly, so recode one file to compare them."
        )
    return lines


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else escape_cell(value)
