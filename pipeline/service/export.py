"""Result rows between their three shapes: a labelled chunk, database rows, the results table.

The results table has exactly the columns of ``analyze``: every input column, then ``label``,
``score_<label>`` per class, ``error``, ``model_version``, ``language``, ``aspects``,
``aspect_sentiments``, ``theme`` and, for a job submitted with explain, ``explanation`` (an
input column of one of those names is kept, renamed ``input_<name>``: see
``labelling.input_names``). A results page holds aspects as a list and aspect sentiments as an
object; a CSV cell as ``teaching;exams`` and ``teaching:positive;exams:negative``.

A results CSV is formula-escaped (``pipeline.formulas``) unless asked for ``raw``: a comment
such as ``=HYPERLINK(...)`` must not run when the file is opened in a spreadsheet. A finished
job keeps both files in the object store, the raw one at its ``result_key`` and the escaped one
at ``escaped_key(result_key)``, so every download path can serve either without rebuilding it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

import numpy as np
import pandas as pd

from pipeline.csv_rows import RowWriter
from pipeline.db.records import JobRecord, ResultRecord
from pipeline.formulas import escape_row
from pipeline.insights.chunk import NOTHING, ChunkInsights
from pipeline.labelling import (
    ASPECT_SENTIMENTS_COLUMN,
    ASPECTS_COLUMN,
    ERROR_COLUMN,
    EXPLANATION_COLUMN,
    LABEL_COLUMN,
    LANGUAGE_COLUMN,
    THEME_COLUMN,
    VERSION_COLUMN,
    input_names,
    result_columns,
    score_column,
)
from pipeline.model.aspects import AspectResult, format_aspect_sentiments, format_aspects

RESULTS_PREFIX = "results/"
"""Each finished job's results CSVs lie under ``results/<request id>/``."""


def header(job: JobRecord) -> list[str]:
    return result_columns(job.input_columns, job.labels or (), job.explain)


def rows_for_database(
    chunk: pd.DataFrame,
    labelled: pd.DataFrame,
    job: JobRecord,
    labels: Sequence[str],
    insights: ChunkInsights = NOTHING,
) -> list[dict[str, Any]]:
    """A chunk (indexed by row number, as ``iter_chunks`` yields it), the model's columns for
    it (``label_frame``) and what the worker found beside them (``ChunkInsights``) as rows for
    ``JobRepository.write_chunk``.

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
    aspects: list[AspectResult | None] = (
        list(insights.aspects) if insights.aspects is not None else [None] * len(errors)
    )
    explanations = insights.explanations or [None] * len(errors)
    return [
        {
            "row_index": row_index,
            "text": str(text),
            "data": values,
            "label": None if error else label,
            "scores": row_scores,
            "error": error,
            "model_version": str(version),
            "language": language,
            "aspects": None if found is None else list(found.aspects),
            "aspect_sentiments": None if found is None else dict(found.aspect_sentiments),
            "explanation": explanation,
        }
        for (
            row_index,
            text,
            values,
            label,
            row_scores,
            error,
            version,
            language,
            found,
            explanation,
        ) in zip(
            chunk.index.astype(np.int64).tolist(),
            chunk[job.text_column].tolist(),
            data,
            labelled[LABEL_COLUMN].tolist(),
            scores,
            errors,
            labelled[VERSION_COLUMN].tolist(),
            labelled[LANGUAGE_COLUMN].tolist(),
            aspects,
            explanations,
            strict=True,
        )
    ]


def insight_columns(
    records: Sequence[ResultRecord], insights: ChunkInsights
) -> list[dict[str, Any]]:
    """What the second phase found for committed rows as updates for
    ``JobRepository.write_insights``: each row's index and insight columns."""
    aspects: list[AspectResult | None] = (
        list(insights.aspects) if insights.aspects is not None else [None] * len(records)
    )
    explanations = insights.explanations or [None] * len(records)
    return [
        {
            "row_index": record.row_index,
            "aspects": None if found is None else list(found.aspects),
            "aspect_sentiments": None if found is None else dict(found.aspect_sentiments),
            "explanation": explanation,
        }
        for record, found, explanation in zip(records, aspects, explanations, strict=True)
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
    values[LANGUAGE_COLUMN] = record.language
    values[ASPECTS_COLUMN] = list(record.aspects or ())
    values[ASPECT_SENTIMENTS_COLUMN] = dict(record.aspect_sentiments or {})
    values[THEME_COLUMN] = record.theme
    values[EXPLANATION_COLUMN] = record.explanation
    return {column: values.get(column) for column in columns}


def csv_rows(records: Iterable[ResultRecord], job: JobRecord) -> Iterator[list[Any]]:
    """Stored rows as CSV rows: ``table_rows`` with the aspect columns as text cells."""
    for row in table_rows(records, job):
        found = AspectResult(tuple(row[ASPECTS_COLUMN]), dict(row[ASPECT_SENTIMENTS_COLUMN]))
        row[ASPECTS_COLUMN] = format_aspects(found)
        row[ASPECT_SENTIMENTS_COLUMN] = format_aspect_sentiments(found)
        yield list(row.values())


def result_key(request_id: str) -> str:
    """Where a finished job's results CSV is stored (its escaped copy beside it)."""
    return f"{RESULTS_PREFIX}{request_id}/results.csv"


def escaped_key(result_key: str) -> str:
    """Where the escaped copy of a stored results CSV lives: beside it, under the same file
    name, so a download named after the URL's last segment is still ``results.csv``."""
    folder, _, name = result_key.rpartition("/")
    return f"{folder}/escaped/{name}"


def write_csv(
    batches: Iterable[Sequence[ResultRecord]], job: JobRecord, handle: TextIO, raw: bool = False
) -> int:
    """Write the results table as CSV (header first, even with no rows); returns rows written."""
    write_header(job, handle, raw)
    return sum(write_rows(batch, job, handle, raw) for batch in batches)


def write_header(job: JobRecord, handle: TextIO, raw: bool = False) -> None:
    columns = header(job)
    _writer(handle).writerow(columns if raw else escape_row(columns))


def write_rows(
    batch: Sequence[ResultRecord], job: JobRecord, handle: TextIO, raw: bool = False
) -> int:
    """Append rows to a results CSV whose header is already written (the csv module, with
    pandas' conventions: ``\n`` line ends, minimal quoting, None as an empty cell; a row
    holding a carriage return quoted whole: ``pipeline.csv_rows``)."""
    rows = csv_rows(batch, job)
    _writer(handle).writerows(rows if raw else (escape_row(values) for values in rows))
    return len(batch)


def write_both(
    batches: Iterable[Sequence[ResultRecord]], job: JobRecord, raw: TextIO, escaped: TextIO
) -> int:
    """The raw and the escaped results CSV in one pass over the rows; returns rows written."""
    write_header(job, raw, raw=True)
    write_header(job, escaped)
    raw_writer, escaped_writer, written = _writer(raw), _writer(escaped), 0
    for batch in batches:
        rows = list(csv_rows(batch, job))
        raw_writer.writerows(rows)
        escaped_writer.writerows(escape_row(values) for values in rows)
        written += len(batch)
    return written


def _writer(handle: TextIO) -> RowWriter:
    return RowWriter(handle)
