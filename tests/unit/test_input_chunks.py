"""Reading a file in chunks: row numbers travel in the index, so no column name is reserved,
and a resumed job starts at the first row not yet done, even inside a chunk; input columns the
model's output would take keep their values under a new name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.inputs import iter_chunks
from pipeline.labelling import input_names, result_columns


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_chunks_are_indexed_by_row_number_and_keep_every_column(tmp_path: Path) -> None:
    rows = pd.DataFrame({"row": ["a", "b", "c", "d", "e"], "comment": ["x", "", "y", "z", "w"]})
    chunks = list(iter_chunks(write(tmp_path / "in.csv", rows), "csv", "comment", 2))
    assert [chunk.index.tolist() for chunk in chunks] == [[0, 1], [2, 3], [4]]
    assert all(list(chunk.columns) == ["row", "comment"] for chunk in chunks)
    assert pd.concat(chunks)["row"].tolist() == ["a", "b", "c", "d", "e"]
    assert chunks[0]["comment"].tolist() == ["x", ""]  # a blank cell is an empty comment


def test_a_resume_inside_a_chunk_starts_at_the_first_row_not_done(tmp_path: Path) -> None:
    rows = pd.DataFrame({"comment": [f"c{i}" for i in range(9)]})
    source = write(tmp_path / "in.csv", rows)
    chunks = list(iter_chunks(source, "csv", "comment", 4, start_row=5))
    assert [chunk.index.tolist() for chunk in chunks] == [[5, 6, 7], [8]]
    assert chunks[0]["comment"].tolist() == ["c5", "c6", "c7"]


def test_input_columns_taken_by_the_model_are_renamed_without_clashing() -> None:
    labels = ("negative", "positive")
    names = input_names(["label", "input_label", "comment", "error", "score_positive"], labels)
    assert names == {
        "label": "input_input_label",  # input_label is the file's own column
        "input_label": "input_label",
        "comment": "comment",
        "error": "input_error",
        "score_positive": "input_score_positive",
    }
    columns = result_columns(list(names), labels)
    assert len(columns) == len(set(columns))
