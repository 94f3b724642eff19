"""Build a report's data from a job's summary: shares with intervals, every group against the
rest, the flags that survive the correction for testing every group. Pure.

A group's n is its comments with a label (as in the app): rows with no label (blank,
placeholder, another language) are counted apart and never in a share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pipeline.db.records import JobRecord
from pipeline.report.data import (
    AspectShares,
    Comparison,
    Focus,
    GroupReport,
    GroupTheme,
    Insights,
    LabelShare,
    ModelFacts,
    Quote,
    ReportData,
    ThemeEntry,
)
from pipeline.report.listing import CommentListing
from pipeline.report.look_alike import look_alikes
from pipeline.report.stats import ALPHA, fisher_exact, holm, wilson_interval
from pipeline.service.views import GroupSummary, SummaryView
from pipeline.ui.groups import group_name, is_small
from pipeline.ui.shares import percentages

COMPARED_LABELS = ("negative", "positive")
"""The shares a group is tested on against the rest (neutral is what is left of them)."""
GROUP_THEMES = 4
"""The themes a group's section names: those with the most of its comments."""
GroupValue = str | None
"""A group's value as its aspects and themes are keyed: None for the rows without one."""


def compared_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """``negative`` and ``positive`` where the model has them; every label of another model."""
    chosen = tuple(label for label in COMPARED_LABELS if label in labels)
    return chosen or tuple(labels)


def group_key(value: object) -> GroupValue:
    """A group's key among its aspects and theme counts: its value as text, None for the rows
    without one however a summary writes them (the label summary's ``""``, the aspect and
    theme summaries' ``null``, an older job's missing cell), so the blank group's section
    finds its aspects and themes."""
    return None if value is None or value == "" else str(value)


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


@dataclass(frozen=True)
class Cell:
    """One test: ``inside`` of a group's ``n`` have ``label``, against ``outside`` of the
    ``rest`` (every other group's comments together)."""

    label: str
    inside: int
    n: int
    outside: int
    rest: int


def compare_cells(cells: Sequence[Cell]) -> list[Comparison]:
    """Fisher's exact test of each cell, Holm-adjusted over all of them (one family), in the
    order given."""
    p_values = [
        fisher_exact([[c.inside, c.n - c.inside], [c.outside, c.rest - c.outside]]) for c in cells
    ]
    return [
        Comparison(
            label=cell.label,
            share=cell.inside / cell.n,
            rest_share=cell.outside / cell.rest,
            rest_n=cell.rest,
            p_value=p_value,
            adjusted_p=corrected,
            flagged=corrected < ALPHA,
        )
        for cell, p_value, corrected in zip(cells, p_values, holm(p_values), strict=True)
    ]


def compare_groups(
    groups: Sequence[GroupSummary], labels: Sequence[str], tested: Sequence[str]
) -> list[tuple[Comparison, ...]]:
    """Each group against all the others on each ``tested`` label, Holm-adjusted over all of
    them; a group with no labelled comment, or with nothing to compare against, has none."""
    totals = {label: sum(group.counts.get(label, 0) for group in groups) for label in labels}
    grand = sum(totals.values())
    owners: list[int] = []
    cells: list[Cell] = []
    for index, group in enumerate(groups):
        n = sum(group.counts.get(label, 0) for label in labels)
        rest = grand - n
        if n == 0 or rest == 0:
            continue
        for label in tested:
            inside = group.counts.get(label, 0)
            owners.append(index)
            cells.append(Cell(label, inside, n, totals[label] - inside, rest))
    found: list[list[Comparison]] = [[] for _ in groups]
    for index, comparison in zip(owners, compare_cells(cells), strict=True):
        found[index].append(comparison)
    return [tuple(comparisons) for comparisons in found]


def assemble(
    job: JobRecord,
    summary: SummaryView,
    model: ModelFacts,
    generated_at: datetime,
    quotes: Mapping[str | None, Sequence[Quote]] | None = None,
    overall_quotes: Sequence[Quote] = (),
    insights: Insights | None = None,
    by_question: SummaryView | None = None,
    row_noun: str = "row",
    respondents: int | None = None,
) -> ReportData:
    """The report of a finished job grouped as ``summary`` is (no groups: one overview).
    ``quotes`` are per group value (``quotes.group_quotes``), ``overall_quotes`` for the
    overview; ``insights`` (``about.insights``) what the comments are about, overall and per
    group; ``by_question`` the same job's summary by question, for a job of several comment
    columns reported by another column; ``row_noun`` what one of the job's rows is, and
    ``respondents`` the students who answered, in such a job."""
    labels = tuple(summary.labels)
    tested = compared_labels(labels)
    comparisons = compare_groups(summary.groups, labels, tested)
    quotes = quotes or {}
    insights = insights or Insights()
    groups = tuple(
        _group_report(
            part,
            group_name(part.group),
            labels,
            found,
            tuple(quotes.get(part.group, ())),
            rest=_rest(summary.overall, part, labels),
            aspects=insights.group_aspects.get(group_key(part.group), ()),
            themes=group_themes(insights.themes or (), group_key(part.group)),
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
        insights=insights,
        rows_total=job.rows_total,
        row_noun=row_noun,
        respondents=respondents,
        compared_labels=tested,
        questions=tuple(
            _group_report(part, group_name(part.group), labels, (), ())
            for part in (by_question.groups if by_question else ())
        ),
        look_alikes=tuple(look_alikes([part.group for part in summary.groups], [])),
    )


def _group_report(
    part: GroupSummary,
    name: str | None,
    labels: Sequence[str],
    comparisons: tuple[Comparison, ...],
    quotes: tuple[Quote, ...],
    rest: tuple[LabelShare, ...] = (),
    aspects: tuple[AspectShares, ...] = (),
    themes: tuple[GroupTheme, ...] = (),
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
        aspects=aspects,
        themes=themes,
    )


def _rest(
    overall: GroupSummary, part: GroupSummary, labels: Sequence[str]
) -> tuple[LabelShare, ...]:
    """The shares of every other group's comments together: what the group is compared to."""
    counts = {label: overall.counts.get(label, 0) - part.counts.get(label, 0) for label in labels}
    return label_shares(counts, labels)


def group_themes(
    themes: Sequence[ThemeEntry], group: GroupValue, top: int = GROUP_THEMES
) -> tuple[GroupTheme, ...]:
    """The ``top`` themes of the job with the most of ``group``'s comments (``group_key``),
    largest first (ties in the job's order)."""
    found = [GroupTheme(theme, theme.counts.get(group, 0)) for theme in themes]
    ranked = sorted((entry for entry in found if entry.count), key=lambda e: -e.count)
    return tuple(ranked[:top])


def focus_on(data: ReportData, index: int, comments: CommentListing) -> ReportData:
    """The report of the group at ``index`` of ``data.groups`` alone: that group, every one
    of its ``comments``, and what the whole report's
    flags and totals say of it. The other groups' names, quotes and per-group figures are
    dropped, not hidden, so no page made of it can show them; its flags keep the whole
    report's correction, so they match the committee's report. ``data.insights.themes`` must
    already be the group's own (found among its comments alone): the job's themes quote
    every group."""
    group = replace(data.groups[index], quotes=(), themes=())
    return replace(
        data,
        groups=(group,),
        questions=(),
        insights=replace(data.insights, group_aspects={}),  # its own are in ``group.aspects``
        overall=replace(data.overall, quotes=()),
        focus=Focus(group=group, comments=comments),
    )
