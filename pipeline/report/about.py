"""What the comments are about, for the report: the service's aspect and theme summaries (the
dicts ``GET /v1/jobs/{id}/aspects`` and ``/themes`` answer, from ``pipeline.service.insights``)
turned into the report's records. Pure.

Aspects get the label shares' treatment: each aspect's sentiment shares with Wilson intervals,
over the job and per group; in a group, each aspect against the same aspect in all the other
groups' comments, by Fisher's exact test, Holm-adjusted over every such test of the report (a
family of its own: the label flags keep their own 5 % bound). Only aspects that at least
``SMALL_GROUP`` of a group's comments speak about are tested, a rule fixed before looking at
the shares: a group's handful of comments on an aspect is a hint, not a finding (as a small
group is), and each such test would weaken the correction for all the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.report.assemble import (
    Cell,
    GroupValue,
    compare_cells,
    compared_labels,
    group_key,
    label_shares,
)
from pipeline.report.data import (
    AspectModelFacts,
    AspectShares,
    AspectsReport,
    Comparison,
    Insights,
    ThemeEntry,
)
from pipeline.themes.quotes import shown_quote
from pipeline.themes.report import MIXED_THEME
from pipeline.ui.groups import SMALL_GROUP, is_small

THEME_QUOTES = 3
"""Quotes shown per theme (the themes module picks the most central distinct ones)."""


def insights(
    aspects: Mapping[str, Any] | None,
    themes: Mapping[str, Any] | None,
    labels: Sequence[str],
    aspect_model: AspectModelFacts,
    aspects_note: str | None = None,
    themes_note: str | None = None,
) -> Insights:
    """The report's aspects and themes from the service's summaries. A summary that could not
    be had is None, with a note that says why; a summary with nothing in it gets its own note."""
    report: AspectsReport | None = None
    per_group: dict[GroupValue, tuple[AspectShares, ...]] = {}
    if aspects is not None:
        aspects_note = missing_aspects(aspects)
        if aspects_note is None:
            report, per_group = aspects_report(aspects, labels, aspect_model)
    entries = None
    if themes is not None:
        entries = theme_entries(themes, labels) or None
        themes_note = None if entries else missing_themes(themes)
    return Insights(report, aspects_note, per_group, entries, themes_note)


def aspects_report(
    summary: Mapping[str, Any], labels: Sequence[str], model: AspectModelFacts
) -> tuple[AspectsReport, dict[GroupValue, tuple[AspectShares, ...]]]:
    """The job's aspects, and each group's against the rest (none without ``group_by``)."""
    categories = list(summary.get("categories") or [])
    sentiments = sentiments_of(categories, labels)
    meanings = {str(c["name"]): c.get("meaning") or None for c in categories}
    totals = {str(c["name"]): _counts(c, sentiments) for c in categories}
    groups = {
        group_key(g.get("group")): {
            str(a["name"]): _counts(a, sentiments) for a in g.get("aspects") or []
        }
        for g in summary.get("groups") or []
    }
    tested = compared_labels(sentiments)
    comparisons, tests = compare_aspects(groups, totals, tested)
    order = list(totals)
    per_group = {
        value: tuple(
            _aspect(
                name,
                meanings.get(name),
                found[name],
                sentiments,
                comparisons.get((value, name), ()),
                _rest(totals.get(name, {}), found[name]),
            )
            for name in sorted(found, key=lambda n: _position(order, n))
            if sum(found[name].values())
        )
        for value, found in groups.items()
    }
    report = AspectsReport(
        categories=tuple(_aspect(n, meanings[n], c, sentiments) for n, c in totals.items()),
        model=model,
        rows_labelled=int(summary.get("rows_labelled") or 0),
        rows_with_aspects=int(summary.get("rows_with_aspects") or 0),
        sentiments=sentiments,
        compared=tested,
        tests=tests,
    )
    return report, per_group


def compare_aspects(
    groups: Mapping[GroupValue, Mapping[str, Mapping[str, int]]],
    totals: Mapping[str, Mapping[str, int]],
    tested: Sequence[str],
) -> tuple[dict[tuple[GroupValue, str], tuple[Comparison, ...]], int]:
    """Each group's aspects (of at least ``SMALL_GROUP`` comments) against the same aspect in
    every other group, on each ``tested`` sentiment, Holm-adjusted over all of them; and how
    many tests that made."""
    owners: list[tuple[GroupValue, str]] = []
    cells: list[Cell] = []
    for value, found in groups.items():
        for name, counts in found.items():
            n, rest = sum(counts.values()), _rest(totals.get(name, {}), counts)
            if n < SMALL_GROUP or not sum(rest.values()):
                continue
            for sentiment in tested:
                owners.append((value, name))
                cells.append(
                    Cell(sentiment, counts[sentiment], n, rest[sentiment], sum(rest.values()))
                )
    found_by: dict[tuple[GroupValue, str], list[Comparison]] = {}
    for owner, comparison in zip(owners, compare_cells(cells), strict=True):
        found_by.setdefault(owner, []).append(comparison)
    return {owner: tuple(found) for owner, found in found_by.items()}, len(cells)


def sentiments_of(
    categories: Sequence[Mapping[str, Any]], labels: Sequence[str]
) -> tuple[str, ...]:
    """The aspect sentiments in the model's label order (negative, neutral, positive), then any
    others by name."""
    keys = {str(key) for c in categories for key in (c.get("counts") or {})}
    known = [label for label in labels if label in keys]
    return tuple(known + sorted(keys - set(labels))) or tuple(labels)


def missing_aspects(summary: Mapping[str, Any]) -> str | None:
    """Why a job's report has no aspects; None when it has some."""
    with_aspects = int(summary.get("rows_with_aspects") or 0)
    labelled = int(summary.get("rows_labelled") or 0)
    if with_aspects and summary.get("categories"):
        return None
    if not labelled:
        return "No comment of this job got a label, so none has aspects."
    return (
        f"None of this job's {labelled:,} labelled comments has aspects recorded: the job was "
        "labelled with insights switched off (PIPELINE_INSIGHTS=0) or before aspects were "
        "found, or no comment spoke about any of them."
    )


