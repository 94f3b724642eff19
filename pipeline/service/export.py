"""Result rows between their three shapes: a labelled chunk, database rows, the results table.

The results table has exactly the columns of ``analyze``: every input column, then ``label``,
``score_<label>`` per class, ``error`` and ``model_version``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import pandas as pd

from pipeline.db.records import JobRecord, ResultRecord
from pipeline.inputs import ROW_COLUMN
from pipeline.labelling import (
    ERROR_COLUMN,
    LABEL_COLUMN,
    VERSION_COLUMN,
    result_columns,
    score_column,
)


def header(job: JobRecord) -> list[str]:
    return result_columns(job.input_columns, job.labels or ())


def rows_for_database(
    labelled: pd.DataFrame, job: JobRecord, labels: Sequence[str]
) -> list[dict[str, Any]]:
    """A labelled chunk (with the ``row`` column) as rows for ``JobRepository.write_chunk``."""
    others = [c for c in job.input_columns if c != job.text_column]
    rows = []
    for record in labelled.to_dict("records"):
        error = record[ERROR_COLUMN] or None
        rows.append(
            {
                "row_index": int(record[ROW_COLUMN]),
                "text": str(record[job.text_column]),
                "data": {column: record[column] for column in others},
                "label": None if error else record[LABEL_COLUMN],
                "scores": None if error else _scores(record, labels),
                "error": error,
                "model_version": str(record[VERSION_COLUMN]),
            }
        )
    return rows


def table_row(record: ResultRecord, job: JobRecord) -> dict[str, Any]:
    """One stored row as a results-table row (a dict in ``header`` order)."""
    values: dict[str, Any] = {**record.data, job.text_column: record.text}
    values[LABEL_COLUMN] = record.label
    for name in job.labels or ():
        values[score_column(name)] = (record.scores or {}).get(name)
    values[ERROR_COLUMN] = record.error
    values[VERSION_COLUMN] = record.model_version
    return {column: values.get(column) for column in header(job)}


def write_csv(batches: Iterable[Sequence[ResultRecord]], job: JobRecord, handle: TextIO) -> int:
    """Write the results table as CSV (header first, even with no rows); returns rows written."""
    pd.DataFrame(columns=header(job)).to_csv(handle, index=False)
    return sum(write_rows(batch, job, handle) for batch in batches)


def write_rows(batch: Sequence[ResultRecord], job: JobRecord, handle: TextIO) -> int:
    """Append rows to a results CSV whose header is already written."""
    frame = pd.DataFrame([table_row(record, job) for record in batch], columns=header(job))
    frame.to_csv(handle, header=False, index=False)
    return len(frame)


def _scores(record: dict[str, Any], labels: Sequence[str]) -> dict[str, float] | None:
    scores = {name: float(record[score_column(name)]) for name in labels}
    return None if any(math.isnan(value) for value in scores.values()) else scores
