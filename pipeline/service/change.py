"""What changed since an earlier job: ``GET /v1/jobs/{id}/change?since=EARLIER``, the CLI's
``change`` and the app's *Compare → Against an earlier job*.

Both jobs are the caller's and both have finished: a job still running would compare a part
of its comments, and a job of another key answers as missing, as everywhere else. The figures
are ``pipeline.report.change``'s; what this module adds is which counts go in and what the
reader must know about them (``notes``): a different model, different aspects, groups found
in one job only and the ones that look like the same group written another way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.db import GroupStats
from pipeline.db.records import JobRecord, JobStatus
from pipeline.errors import Conflict, InputError
from pipeline.group_names import BLANK, check_asked, group_cell, group_name
from pipeline.input_header import did_you_mean, listing
from pipeline.insights.aspect_stats import aspect_figures
from pipeline.messages import echo
from pipeline.report import change as figures
from pipeline.report.assemble import compared_labels
from pipeline.report.look_alike import possible_matches, spellings
from pipeline.report.stats import ALPHA
from pipeline.service.erase import readable_job
from pipeline.service.results import group_column


def change_summary(
    backend: Backend,
    owner: str | None,
    request_id: str,
    since: str,
    group_by: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """The label shares (overall and, with ``group_by``, per value of that column) and the
    aspects' share negative in the job ``since`` and in ``request_id``, each change tested.
    With ``group`` (a value of ``group_by``; "(blank)" for the rows without one), that group
    alone: its label shares and its aspects' in both jobs, tested as a family of their own,
    and the values of either job that may be it written another way (``possible_matches``).
    JobNotFound for either job unknown or another caller's; InputError for a job compared
    with itself, or ``group`` without ``group_by``, empty, or in neither job; Conflict for a
    job not finished or jobs with different labels; MissingColumnError for a column one of
    them lacks."""
    check_group(group_by, group)
    if since == request_id:
        raise InputError(
            "since is this job itself; give the request id of the earlier job to compare with"
        )
    after = readable_job(backend, request_id, owner)
    before = readable_job(backend, since, owner)
    for job, which in ((after, "this job"), (before, "the earlier job")):
        check_finished(job, which)
    labels = list(after.labels or ())
    if set(before.labels or ()) != set(labels):
        raise Conflict(
            f"the two jobs have different labels ({', '.join(before.labels or ())} against "
            f"{', '.join(labels)}): their shares cannot be compared"
        )
    after_column = job_column(after, group_by, "this job")
    columns = [job_column(before, group_by, "the earlier job"), after_column]
    with_aspects = before.aspect_model is not None and after.aspect_model is not None
    sides, alike = job_sides(backend, [before, after], columns, labels, with_aspects, group)
    result = figures.change(sides[0], sides[1], labels)
    matches = (
        _look_alikes(
            [value for value, _n in result.only_before],
            [value for value, _n in result.only_after],
            [item.group for item in result.groups],
        )
        if group is None
        else _spelt_otherwise(group_cell(group), alike[0], alike[1])
    )
    return {
        "request_id": request_id,
        "since": since,
        "group_by": group_by,
        "group": group,
        "before": job_facts(before),
        "after": job_facts(after),
        "labels": labels,
        "tested_labels": list(compared_labels(labels)),
        "alpha": ALPHA,
        "tests": result.tests,
        "overall": [item.to_dict() for item in result.overall],
        "aspects": [_aspect_row(item, sides, labels) for item in result.aspects],
        "groups": [group.to_dict() for group in result.groups],
        "only_before": [{"group": value, "n": n} for value, n in result.only_before],
        "only_after": [{"group": value, "n": n} for value, n in result.only_after],
        "possible_matches": [{"before": earlier, "after": now} for earlier, now in matches],
        "notes": _notes(before, after, with_aspects),
    }


def _aspect_row(
    item: figures.ShareChange, sides: Sequence[figures.Side], labels: Sequence[str]
) -> dict[str, Any]:
    """An aspect's change, its share negative in each job with every polarity beside it
    (``polarities``)."""
    row = item.to_dict()
    for side, which in zip(sides, ("before", "after"), strict=True):
        row[which] |= polarities(side.aspects.get(item.key, {}), labels)
    return row


def polarities(counts: Mapping[str, int], labels: Sequence[str]) -> dict[str, Any]:
    """An aspect's comments in one job by their polarity toward it: ``counts`` and ``shares``
    (of ``n``, the share negative's base; None when it is 0) keyed by label, as the summary
    and the label rows name them. The share negative alone is tested; the neutral and the
    positive are what a reader asks next ("fewer complaints, or fewer comments at all?")."""
    found = {label: int(counts.get(label, 0)) for label in labels}
    n = sum(found.values())
    return {
        "counts": found,
        "shares": {label: (count / n if n else None) for label, count in found.items()},
    }


def _look_alikes(
    only_before: list[str | None], only_after: list[str | None], both: list[str | None]
) -> list[tuple[str, str]]:
    """(earlier, now) values that may be one group written two ways: a value of one job only
    and one of the other job, in it only (``CHEM 110`` earlier, ``chem-110`` now) or in both
    (``Chem 110`` now beside a ``CHEM110`` of both jobs, whose comparison it would leave out)."""
    pairs = possible_matches(only_before, [*only_after, *both])
    pairs += [(earlier, now) for now, earlier in possible_matches(only_after, both)]
    return list(dict.fromkeys(pairs))


def _spelt_otherwise(
    cell: str, before: Sequence[str], after: Sequence[str]
) -> list[tuple[str, str]]:
    """(earlier, now) for one group (its cell ``cell``): each value of the earlier job that
    may be it written another way beside it now, and it earlier beside each such value of
    this job. A new course's own change otherwise reads "no comments in the earlier job" of
    a course that was there, recoded (``CHEM110`` then, ``CHEM 110`` now)."""
    return [(value, cell) for value in before] + [(cell, value) for value in after]


def check_finished(job: JobRecord, which: str) -> None:
    """Conflict, naming ``which`` job and its progress, unless it has succeeded: a job still
    running would compare a part of its comments."""
    if job.status == JobStatus.SUCCEEDED:
        return
    state = (
        f"{job.status.value} ({job.rows_done:,} of {job.rows_total:,} rows labelled)"
        if not job.is_terminal
        else job.status.value
    )
    raise Conflict(
        f"{which} ({job.request_id}, {echo(job.input_name)}) is {state}: only finished jobs are "
        "compared, so that every comment of both counts"
    )


def job_column(job: JobRecord, group_by: str | None, which: str) -> str | None:
    """``group_column`` of one of the jobs compared; its refusal names which job it is."""
    try:
        return group_column(job, group_by)
    except InputError as exc:
        raise type(exc)(f"{which} ({job.request_id}, {echo(job.input_name)}): {exc}") from exc


def check_group(group_by: str | None, group: str | None) -> None:
    """InputError for a ``group`` without ``group_by``, empty or named ``(all)``: never every
    group, nor another group, instead."""
    if group is not None and (not group_by or not group):
        raise InputError(
            f"group needs group_by and a value of it ({BLANK} for the rows without one)"
        )
    if group is not None:
        check_asked(group, str(group_by))


def job_sides(
    backend: Backend,
    jobs: Sequence[JobRecord],
    columns: Sequence[str | None],
    labels: list[str],
    with_aspects: bool,
    group: str | None,
) -> tuple[list[figures.Side], list[list[str]]]:
    """The counts of each job (``job_side``), or of its ``group`` alone (``group_side``), and
    the values of each job that may be that group written another way
    (``look_alike.spellings``; none for whole jobs); InputError when no job has that group."""
    if group is None:
        sides = [
            job_side(backend, job, column, labels, with_aspects)
            for job, column in zip(jobs, columns, strict=True)
        ]
        return sides, [[] for _job in jobs]
    results = backend.repository.results
    summaries = [
        results.summarize(job.request_id, labels, column)
        for job, column in zip(jobs, columns, strict=True)
    ]
    sides = [
        group_side(backend, job, str(column), summary, group, labels, with_aspects)
        for job, column, summary in zip(jobs, columns, summaries, strict=True)
    ]
    if not any(side.overall for side in sides):
        values = dict.fromkeys(group_name(stats.group) for found in summaries for stats in found)
        raise InputError(
            f"no job has {echo(str(columns[0]))} = {echo(group)}"
            f"{did_you_mean(group, list(values))}; "
            f"their values: {listing(list(values))}"
        )
    cell = group_cell(group)
    return sides, [spellings(cell, [stats.group for stats in found]) for found in summaries]


def job_side(
    backend: Backend, job: JobRecord, column: str | None, labels: list[str], with_aspects: bool
) -> figures.Side:
    """The counts of one job that a change or a trend compares."""
    results = backend.repository.results
    overall = results.summarize(job.request_id, labels)
    groups = results.summarize(job.request_id, labels, column) if column else []
    return figures.Side(
        overall=dict(overall[0].counts) if overall else {},
        groups={stats.group: dict(stats.counts) for stats in groups},
        aspects=_aspects(backend, job, labels, with_aspects),
    )


def group_side(
    backend: Backend,
    job: JobRecord,
    column: str,
    summary: Sequence[GroupStats],
    group: str,
    labels: list[str],
    with_aspects: bool,
) -> figures.Side:
    """One group's counts in one job (``summary``: the job's by ``column``), as its
    ``overall`` and ``aspects`` (none where the job has no such group): ``group`` is the
    group's name, as everywhere a group is named (``group_name``)."""
    stats = {item.group: item for item in summary}
    matches = [value for value in stats if (value or "") == group_cell(group)]
    if not matches:
        return figures.Side(overall={}, groups={}, aspects={})
    value = matches[0]
    return figures.Side(
        overall=dict(stats[value].counts),
        groups={},
        aspects=_aspects(backend, job, labels, with_aspects, column, value or ""),
    )


