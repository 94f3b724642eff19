"""The post-pass of a job whose rows are all committed: gather its embeddings, find its themes,
store them, and give every labelled row its theme.

Runs in the worker before the job completes, so the results CSV carries the themes. It is
idempotent (a delivery that crashed here runs it again from the stored files) and
deterministic: the same rows and vectors give the same themes (fixed seed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from pipeline.db.records import JobRecord
from pipeline.db.results import InsightRow, ResultRepository
from pipeline.errors import NotFoundError
from pipeline.insights import storage
from pipeline.model.aspects.encoders import Embedder
from pipeline.ports import ObjectStore
from pipeline.themes import ThemeReport, find_themes

THEME_SEED = 0
"""Every job's themes are found with this seed (``theme_summary`` re-clusters with it too)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobThemes:
    report: ThemeReport
    rows: int
    """Labelled rows considered."""
    embedded_again: int
    """Rows whose vectors were missing from the chunk files and were computed here."""


def find_job_themes(
    store: ObjectStore,
    results: ResultRepository,
    job: JobRecord,
    embed: Embedder,
    dimension: int,
) -> JobThemes:
    """Themes of every labelled row of ``job`` (groups: its first group-by column), stored as
    ``themes.json`` beside its embeddings and set on its rows."""
    prefix = job.insights_key
    if prefix is None:
        raise ValueError(f"job {job.request_id} has no insights to find themes in")
    group_by = job.group_by[0] if job.group_by else None
    rows = list(results.insight_rows(job.request_id, group_by, with_text=True))
    vectors, embedded_again = job_vectors(store, job, rows, embed, dimension)
    picked = np.asarray([row.row_index for row in rows], dtype=np.int64)
    # Only the labelled rows' vectors from here on: the whole array (77 MB at 100,000 rows)
    # is let go before the clustering, the worker's peak (docs/performance.md).
    vectors = vectors[picked]
    report = find_themes(
        [row.text for row in rows],
        vectors,
        [row.label for row in rows],
        [row.group for row in rows] if group_by else None,
        row_ids=picked,
        seed=THEME_SEED,
    )
    storage.save_themes(store, prefix, {**report.to_dict(), "n": len(rows), "group_by": group_by})
    results.assign_themes(job.request_id, report.row_themes())
    return JobThemes(report, len(rows), embedded_again)


def job_vectors(
    store: ObjectStore,
    job: JobRecord,
    rows: list[InsightRow],
    embed: Embedder,
    dimension: int,
) -> tuple[np.ndarray, int]:
    """Every row's vector ([rows_total, dimension]): the gathered file when an earlier pass
    wrote it, otherwise the chunk files, with any labelled row they miss embedded here; the
    gathered file is then written and the chunk files removed. Also returns how many rows
    were embedded here."""
    prefix = job.insights_key or storage.insights_key(job.request_id)
    try:
        vectors = storage.load_vectors(store, prefix)
        if vectors.shape == (job.rows_total, dimension):
            return vectors, 0
    except NotFoundError:
        pass
    gathered = storage.gather_chunks(store, prefix, job.rows_total, dimension)
    vectors = gathered.vectors
    norms = np.abs(vectors.astype(np.float32)).sum(axis=1)
    missing = [row for row in rows if norms[row.row_index] == 0]
    if missing:
        log.warning(
            "job %s: %d labelled rows had no stored embedding; embedding them again",
            job.request_id,
            len(missing),
        )
        found = np.asarray(embed([row.text for row in missing]), dtype=np.float16)
        vectors[[row.row_index for row in missing]] = found
    store.put_bytes(storage.embeddings_key(prefix), storage.encode_vectors(vectors))
    storage.delete_chunks(store, prefix, gathered.starts)
    return vectors, len(missing)
