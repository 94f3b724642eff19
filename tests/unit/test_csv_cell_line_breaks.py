"""A line break inside a quoted CSV value is kept as the file writes it (``\\r\\n`` or
``\\n``), so a comment comes back exactly as it was read, in the results and the raw results;
the line breaks that end records still all end one, so header search, line numbers in
refusals and a TXT file's one comment per line are as before."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.errors import MalformedInputError
from pipeline.input_text import as_written
from pipeline.inputs import iter_chunks, validate_input
from pipeline.worker import Worker

MIXED = "Line one of my comment.\nLine two: the exams were hard.\r\nLine three."
"""A comment edited in two programs: one break written ``\\n``, the next ``\\r\\n``."""


def write(tmp_path: Path, data: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode())
    return path


def read(path: Path, column: str | None = None) -> pd.DataFrame:
    """The rows the worker reads, as validation recorded how to read them."""
    summary = validate_input(path, column)
    chunks = iter_chunks(path, summary.format, summary.text_column, 2, options=summary.options)
    return pd.concat(list(chunks))


def test_a_cr_lf_inside_a_quoted_value_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, f'id,comment\r\n1,"{MIXED}"\r\n2,"a\r\nb"\r\n3,plain\r\n')

    frame = read(path)

    assert frame["comment"].tolist() == [MIXED, "a\r\nb", "plain"]
    assert frame["id"].tolist() == ["1", "2", "3"]


def test_the_results_and_the_raw_results_give_the_comment_back_exactly(tmp_path: Path) -> None:
    path = write(tmp_path, f'id,comment\r\n1,"{MIXED}"\r\n2,plain\r\n')
    backend = make_backend(tmp_path)
    request_id = service.submit(backend, path, None, []).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    page = service.results_page(backend, request_id).rows
    _job, blocks = service.results_csv(backend, request_id, raw=True)
    raw = b"".join(blocks).decode("utf-8")
    stored = [row["comment"] for row in csv.DictReader(io.StringIO(raw, newline=""))]

    assert [row["comment"] for row in page] == [MIXED, "plain"]
    assert stored == [MIXED, "plain"]


def test_the_header_under_title_lines_is_found_and_line_numbers_hold(tmp_path: Path) -> None:
    content = (
        "Course evaluation report\r\n"
        "Term:,Fall 2026\r\n"
        "\r\n"
        "course,comment\r\n"
        'A,"first\r\nsecond"\r\n'
        "B,fine\r\n"
    )
    path = write(tmp_path, content)

    summary = validate_input(path, None)

    assert summary.options.header_row == 4
    assert read(path)["comment"].tolist() == ["first\r\nsecond", "fine"]
    broken = write(tmp_path, content + "C,ok,extra\r\n", "broken.csv")
    with pytest.raises(MalformedInputError, match=r"^line 8 has 3 fields"):
        validate_input(broken, None)


def test_a_quoted_word_in_a_file_of_cr_lf_lines_keeps_its_quotes_and_no_cr(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, 'Course,Comment,Rating\r\nA,"Hard" exams,2\r\nB,"ok"\r\n')

    frame = read(path)

    assert frame["Comment"].tolist() == ['"Hard" exams', "ok"]
    assert frame["Rating"].tolist() == ["2", ""]


@pytest.mark.parametrize("end", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_a_value_closed_early_is_read_as_written_whatever_ends_the_line(end: str) -> None:
    raw = f'A,"Great{end}class" indeed,"ok, fine"{end}'
    record = next(csv.reader(io.StringIO(raw, newline="")))

    assert as_written(record, raw, ",") == ["A", f'"Great{end}class" indeed', "ok, fine"]


def test_a_txt_file_of_cr_lf_lines_is_one_comment_per_line_without_the_ending(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "Comments\r\nGood class\r\n\r\nToo fast\r\n", "in.txt")

    frame = read(path)

    assert frame["Comments"].tolist() == ["Good class", "Too fast"]
