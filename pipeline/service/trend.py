"""How the shares moved over several jobs of a survey, oldest first: ``GET /v1/trend?jobs=``,
the CLI's ``trend`` and the app's *Compare → Several jobs in order*.

Every job is the caller's and has finished, for the reasons ``pipeline.service.change`` gives;
the order is the caller's (the order of the terms, which the upload dates need not follow: last
year's file may be submitted today). The figures are ``pipeline.report.trend``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord
from pipeline.errors import Conflict
from pipeline.group_names import group_cell
from pipeline.report import trend as figures
from pipeline.report.assemble import compared_labels
from pipeline.report.change import Side
from pipeline.report.look_alike import look_alikes
from pipeline.report.stats import ALPHA, MIN_EXPECTED
from pipeline.service.change import (
    check_finished,
    check_group,
    job_column,
    job_facts,
    job_sides,
    polarities,
)
from pipeline.service.erase import readable_job


def trend_summary(
    backend: Backend,
    owner: str | None,
    request_ids: Sequence[str],
    group_by: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """The label shares (overall and, with ``group_by``, per value of that column) and the
    aspects' share negative in each job of ``request_ids`` (oldest first), each tested for a
    trend. With ``group`` (a value of ``group_by``; "(blank)" for the rows without one), that
    group alone: its label shares and its aspects' in each job, tested as a family of their
    own, and the values of any job that may be it written another way (``possible_matches``:
    ``chem110`` beside a ``CHEM110`` of earlier terms). JobNotFound for a job unknown or
    another caller's; Conflict for a job not finished or jobs with different labels;
    MissingColumnError for a column a job lacks; InputError for ``group`` without
    ``group_by``, empty, or in no job."""
    check_group(group_by, group)
    jobs, names, labels = same_survey_jobs(backend, owner, request_ids)
    columns = [job_column(job, group_by, which) for job, which in zip(jobs, names, strict=True)]
    with_aspects = all(job.aspect_model is not None for job in jobs)
    sides, alike = job_sides(backend, jobs, columns, labels, with_aspects, group)
    result = figures.trend(sides, labels)
    matches = (
        look_alikes(
            [value for value, _index, _n in result.only_one],
            [item.group for item in result.groups],
        )
        if group is None
        else [(group_cell(group), value) for value in dict.fromkeys(chain.from_iterable(alike))]
    )
    return {
        "jobs": [job_facts(job) for job in jobs],
        "group_by": group_by,
        "group": group,
        "labels": labels,
        "tested_labels": list(compared_labels(labels)),
        "alpha": ALPHA,
        "min_expected": MIN_EXPECTED,
        "tests": result.tests,
        "overall": [series.to_dict() for series in result.overall],
        "aspects": [_aspect_row(series, sides, labels) for series in result.aspects],
        "groups": [item.to_dict() for item in result.groups],
        "only_one_job": [
            {"group": value, "job": index, "n": n} for value, index, n in result.only_one
        ],
        "possible_matches": [{"group": value, "like": other} for value, other in matches],
        "notes": _notes(jobs, with_aspects),
    }


def _aspect_row(
    series: figures.Series, sides: Sequence[Side], labels: Sequence[str]
) -> dict[str, Any]:
    """An aspect's trend, its share negative in each job with every polarity beside it
    (``change.polarities``)."""
    row = series.to_dict()
    for share, side in zip(row["shares"], sides, strict=True):
        share |= polarities(side.aspects.get(series.key, {}), labels)
    return row


def same_survey_jobs(
    backend: Backend, owner: str | None, request_ids: Sequence[str]
) -> tuple[list[JobRecord], list[str], list[str]]:
    """The jobs, each named by its place (``job 2 of 4``), and their labels: JobNotFound for
    a job unknown or another caller's, Conflict for a job not finished or jobs with different
    labels."""
    jobs = [readable_job(backend, request_id, owner) for request_id in request_ids]
    names = [_which(index, len(jobs)) for index in range(len(jobs))]
    for job, which in zip(jobs, names, strict=True):
        check_finished(job, which)
    labels = list(jobs[0].labels or ())
    for job, which in zip(jobs[1:], names[1:], strict=True):
        if set(job.labels or ()) != set(labels):
            raise Conflict(
                f"{which} ({job.request_id}) has other labels than the first job "
                f"({', '.join(job.labels or ())} against {', '.join(labels)}): their shares "
                "cannot be compared"
            )
    return jobs, names, labels


def _which(index: int, count: int) -> str:
    return f"job {index + 1} of {count}"


def _notes(jobs: Sequence[JobRecord], with_aspects: bool) -> list[str]:
    """What a reader must know before reading a trend as the students'."""
    notes = []
    models = list(dict.fromkeys(job.model_version or job.model for job in jobs))
    if len(models) > 1:
        notes.append(
            f"The jobs were labelled by {len(models)} different models ({', '.join(models)}): "
            "part of a trend may be the models', not the students'. Submit the older files "
            "again (fresh) to label every job with the same model."
        )
    if not with_aspects:
        notes.append("Aspects are followed only when every job has them; one of these has none.")
    elif len({job.aspect_model for job in jobs}) > 1:
        notes.append(
            "The aspects were found by different aspect models: a trend in an aspect may be "
            "the models'."
        )
    return notes
