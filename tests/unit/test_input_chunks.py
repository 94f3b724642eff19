"""Reading a file in chunks: row numbers travel in the index, so no column name is reserved,
and a resumed job starts at the first row not yet done, even inside a chunk; chunks of varying
size (sized by time) hold every row once, in order, and long comments make them shorter; input
columns the model's output would take keep their values under a new name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.chunk_sizing import ROW_WORK, ChunkLimit
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
    chunks = list(iter_chunks(source, "csv", "comment", 3, start_row=5))
    assert [chunk.index.tolist() for chunk in chunks] == [[5, 6, 7], [8]]  # counted from row 5
    assert chunks[0]["comment"].tolist() == ["c5", "c6", "c7"]


COMMENTS = [f"comment {i}" for i in range(23)]


def write_csv(folder: Path) -> Path:
    return write(folder / "in.csv", pd.DataFrame({"n": range(23), "comment": COMMENTS}))


def write_txt(folder: Path) -> Path:
    path = folder / "in.txt"
    path.write_text("\n\n".join(COMMENTS) + "\n", encoding="utf-8")  # blank lines are no rows
    return path


def write_xlsx(folder: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["n", "comment"])
    for i, comment in enumerate(COMMENTS):
        sheet.append([str(i), comment])
    path = folder / "in.xlsx"
    book.save(path)
    return path


FILES = {"csv": (write_csv, "comment"), "txt": (write_txt, "text"), "xlsx": (write_xlsx, "comment")}


def planned(limits: list[ChunkLimit]) -> tuple[Callable[[], ChunkLimit], list[ChunkLimit]]:
    """A plan handing out ``limits`` in turn (the last one again when they run out), and the
    list of the limits it handed out."""
    given: list[ChunkLimit] = []
    source: Iterator[ChunkLimit] = iter(limits)

    def plan() -> ChunkLimit:
        given.append(next(source, limits[-1]))
        return given[-1]

    return plan, given


@pytest.mark.parametrize("fmt", sorted(FILES))
@pytest.mark.parametrize("start_row", [0, 5, 22])
def test_chunks_of_varying_size_hold_every_row_once_in_order(
    tmp_path: Path, fmt: str, start_row: int
) -> None:
    write_file, column = FILES[fmt]
    plan, given = planned([ChunkLimit(2), ChunkLimit(1), ChunkLimit(7), ChunkLimit(4)])
    chunks = list(iter_chunks(write_file(tmp_path), fmt, column, plan, start_row=start_row))
    rows = list(range(start_row, 23))
    assert [i for chunk in chunks for i in chunk.index] == rows
    assert [text for chunk in chunks for text in chunk[column]] == COMMENTS[start_row:]
    assert [len(chunk) for chunk in chunks[:-1]] == [limit.max_rows for limit in given[:-1]]
    assert len(given) == len(chunks)  # asked once per chunk, never for one past the end
    assert [len(chunk) for chunk in chunks[:3]] == [2, 1, 7][: len(chunks)] or start_row == 22


def test_a_chunk_sized_by_work_holds_fewer_long_comments(tmp_path: Path) -> None:
    comments = ["long " * 100] * 20 + ["short"] * 20  # 500 and 5 characters
    source = write(tmp_path / "mixed.csv", pd.DataFrame({"comment": comments}))
    budget = 4 * (ROW_WORK + 500)
    plan, _given = planned([ChunkLimit(1000, work=budget)])
    sizes = [len(chunk) for chunk in iter_chunks(source, "csv", "comment", plan)]
    assert sizes == [4, 4, 4, 4, 4, 20]  # the long ones four at a time, the short ones at once


def test_a_chunk_holds_at_least_one_row_and_at_most_its_rows(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", pd.DataFrame({"comment": ["x" * 10] * 9}))
    tiny, _ = planned([ChunkLimit(100, work=1)])
    assert [len(c) for c in iter_chunks(source, "csv", "comment", tiny)] == [1] * 9
    capped, _ = planned([ChunkLimit(4, work=10**9)])
    assert [len(c) for c in iter_chunks(source, "csv", "comment", capped)] == [4, 4, 1]


@pytest.mark.parametrize(
    ("rows", "limit", "sizes"),
    [
        (17, ChunkLimit(100, work=8 * (ROW_WORK + 10)), [8, 9]),  # 1 left: under a quarter
        (18, ChunkLimit(100, work=8 * (ROW_WORK + 10)), [8, 8, 2]),  # 2 left: not under
        (17, ChunkLimit(8), [8, 8, 1]),  # never over a chunk's rows
    ],
)
def test_a_few_rows_left_at_the_end_join_the_chunk_before(
    tmp_path: Path, rows: int, limit: ChunkLimit, sizes: list[int]
) -> None:
    """A last chunk of a few rows would cost a chunk's fixed time for little work."""
    source = write(
        tmp_path / "in.csv", pd.DataFrame({"comment": [f"{i:010d}" for i in range(rows)]})
    )
    plan, _ = planned([limit])
    chunks = list(iter_chunks(source, "csv", "comment", plan))
    assert [len(chunk) for chunk in chunks] == sizes
    assert [i for chunk in chunks for i in chunk.index] == list(range(rows))


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
