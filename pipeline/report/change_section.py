"""The report's *Since the earlier job* section, from the change's JSON (``change_summary``).

Pure. A group's own report reads the change of that group alone (``group``): its own row
and its own aspects, a family of their own; no other group is named. Each share carries the
whole percent the report shows for it (``pipeline.report.shown``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pipeline.report.data import ChangeRow, ChangeSection, Move
from pipeline.report.shown import alone, row_percents
from pipeline.ui.groups import group_name

ALL_COMMENTS = "all comments"


def change_section(
    body: Mapping[str, Any], aspects_now: Mapping[str, int | None] | None = None
) -> ChangeSection:
    """The section of the whole job or, for the change of one group (``group`` in the body),
    that group's: its row among the groups, its own aspects, and why there is no row when the
    earlier job has none of its comments. ``aspects_now``: each aspect's share negative in
    this job as the report's aspect table shows it (``shown.aspect_percents``), for its row
    here to say the same."""
    labels = tuple(body.get("tested_labels") or ())
    before = body.get("before") or {}  # the rows alone (a table of them) need no job facts
    section = ChangeSection(
        earlier_id=str(before.get("request_id", "")),
        earlier_name=str(before.get("input_name", "")),
        earlier_created=str(before.get("created_at", "")),
        labels=labels,
        tests=int(body.get("tests") or 0),
        overall=_row(ALL_COMMENTS, body.get("overall") or [], labels),
        aspects=tuple(_aspect_row(item, aspects_now or {}) for item in body.get("aspects") or []),
        groups=tuple(
            _row(group_name(group.get("group")), group.get("changes") or [], labels)
            for group in body.get("groups") or []
        ),
        only_before=_counts(body.get("only_before") or []),
        only_after=_counts(body.get("only_after") or []),
        possible_matches=tuple(
            (group_name(match["before"]), group_name(match["after"]))
            for match in body.get("possible_matches") or []
        ),
        notes=tuple(str(note) for note in body.get("notes") or []),
    )
    group = body.get("group")
    if group is None or section.overall is None:
        return section
    row = replace(section.overall, name=str(group))  # the group's name, as asked for
    if row.n_before == 0:
        alike = [earlier for earlier, now in section.possible_matches if now == row.name]
        missing = (
            f"{row.name} has no comments in the earlier job ({section.earlier_name})"
            + written_otherwise(row.name, alike, ", which has", "recode one file to compare them")
        )
        return replace(
            section,
            overall=None,
            aspects=(),
            possible_matches=(),  # said in ``missing``
            missing=missing,
            group=row.name,
        )
    return replace(section, overall=None, groups=(row,), group=row.name)


def written_otherwise(name: str, values: Sequence[str], lead: str, recode: str) -> str:
    """What ends the sentence of a group that another job lacks, when that job has
    ``values`` that differ from ``name`` only in case, spaces or punctuation:
    ``, which has “CHEM110”: perhaps CHEM 110 written another way (…)``; "" for none. Without
    it a recoded course reads as new, every complaint of it as new this term."""
    if not values:
        return ""
    quoted = [f"“{value}”" for value in values]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
    return (
        f"{lead} {listed}: perhaps {name} written another way (values are matched exactly: "
        f"{recode})"
    )


def _row(name: str, changes: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> ChangeRow:
    """A row of every label's change (``changes``), showing those of ``keys``: each side's
    percents are those of its labels together, as the report shows a group's."""
    before = row_percents([change["before"] for change in changes])
    now = row_percents([change["after"] for change in changes])
    found = {
        str(change["key"]): _move(change, shown_before, shown_now)
        for change, shown_before, shown_now in zip(changes, before, now, strict=True)
    }
    first = changes[0] if changes else {"before": {"n": 0}, "after": {"n": 0}}
    return ChangeRow(
        name=name,
        n_before=int(first["before"]["n"]),
        n_now=int(first["after"]["n"]),
        moves=tuple(found[key] for key in keys if key in found),
    )


def _aspect_row(item: Mapping[str, Any], now: Mapping[str, int | None]) -> ChangeRow:
    """An aspect's share negative, the one share of it the change has: rounded alone earlier,
    as the report's aspect table shows it now."""
    key = str(item["key"])
    shown_now = now[key] if key in now else alone(item["after"].get("share"))
    return ChangeRow(
        name=key,
        n_before=int(item["before"]["n"]),
        n_now=int(item["after"]["n"]),
        moves=(_move(item, alone(item["before"].get("share")), shown_now),),
    )


def _move(change: Mapping[str, Any], before: int | None, now: int | None) -> Move:
    return Move(
        label=str(change["key"]),
        before=change["before"].get("share"),
        now=change["after"].get("share"),
        difference=change.get("difference"),
        adjusted_p=change.get("adjusted_p"),
        flagged=bool(change.get("flagged")),
        before_percent=before,
        now_percent=now,
    )


def _counts(found: Sequence[Mapping[str, Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((group_name(item.get("group")), int(item.get("n") or 0)) for item in found)
