"""Result rows between shapes: the bulk builders give what the per-row pandas code gave."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.db.records import JobRecord, ResultRecord
from pipeline.labelling import label_frame
from pipeline.service import export

LABELS = ("negative", "neutral", "positive")
TRICKY = [
    'a "quoted" word, and a comma',
    "two\nlines",
    "carriage\r\nreturn",
    "  leading and trailing spaces  ",
    "",
    "émoji 😀 and accents",
    "=SUM(A1)",
    "0.30000000000000004",
]


@pytest.fixture
def job(tmp_path: Path) -> JobRecord:
    """A running job with the columns course, comment, teacher, as the worker sees it."""
    backend = make_backend(tmp_path)
    source = tmp_path / "in.csv"
    pd.DataFrame({"course": ["C"], "comment": ["fine"], "teacher": ["T"]}).to_csv(
        source, index=False
    )
    request_id = service.submit(backend, source, "comment").request_id
    started = backend.repository.jobs.begin_attempt(request_id, "v1", LABELS)
    assert started is not None
    return started


def chunk_and_labels() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A chunk as the worker has it (indexed by row number) and label_frame's columns for it."""
    n = len(TRICKY)
    chunk = pd.DataFrame(
        {
            "course": [f"C{i}" for i in range(n)],
            "comment": [f"{text} good" if text else text for text in TRICKY],
            "teacher": list(reversed(TRICKY)),
        },
        index=pd.RangeIndex(10, 10 + n),
    )
    return chunk, label_frame(FakePredictor(), chunk, "comment")  # type: ignore[arg-type]


def records(rows: list[dict[str, Any]]) -> list[ResultRecord]:
    """As the repository reads them back: no aspects stored → none."""
    return [
        ResultRecord(
            **{
                **row,
                "aspects": tuple(row["aspects"] or ()),
                "aspect_sentiments": dict(row["aspect_sentiments"] or {}),
            }
        )
        for row in rows
    ]


def test_database_rows_carry_every_column_and_no_scores_for_errors(job: JobRecord) -> None:
    chunk, labelled = chunk_and_labels()
    scores = [f"score_{label}" for label in LABELS]
    assert list(labelled.columns) == ["label", *scores, "error", "model_version", "language"]
    rows = export.rows_for_database(chunk, labelled, job, LABELS)
    assert [row["row_index"] for row in rows] == list(range(10, 10 + len(TRICKY)))
    assert [row["text"] for row in rows] == chunk["comment"].tolist()
    assert rows[0]["data"] == {"course": "C0", "teacher": TRICKY[-1]}
    blank = rows[4]
    assert (blank["label"], blank["scores"]) == (None, None)
    assert str(blank["error"]).startswith("empty comment")
    scored = rows[0]
    assert scored["error"] is None and scored["label"] == "positive"
    assert scored["scores"] == {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    assert all(type(v) is float for v in scored["scores"].values())  # type: ignore[union-attr]


def test_results_csv_matches_pandas_output_byte_for_byte(job: JobRecord) -> None:
    """The csv-module writer must write exactly what the DataFrame writer did."""
    the_job = job
    stored = records(export.rows_for_database(*chunk_and_labels(), the_job, LABELS))
    written = io.StringIO()
    assert export.write_csv([stored[:3], stored[3:]], the_job, written, raw=True) == len(TRICKY)
    table = pd.DataFrame(list(export.table_rows(stored, the_job)), columns=export.header(the_job))
    table["aspects"] = table["aspects"].map(";".join)
    table["aspect_sentiments"] = table["aspect_sentiments"].map(
        lambda found: ";".join(f"{name}:{label}" for name, label in found.items())
    )
    expected = table.to_csv(index=False, lineterminator="\n")
    assert written.getvalue() == expected
    back = pd.read_csv(io.StringIO(written.getvalue()), dtype=str, keep_default_na=False)
    assert back["teacher"].tolist() == list(reversed(TRICKY))
    assert back.loc[4, "label"] == "" and back.loc[4, "error"].startswith("empty comment")


def test_results_csv_escapes_formula_cells_by_default(job: JobRecord) -> None:
    stored = records(export.rows_for_database(*chunk_and_labels(), job, LABELS))
    written = io.StringIO()
    export.write_csv([stored], job, written)
    back = pd.read_csv(io.StringIO(written.getvalue()), dtype=str, keep_default_na=False)
    escaped = ["'=SUM(A1)" if text == "=SUM(A1)" else text for text in reversed(TRICKY)]
    assert back["teacher"].tolist() == escaped
    assert back["course"].tolist()[0] == "C0" and back["score_positive"].tolist()[0] == "0.8"


def test_an_empty_results_table_is_just_the_header(job: JobRecord) -> None:
    written = io.StringIO()
    assert export.write_csv([], job, written) == 0
    assert written.getvalue() == ",".join(export.header(job)) + "\n"