def theme_entries(summary: Mapping[str, Any], labels: Sequence[str]) -> tuple[ThemeEntry, ...]:
    """The job's themes, label by label in the model's order, largest first."""
    entries = [_theme(record) for record in summary.get("themes") or []]
    return tuple(sorted(entries, key=lambda t: (_position(labels, t.label), -t.size, t.id)))


def missing_themes(summary: Mapping[str, Any]) -> str:
    considered = int(summary.get("n") or 0)
    if not considered:
        return "No comment of this job got a label, so none is in a theme."
    return f"No theme was found in this job's {considered:,} labelled comments."


def _aspect(
    name: str,
    meaning: str | None,
    counts: Mapping[str, int],
    sentiments: Sequence[str],
    comparisons: tuple[Comparison, ...] = (),
    rest: Mapping[str, int] | None = None,
) -> AspectShares:
    n = sum(counts.get(s, 0) for s in sentiments)
    return AspectShares(
        name=name,
        meaning=meaning,
        n=n,
        small=is_small(n),
        shares=label_shares(counts, sentiments),
        comparisons=comparisons,
        rest=label_shares(rest, sentiments) if rest is not None else (),
    )


def _counts(entry: Mapping[str, Any], sentiments: Sequence[str]) -> dict[str, int]:
    counts = entry.get("counts") or {}
    return {s: int(counts.get(s) or 0) for s in sentiments}


def _rest(total: Mapping[str, int], part: Mapping[str, int]) -> dict[str, int]:
    """The aspect's comments in every other group: the job's less this group's."""
    return {s: max(0, total.get(s, 0) - count) for s, count in part.items()}


def _theme(record: Mapping[str, Any]) -> ThemeEntry:
    return ThemeEntry(
        id=int(record["id"]),
        label=str(record["label"]),
        name=str(record["name"]) or MIXED_THEME,
        keywords=tuple(str(k) for k in record.get("keywords") or ()),
        size=int(record.get("size") or 0),
        share=_number(record.get("share")),
        quotes=tuple(
            shown_quote(str(q["text"])) for q in (record.get("quotes") or ())[:THEME_QUOTES]
        ),
        counts={group_key(c.get("group")): int(c["count"]) for c in record.get("counts") or ()},
    )


def _position(order: Sequence[str], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
