"""Aspect and theme summaries of a job: what ``GET /v1/jobs/{id}/aspects`` and ``/themes``,
the CLI and the app show (the dicts of the issue 13 contract).

Aspects are counted from the stored rows, so they are available (partial) while a job runs:
of the rows whose insights are done (the worker labels every row first, then works out what
they are about: ``pipeline.worker``).
Themes exist once the job completed: the worker's post-pass stored them (themes.json) with the
job's embeddings; a filter by aspect or by one group re-clusters the matching rows from those
embeddings on demand, with the same seed, so the same question gets the same themes.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.db.results import InsightRow
from pipeline.errors import Conflict, InputError, NotFoundError, PipelineError
from pipeline.insights import storage
from pipeline.insights.aspect_stats import aspect_figures
from pipeline.insights.postpass import THEME_SEED
from pipeline.messages import echo
from pipeline.service.erase import readable_job
from pipeline.service.results import check_known_group, check_one_group, group_cell, group_column
from pipeline.themes import Theme, recluster
from pipeline.themes.metrics import topic_diversity
from pipeline.themes.report import counts_by_group

log = logging.getLogger(__name__)


def aspect_summary(
    backend: Backend, owner: str | None, request_id: str, group_by: str | None = None
) -> dict[str, Any]:
    """Categories by how many labelled comments mention them, the sentiment toward each with
    shares and Wilson 95 % intervals, and with ``group_by`` the same per group value.
    ``rows_labelled`` counts the labelled comments these figures are of: those among the
    first ``insights_done`` rows, whose aspects are worked out (after every label);
    ``rows_labelled_in_job`` counts every labelled comment of the job, more while the aspects
    are worked out or when the job stopped before (cancelled during its labels: none has
    aspects, though thousands have labels). JobNotFound for an unknown or foreign job;
    MissingColumnError for an unknown column; Conflict for a finished job whose rows were
    labelled without aspects."""
    job = readable_job(backend, request_id, owner)
    column = group_column(job, group_by)
    if job.aspect_model is None and job.is_terminal and job.rows_done:
        raise Conflict(_no_insights(job, "aspects"))
    categories, meanings = _aspect_categories(job.aspect_model)
    # While the job runs, only the rows whose insights are done (labels come first).
    before = None if job.status == JobStatus.SUCCEEDED else job.insights_done
    figures = aspect_figures(
        backend.repository.results.insight_rows(request_id, column, before=before),
        categories,
        job.labels or (),
        meanings,
        by_group=column is not None,
    )
    return {
        "request_id": request_id,
        "complete": job.status == JobStatus.SUCCEEDED,
        "model_version": job.aspect_model,
        "group_by": group_by,
        "rows_labelled": figures.rows_labelled,
        "rows_with_aspects": figures.rows_with_aspects,
        "insights_done": job.insights_done if job.insights_key is not None else 0,
        "rows_labelled_in_job": max(job.rows_done - job.rows_failed, 0),
        "categories": figures.categories,
        "groups": figures.groups,
    }


def theme_summary(
    backend: Backend,
    owner: str | None,
    request_id: str,
    *,
    label: str | None = None,
    aspect: str | None = None,
    group_by: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """The job's themes, of one label and/or one aspect and/or one group's comments; with
    ``group_by``, counts per value of that column. Conflict until the job has succeeded (or
    when its themes are unavailable, with the reason); InputError for a label or aspect the
    job does not have, or ``group`` without ``group_by``."""
    check_one_group(group_by, group)
    job = readable_job(backend, request_id, owner)
    column = group_column(job, group_by)
    _check_filters(job, label, aspect)
    prefix = themes_prefix(job)
    if aspect is None and group is None:
        found = _stored_themes(backend, job, prefix, label, column)
    else:
        found = _reclustered(backend, job, prefix, label, aspect, column, group)
    return {
        "request_id": request_id,
        "label": label,
        "aspect": aspect,
        "group_by": group_by,
        "group": group,
        "seed": THEME_SEED,
        "diversity": topic_diversity([theme["keywords"] for theme in found.themes]),
        "n": found.n,
        "themes": found.themes,
    }


@dataclass(frozen=True)
class _Found:
    themes: list[dict[str, Any]]
    n: int


def _stored_themes(
    backend: Backend, job: JobRecord, prefix: str, label: str | None, column: str | None
) -> _Found:
    """The themes the post-pass stored, of one label or all; counts per ``column``."""
    stored = _load_themes(backend, job, prefix)
    themes = [t for t in stored["themes"] if label is None or t["label"] == label]
    counts: dict[int, list[dict[str, Any]]] = {}
    if column is not None:
        rows = list(backend.repository.results.insight_rows(job.request_id, column))
        assignment = np.asarray([-1 if r.theme is None else r.theme for r in rows], np.int64)
        tallies = counts_by_group(assignment, [r.group for r in rows])
        counts = {
            theme: [{"group": c.group, "count": c.count} for c in tally]
            for theme, tally in tallies.items()
        }
    return _Found(
        [{**theme, "counts": counts.get(theme["id"], [])} for theme in themes],
        sum(int(theme["size"]) for theme in themes),
    )


def _reclustered(
    backend: Backend,
    job: JobRecord,
    prefix: str,
    label: str | None,
    aspect: str | None,
    column: str | None,
    group: str | None,
) -> _Found:
    """Themes of the rows of one aspect (clustered by the sentiment toward it) and/or one
    group, found afresh from the stored embeddings. ``group="(blank)"`` is the rows without a
    value, stored as an empty cell or not at all."""
    cell = None if group is None else group_cell(group)
    rows = list(
        backend.repository.results.insight_rows(job.request_id, column, with_text=True, group=cell)
    )
    if not rows and column is not None and group is not None:
        check_known_group(backend, job, column, group)  # only then: its rows are all unlabelled
    keys = [_theme_key(row, aspect) for row in rows]
    subset = [
        i
        for i, (row, key) in enumerate(zip(rows, keys, strict=True))
        if key is not None and (label is None or key == label)
    ]
    if not subset:
        return _Found([], 0)
    try:
        vectors = storage.load_vectors(backend.store, prefix)
    except NotFoundError as exc:
        raise Conflict(
            "the themes of this job cannot be filtered: its stored embeddings are missing"
        ) from exc
    report = recluster(
        [row.text for row in rows],
        vectors[[row.row_index for row in rows]],
        keys,
        subset,
        [row.group for row in rows] if column is not None else None,
        row_ids=[row.row_index for row in rows],
        seed=THEME_SEED,
    )
    return _Found([_record(theme, column) for theme in report.themes], len(subset))


def _theme_key(row: InsightRow, aspect: str | None) -> str | None:
    """What a row's themes are found within: its label, or with an aspect filter the
    sentiment toward that aspect (None: the row is not about it)."""
    if aspect is None:
        return row.label
    return row.aspect_sentiments.get(aspect) if aspect in row.aspects else None


def _record(theme: Theme, column: str | None) -> dict[str, Any]:
    record = theme.to_record()
    if column is None:
        record["counts"] = []
    return record


def _check_filters(
    job: JobRecord,
    label: str | None,
    aspect: str | None,
) -> None:
    labels = job.labels or ()
    if label is not None and labels and label not in labels:
        raise InputError(f"label {echo(label)} is not one of the job's: {', '.join(labels)}")
    if aspect is not None:
        categories, _ = _aspect_categories(job.aspect_model)
        if categories and aspect not in categories:
            raise InputError(
                f"aspect {echo(aspect)} is not a category of the aspect model: "
                f"{', '.join(categories)}"
            )


def themes_prefix(job: JobRecord) -> str:
    if job.status != JobStatus.SUCCEEDED:
        state = (
            f"is {job.status.value} ({_progress(job)})"
            if not job.is_terminal
            else f"{job.status.value} before it completed"
        )
        raise Conflict(f"the job {state}: themes are found when the job completes")
    if job.insights_key is None:
        raise Conflict(_no_insights(job, "themes"))
    if job.themes_error is not None:
        raise Conflict(f"themes are unavailable for this job: {job.themes_error}")
    return job.insights_key


def _progress(job: JobRecord) -> str:
    labelled = f"{job.rows_done:,} of {job.rows_total:,} rows labelled"
    if not job.labelled or job.insights_key is None:
        return labelled
    return f"{labelled}, what {job.insights_done:,} of them are about worked out"


def _load_themes(backend: Backend, job: JobRecord, prefix: str) -> dict[str, Any]:
    try:
        return storage.load_themes(backend.store, prefix)
    except NotFoundError as exc:
        raise Conflict(
            f"themes are unavailable for job {job.request_id}: its themes file is missing"
        ) from exc


def _no_insights(job: JobRecord, what: str) -> str:
    from pipeline.model.aspects.encoders import reads_sentiment_of

    if what == "aspects" and job.insights_key is not None and job.labels:
        unreadable = reads_sentiment_of(job.labels)
        if unreadable:  # a binary or 5-star model: themes, but no aspects (insights.loading)
            return f"this job has no aspects: {unreadable}; its labels and themes are there"
    return (
        f"this job has no {what}: its comments were labelled without insights "
        "(PIPELINE_INSIGHTS=0 on the worker, its aspect model could not be loaded, or the job "
        "is older than aspects and themes); submit it again with fresh=true to get them"
    )


def _aspect_categories(version: str | None) -> tuple[tuple[str, ...], dict[str, str]]:
    """The categories and meanings of the shipped aspect model when it is the one that tagged
    the job; otherwise none known (the summary lists what the rows hold)."""
    shipped = _shipped_aspect_model()
    if shipped is None or version is None or shipped[0] != version:
        return (), {}
    return shipped[1], shipped[2]


@functools.cache
def _shipped_aspect_model() -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    from pipeline.model.aspects.artefact import load_aspect_model

    try:
        model = load_aspect_model(None)
    except PipelineError:
        log.exception("the shipped aspect model cannot be read; aspect meanings are unknown")
        return None
    return model.version, model.categories, dict(model.descriptions)
