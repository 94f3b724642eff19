"""Build a report's data from a job's summary: shares with intervals, every group against the
rest, the flags that survive the correction for testing every group. Pure.

A group's n is its comments with a label (as in the app): rows with no label (blank,
placeholder, another language) are counted apart and never in a share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pipeline.db.records import JobRecord
from pipeline.report.data import (
    AspectSummary,
    Comparison,
    GroupReport,
    LabelShare,
    ModelFacts,
    Quote,
    ReportData,
    ThemeSummary,
)
from pipeline.report.stats import ALPHA, fisher_exact, holm, wilson_interval
from pipeline.service.views import GroupSummary, SummaryView
from pipeline.ui.groups import group_name, is_small
from pipeline.ui.shares import percentages

COMPARED_LABELS = ("negative", "positive")
"""The shares a group is tested on against the rest (neutral is what is left of them)."""


def compared_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """``negative`` and ``positive`` where the model has them; every label of another model."""
    chosen = tuple(label for label in COMPARED_LABELS if label in labels)
    return chosen or tuple(labels)


def label_shares(counts: Mapping[str, int], labels: Sequence[str]) -> tuple[LabelShare, ...]:
    n = sum(counts.get(label, 0) for label in labels)
    percent = percentages(counts, labels)
    return tuple(
        LabelShare(
            label=label,
            count=counts.get(label, 0),
            share=counts.get(label, 0) / n if n else None,
            percent=percent[label],
            interval=wilson_interval(counts.get(label, 0), n),
        )
        for label in labels
    )


def compare_groups(
    groups: Sequence[GroupSummary], labels: Sequence[str], tested: Sequence[str]
) -> list[tuple[Comparison, ...]]:
    """Each group against all the others on each ``tested`` label, Holm-adjusted over all of
    them; a group with no labelled comment, or with nothing to compare against, has none."""
    totals = {label: sum(group.counts.get(label, 0) for group in groups) for label in labels}
    grand = sum(totals.values())
    cells: list[tuple[int, str, int, int, int, int]] = []
    for index, group in enumerate(groups):
        n = sum(group.counts.get(label, 0) for label in labels)
        rest = grand - n
        if n == 0 or rest == 0:
            continue
        for label in tested:
            inside = group.counts.get(label, 0)
            outside = totals[label] - inside
            cells.append((index, label, inside, n, outside, rest))
    p_values = [fisher_exact([[a, n - a], [c, rest - c]]) for _i, _l, a, n, c, rest in cells]
    adjusted = holm(p_values)
    found: list[list[Comparison]] = [[] for _ in groups]
    for (index, label, a, n, c, rest), p_value, corrected in zip(
        cells, p_values, adjusted, strict=True
    ):
        found[index].append(
            Comparison(
                label=label,
                share=a / n,
                rest_share=c / rest,
                rest_n=rest,
                p_value=p_value,
                adjusted_p=corrected,
                flagged=corrected < ALPHA,
            )
        )
    return [tuple(comparisons) for comparisons in found]


def assemble(
    job: JobRecord,
    summary: SummaryView,
    model: ModelFacts,
    generated_at: datetime,
    quotes: Mapping[str | None, Sequence[Quote]] | None = None,
    overall_quotes: Sequence[Quote] = (),
    aspects: Sequence[AspectSummary] | None = None,
    themes: Sequence[ThemeSummary] | None = None,
) -> ReportData:
    """The report of a finished job grouped as ``summary`` is (no groups: one overview).
    ``quotes`` are per group value (``quotes.group_quotes``), ``overall_quotes`` for the
    overview."""
    labels = tuple(summary.labels)
    tested = compared_labels(labels)
    comparisons = compare_groups(summary.groups, labels, tested)
    quotes = quotes or {}
    groups = tuple(
        _group_report(
            part,
            group_name(part.group),
            labels,
            found,
            tuple(quotes.get(part.group, ())),
            rest=_rest(summary.overall, part, labels),
        )
        for part, found in zip(summary.groups, comparisons, strict=True)
    )
    return ReportData(
        request_id=job.request_id,
        input_name=job.input_name,
        group_by=summary.group_by,
        labels=labels,
        overall=_group_report(summary.overall, None, labels, (), tuple(overall_quotes)),
        groups=groups,
        model=model,
        created_at=job.created_at,
        finished_at=job.finished_at,
        generated_at=generated_at,
        tests=sum(len(found) for found in comparisons),
        aspects=None if aspects is None else tuple(aspects),
        themes=None if themes is None else tuple(themes),
        rows_total=job.rows_total,
        compared_labels=tested,
    )


def _group_report(
    part: GroupSummary,
    name: str | None,
    labels: Sequence[str],
    comparisons: tuple[Comparison, ...],
    quotes: tuple[Quote, ...],
    rest: tuple[LabelShare, ...] = (),
) -> GroupReport:
    shares = label_shares(part.counts, labels)
    n = sum(share.count for share in shares)
    return GroupReport(
        name=name,
        n=n,
        unlabelled=part.rows - n,
        small=is_small(n),
        shares=shares,
        comparisons=comparisons,
        quotes=quotes,
        rest=rest,
    )


def _rest(
    overall: GroupSummary, part: GroupSummary, labels: Sequence[str]
) -> tuple[LabelShare, ...]:
    """The shares of every other group's comments together: what the group is compared to."""
    counts = {label: overall.counts.get(label, 0) - part.counts.get(label, 0) for label in labels}
    return label_shares(counts, labels)
