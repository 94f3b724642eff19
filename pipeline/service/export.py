"""Result rows between their three shapes: a labelled chunk, database rows, the results table.

The results table has exactly the columns of ``analyze``: every input column, then ``label``,
``score_<label>`` per class, ``error`` and ``model_version`` (an input column of one of those
names is kept, renamed ``input_<name>``: see ``labelling.input_names``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

import numpy as np
import pandas as pd

from pipeline.db.records import JobRecord, ResultRecord
from pipeline.labelling import (
    ERROR_COLUMN,
    LABEL_COLUMN,
    VERSION_COLUMN,
    input_names,
    result_columns,
    score_column,
)


def header(job: JobRecord) -> list[str]:
    return result_columns(job.input_columns, job.labels or ())


def rows_for_database(
    chunk: pd.DataFrame, labelled: pd.DataFrame, job: JobRecord, labels: Sequence[str]
) -> list[dict[str, Any]]:
    """A chunk (indexed by row number, as ``iter_chunks`` yields it) and the model's columns
    for it (``label_frame``) as rows for ``JobRepository.write_chunk``.

    Built column by column: a chunk is thousands of rows and this runs for every one.
    """
    others = [c for c in job.input_columns if c != job.text_column]
    errors = [
        error if isinstance(error, str) and error else None for error in labelled[ERROR_COLUMN]
    ]
    probs = labelled[[score_column(name) for name in labels]].to_numpy(dtype=np.float64)
    unscored = np.isnan(probs).any(axis=1).tolist()
    scores = [
        None if error or missing else dict(zip(labels, values, strict=True))
        for error, missing, values in zip(errors, unscored, probs.tolist(), strict=True)
    ]
    data = chunk[others].to_dict("records") if others else [{} for _ in errors]
    return [
        {
            "row_index": row_index,
            "text": str(text),
            "data": values,
            "label": None if error else label,
            "scores": row_scores,
            "error": error,
            "model_version": str(version),
        }
        for row_index, text, values, label, row_scores, error, version in zip(
            chunk.index.astype(np.int64).tolist(),
            chunk[job.text_column].tolist(),
            data,
            labelled[LABEL_COLUMN].tolist(),
            scores,
            errors,
            labelled[VERSION_COLUMN].tolist(),
            strict=True,
        )
    ]


def table_rows(records: Iterable[ResultRecord], job: JobRecord) -> Iterator[dict[str, Any]]:
    """Stored rows as results-table rows (dicts in ``header`` order)."""
    names, columns = input_names(job.input_columns, job.labels or ()), header(job)
    return (_table_row(record, job, names, columns) for record in records)


def _table_row(
    record: ResultRecord, job: JobRecord, names: dict[str, str], columns: Sequence[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {names[column]: value for column, value in record.data.items()}
    values[names[job.text_column]] = record.text
    values[LABEL_COLUMN] = record.label
    for name in job.labels or ():
        values[score_column(name)] = (record.scores or {}).get(name)
    values[ERROR_COLUMN] = record.error
    values[VERSION_COLUMN] = record.model_version
    return {column: values.get(column) for column in columns}


def write_csv(batches: Iterable[Sequence[ResultRecord]], job: JobRecord, handle: TextIO) -> int:
    """Write the results table as CSV (header first, even with no rows); returns rows written."""
    _writer(handle).writerow(header(job))
    return sum(write_rows(batch, job, handle) for batch in batches)


def write_rows(batch: Sequence[ResultRecord], job: JobRecord, handle: TextIO) -> int:
    """Append rows to a results CSV whose header is already written (the csv module, with
    pandas' conventions: ``\n`` line ends, minimal quoting, None as an empty cell)."""
    _writer(handle).writerows(row.values() for row in table_rows(batch, job))
    return len(batch)


def _writer(handle: TextIO) -> Any:
    return csv.writer(handle, lineterminator="\n")
