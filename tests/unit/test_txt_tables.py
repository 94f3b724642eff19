"""A .txt upload that is a table — a sheet Excel saved as text (tabs), or a CSV export named
.txt (commas, semicolons) under a header naming the comment column — is read as that table,
so its header is not labelled and a course code is not glued to each comment; comments one
per line stay so, whatever tabs or commas they hold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.input_text import txt_table_delimiter
from pipeline.inputs import iter_chunks, validate_input


def read(tmp_path: Path, text: str) -> tuple[str, str, list[str]]:
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    summary = validate_input(path, None)
    chunks = iter_chunks(path, summary.format, summary.text_column, 100, options=summary.options)
    comments = pd.concat(list(chunks))[summary.text_column].tolist()
    return summary.format, summary.text_column, comments


@pytest.mark.parametrize(
    "text",
    [
        'course,comment\r\nCHEM110,"The lectures were great"\r\nCHEM110,"Unfair, harsh"\r\n',
        "Course;Comment\nCHEM110;The lectures were great\nCHEM110;Unfair, harsh\n",
    ],
    ids=["comma", "semicolon"],
)
def test_a_csv_named_txt_is_read_as_its_table(tmp_path: Path, text: str) -> None:
    fmt, column, comments = read(tmp_path, text)
    assert fmt == "csv" and column.casefold() == "comment"
    assert comments == ["The lectures were great", "Unfair, harsh"]


def test_comments_holding_one_tab_each_are_comments_not_a_table(tmp_path: Path) -> None:
    """``Great<tab>course`` over ``bad<tab>course``: a header's name is not repeated in its
    column below, so these are two comments, not a table refused for its comment column."""
    assert read(tmp_path, "Great\tcourse\nbad\tcourse\n") == (
        "txt",
        "text",
        ["Great\tcourse", "bad\tcourse"],
    )


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("course\tcomment\nA\tgood\ncourse\tcomment\nB\tbad\n", "\t"),  # two sheets joined
        ("Great, really good\nok, fine\n", None),  # a comma each, no header naming comments
        ("Comments\nGreat, really\nok; fine\n", None),
        ("course;notes\nA;x\nB;y\n", None),  # no comment column named: comments with a ;
    ],
    ids=["repeated-header", "comma-each", "one-column", "no-comment-name"],
)
def test_what_is_a_table_and_what_is_one_comment_per_line(
    sample: str, delimiter: str | None
) -> None:
    assert txt_table_delimiter(sample, True) == delimiter
