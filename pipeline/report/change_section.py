"""The report's *Since the earlier job* section, from the change's JSON (``change_summary``).

Pure. A group's own report keeps that group's row alone (``for_group``): no other group is
named, not even among the values found in one job only, and the job-wide rows (all comments,
the aspects) stay out as they stay out of the rest of that report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.report.data import ChangeRow, ChangeSection, Move
from pipeline.ui.groups import BLANK

ALL_COMMENTS = "all comments"


def change_section(body: Mapping[str, Any]) -> ChangeSection:
    labels = tuple(body.get("tested_labels") or ())
    before = body.get("before") or {}  # the rows alone (a table of them) need no job facts
    return ChangeSection(
        earlier_id=str(before.get("request_id", "")),
        earlier_name=str(before.get("input_name", "")),
        earlier_created=str(before.get("created_at", "")),
        labels=labels,
        tests=int(body.get("tests") or 0),
        overall=_row(ALL_COMMENTS, body.get("overall") or [], labels),
        aspects=tuple(
            _row(str(item["key"]), [item], (str(item["key"]),))
            for item in body.get("aspects") or []
        ),
        groups=tuple(
            _row(_name(group.get("group")), group.get("changes") or [], labels)
            for group in body.get("groups") or []
        ),
        only_before=_counts(body.get("only_before") or []),
        only_after=_counts(body.get("only_after") or []),
        possible_matches=tuple(
            (str(match["before"]), str(match["after"]))
            for match in body.get("possible_matches") or []
        ),
        notes=tuple(str(note) for note in body.get("notes") or []),
    )


def for_group(section: ChangeSection, name: str) -> ChangeSection:
    """The section of one group's own report: that group's row alone, or why there is none."""
    rows = tuple(row for row in section.groups if row.name == name)
    earlier = any(value == name for value, _n in section.only_before)
    missing = None
    if not rows:
        missing = (
            f"{name} has no comments in this job"
            if earlier
            else f"{name} has no comments in the earlier job ({section.earlier_name})"
        )
    return replace(
        section,
        overall=None,
        aspects=(),
        groups=rows,
        only_before=(),
        only_after=(),
        possible_matches=(),
        missing=missing,
    )


def _row(name: str, changes: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> ChangeRow:
    found = {str(change["key"]): change for change in changes}
    first = changes[0] if changes else {"before": {"n": 0}, "after": {"n": 0}}
    return ChangeRow(
        name=name,
        n_before=int(first["before"]["n"]),
        n_now=int(first["after"]["n"]),
        moves=tuple(_move(found[key]) for key in keys if key in found),
    )


def _move(change: Mapping[str, Any]) -> Move:
    return Move(
        label=str(change["key"]),
        before=change["before"].get("share"),
        now=change["after"].get("share"),
        difference=change.get("difference"),
        adjusted_p=change.get("adjusted_p"),
        flagged=bool(change.get("flagged")),
    )


def _name(value: Any) -> str:
    return BLANK if value in (None, "") else str(value)


def _counts(found: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((_name(item.get("group")), int(item.get("n") or 0)) for item in found)
