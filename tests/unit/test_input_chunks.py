"""Reading a file in chunks: row numbers travel in the index, so no column name is reserved,
and a resumed job starts at the first row not yet done, even inside a chunk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.inputs import iter_chunks


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
