"""Which themes of one label grew or faded over several jobs of a survey:
``GET /v1/trend/themes?jobs=&label=``, the CLI's ``trend --themes`` and the app's
*Compare*.

The themes are found once over the label's comments of every job together, from the sentence
vectors the workers stored, with the themes' seed: so "marking / feedback" is one theme in every
term, not four that must be matched by name. Each theme's comments are then counted per job
and tested for a trend (``pipeline.report.theme_trend``). The jobs are checked as for the trend
of the shares (``pipeline.service.trend``): the caller's, finished, with the same labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord
from pipeline.db.results import InsightRow
from pipeline.errors import Conflict, InputError, NotFoundError
from pipeline.group_names import group_cell
from pipeline.insights import storage
from pipeline.insights.postpass import THEME_SEED
from pipeline.messages import echo
from pipeline.report.stats import ALPHA, MIN_EXPECTED
from pipeline.report.theme_trend import ThemeSeries, theme_trend
from pipeline.service.change import check_group, job_column, job_facts
from pipeline.service.insights import themes_prefix
from pipeline.service.trend import same_survey_jobs
from pipeline.themes.find import recluster


def theme_trend_summary(
    backend: Backend,
    owner: str | None,
    request_ids: Sequence[str],
    label: str,
    group_by: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """The themes of ``label``'s comments over ``request_ids`` (oldest first), each theme's
    share of each job's comments, tested for a trend; with ``group`` (a value of
    ``group_by``), of that group's comments alone. The refusals of ``trend_summary``, and
    InputError for a label the jobs do not have; Conflict for a job without themes."""
    check_group(group_by, group)
    jobs, names, labels = same_survey_jobs(backend, owner, request_ids)
    if label not in labels:
        raise InputError(f"label {echo(label)} is not one of the jobs': {', '.join(labels)}")
    prefixes = [_prefix(job, which) for job, which in zip(jobs, names, strict=True)]
    columns = [job_column(job, group_by, which) for job, which in zip(jobs, names, strict=True)]
    rows = [_rows(backend, job, column, group) for job, column in zip(jobs, columns, strict=True)]
    if group is not None and not any(rows):
        raise InputError(f"group {echo(group)}: no job has a comment in it")
    picked = [[row for row in found if row.label == label] for found in rows]
    vectors = [
        _vectors(backend, job, prefix, [row.row_index for row in chosen])
        for job, prefix, chosen in zip(jobs, prefixes, picked, strict=True)
    ]
    totals = [len(found) for found in rows]
    series = _themes(picked, vectors, totals, label)
    return {
        "jobs": [job_facts(job) for job in jobs],
        "label": label,
        "group_by": group_by,
        "group": group,
        "seed": THEME_SEED,
        "n": totals,
        "label_n": [len(chosen) for chosen in picked],
        "alpha": ALPHA,
        "min_expected": MIN_EXPECTED,
        "tests": sum(item.series.tested for item in series),
        "themes": [item.to_dict() for item in series],
    }


def _themes(
    picked: Sequence[Sequence[InsightRow]],
    vectors: Sequence[np.ndarray],
    totals: Sequence[int],
    label: str,
) -> list[ThemeSeries]:
    """Themes of every job's ``picked`` rows together, counted per job."""
    every = [(job, row) for job, chosen in enumerate(picked) for row in chosen]
    if not every:
        return []
    report = recluster(
        [row.text for _job, row in every],
        np.concatenate([found for found in vectors if len(found)]),
        [label] * len(every),
        np.arange(len(every)),
        [str(job) for job, _row in every],
        seed=THEME_SEED,
    )
    counts = {}
    for theme in report.themes:
        by_job = {found.group: found.count for found in theme.counts}
        counts[theme.id] = [by_job.get(str(job), 0) for job in range(len(totals))]
    quotes = {
        theme.id: [(every[q.row][0], every[q.row][1].row_index, q.text) for q in theme.quotes]
        for theme in report.themes
    }
    return theme_trend(report.themes, counts, totals, quotes)


def _rows(
    backend: Backend, job: JobRecord, column: str | None, group: str | None
) -> list[InsightRow]:
    """The job's labelled rows with their text (of ``group`` alone: the group's name, as
    everywhere a group is named, ``group_name``)."""
    results = backend.repository.results
    cell = None if group is None else group_cell(group)
    return list(results.insight_rows(job.request_id, column, with_text=True, group=cell))


def _prefix(job: JobRecord, which: str) -> str:
    try:
        return themes_prefix(job)
    except Conflict as exc:
        raise Conflict(f"{which} ({job.request_id}): {exc}") from exc


def _vectors(backend: Backend, job: JobRecord, prefix: str, rows: Sequence[int]) -> np.ndarray:
    """The stored sentence vectors of ``rows`` of ``job``."""
    try:
        found = storage.load_vectors(backend.store, prefix)
    except NotFoundError as exc:
        raise Conflict(
            f"the themes of job {job.request_id} cannot be followed: its stored embeddings "
            "are missing"
        ) from exc
    return np.asarray(found)[list(rows)]