def _aspects(
    backend: Backend,
    job: JobRecord,
    labels: list[str],
    with_aspects: bool,
    column: str | None = None,
    group: str | None = None,
) -> dict[str, dict[str, int]]:
    """Each aspect's polarity counts in the job (or in its ``group`` of ``column``)."""
    if not with_aspects:
        return {}
    rows = backend.repository.results.insight_rows(job.request_id, column, group=group)
    found = aspect_figures(rows, (), labels, {}, by_group=False)
    return {item["name"]: dict(item["counts"]) for item in found.categories}


def job_facts(job: JobRecord) -> dict[str, Any]:
    """What the answer says of each job compared."""
    return {
        "request_id": job.request_id,
        "input_name": job.input_name,
        "created_at": job.created_at.isoformat(),
        "rows_total": job.rows_total,
        "rows_failed": job.rows_failed,
        "model_version": job.model_version,
        "aspect_model": job.aspect_model,
    }


def _notes(before: JobRecord, after: JobRecord, with_aspects: bool) -> list[str]:
    """What a reader must know before reading a change as the students': a model that changed
    between the jobs moves the shares by itself."""
    notes = []
    if before.model_version != after.model_version:
        notes.append(
            f"The jobs were labelled by different models ({before.model_version or before.model} "
            f"earlier, {after.model_version or after.model} now): part of a change may be the "
            "model's, not the students'. Submit the earlier file again (fresh) to label both "
            "with the same model."
        )
    if not with_aspects:
        notes.append("Aspects are compared only when both jobs have them; one of these has none.")
    elif before.aspect_model != after.aspect_model:
        notes.append(
            f"The aspects were found by different aspect models ({before.aspect_model} earlier, "
            f"{after.aspect_model} now): a change in an aspect may be the model's."
        )
    return notes
