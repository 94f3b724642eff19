"""CSV and TXT files as people put them together and export them: Excel's rows of delimiters
under a table, ``cat *.csv`` of "CSV UTF-8" files (a byte order mark on each part's header),
``copy *.csv all.csv`` (a Ctrl-Z at the end), a comment that opens with a quoted word in a
file that quotes nothing, a report whose header sits under a metadata block or under a title
that is a comment column's name, a TXT file's header naming its column, and a comment longer
than the csv module's own field limit whatever the process read before."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.column_guess import preview_upload
from pipeline.errors import LimitExceededError, MalformedInputError, MissingColumnError
from pipeline.input_text import as_written
from pipeline.inputs import Limits, ReadOptions, iter_chunks, validate_input
from pipeline.worker import Worker


def write(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read(path: Path, column: str | list[str] | None = None) -> pd.DataFrame:
    """The rows the worker reads, as validation recorded how to read them."""
    summary = validate_input(path, column)
    chunks = iter_chunks(path, summary.format, summary.text_column, 2, options=summary.options)
    return pd.concat(list(chunks))


def labelled(tmp_path: Path, path: Path, group_by: list[str]) -> tuple[str, list[dict]]:
    """Submit ``path``, let a worker label it; the job's id and its result rows."""
    backend = make_backend(tmp_path)
    request_id = service.submit(backend, path, None, group_by).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.rows_done == job.rows_total
    return request_id, service.results_page(backend, request_id).rows


# --- rows of delimiters only (Excel's ";;" lines) ---------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "course,comment\nA,good\n,,\n,,\nB,bad\n",
        "course;comment\r\nA;good\r\n;;\r\n ; \r\nB;bad\r\n;;\r\n",
    ],
    ids=["commas", "semicolons-and-spaces"],
)
def test_a_row_of_delimiters_only_is_no_row(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)

    summary = validate_input(path, None, ["course"])

    assert summary.rows == 2 and summary.options.empty_rows
    assert ReadOptions.from_json(summary.options.to_json()) == summary.options
    frame = read(path)
    assert frame.index.tolist() == [0, 1]
    assert frame.to_numpy().tolist() == [["A", "good"], ["B", "bad"]]


def test_the_worker_labels_no_empty_row_and_makes_no_blank_group(tmp_path: Path) -> None:
    path = write(tmp_path, "course,comment\nA,good\n,,\n,,\nB,bad\n")

    _, rows = labelled(tmp_path, path, ["course"])

    assert [(row["course"], row["comment"]) for row in rows] == [("A", "good"), ("B", "bad")]
    assert all(not row["error"] for row in rows)


def test_several_comment_columns_number_respondents_without_an_empty_row(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "Student,Liked,Change\r\ns1,a,b\r\n,,\r\ns2,c,d\r\n")

    frame = read(path, ["Liked", "Change"])

    assert frame["respondent"].tolist() == ["1", "1", "2", "2"]
    assert frame["Student"].tolist() == ["s1", "s1", "s2", "s2"]


def test_a_job_queued_before_empty_rows_were_skipped_reads_as_it_did(tmp_path: Path) -> None:
    path = write(tmp_path, "course,comment\nA,good\n,,\nB,bad\n\x1a")
    before = ReadOptions(encoding="utf-8", delimiter=",")  # stored without the count

    frame = pd.concat(list(iter_chunks(path, "csv", "comment", 10, options=before)))

    assert frame["comment"].tolist() == ["good", "", "bad", ""], "its rows_total counted them"


# --- cat *.csv of Excel's "CSV UTF-8" files, copy *.csv all.csv -------------------------------


def test_a_header_repeated_with_a_byte_order_mark_is_still_the_header(tmp_path: Path) -> None:
    part = "\ufeffCourse,Comments\r\n{course},{comment}\r\n"
    concatenated = part.format(course="CHEM", comment="good") + part.format(
        course="BIO", comment="bad"
    )
    path = write(tmp_path, concatenated.encode("utf-8"))

    summary = validate_input(path, None, ["Course"])

    assert (summary.rows, summary.options.repeated_headers) == (2, 1)
    _, rows = labelled(tmp_path, path, ["Course"])
    assert [(row["Course"], row["Comments"]) for row in rows] == [("CHEM", "good"), ("BIO", "bad")]


def test_a_byte_order_mark_inside_the_file_is_no_part_of_a_value(tmp_path: Path) -> None:
    path = write(tmp_path, "Course,Comments\r\n\ufeffCHEM,good\r\nBIO,\ufeffbad\r\n".encode())

    assert read(path).to_numpy().tolist() == [["CHEM", "good"], ["BIO", "bad"]]


def test_a_one_column_txt_file_put_together_with_byte_order_marks(tmp_path: Path) -> None:
    part = "\ufeffComments\r\n{comment}\r\n"
    content = part.format(comment="Great labs") + part.format(comment="Too fast")
    path = write(tmp_path, content.encode(), "all.txt")

    summary = validate_input(path, None)

    assert (summary.rows, summary.options.repeated_headers) == (2, 1)
    assert read(path)["Comments"].tolist() == ["Great labs", "Too fast"]


@pytest.mark.parametrize(
    "content",
    [
        b"Course,Comments\r\nCHEM,tr\xe8s bien\r\nBIO,bad\r\n\x1a",
        b"Course,Comments\r\nCHEM,tr\xe8s bien\r\nBIO,bad\x1a",
    ],
    ids=["on-a-line-of-its-own", "after-the-last-value"],
)
def test_copy_s_end_of_file_mark_is_no_row_and_no_text(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, content)

    summary = validate_input(path, None, ["Course"])

    assert summary.rows == 2
    assert read(path).to_numpy().tolist() == [["CHEM", "très bien"], ["BIO", "bad"]]


def test_copy_s_end_of_file_mark_in_a_txt_file_is_no_comment(tmp_path: Path) -> None:
    path = write(tmp_path, b"Great labs\r\nToo fast\r\n\x1a", "all.txt")

    summary = validate_input(path, None)

    assert summary.rows == 2
    assert read(path)["text"].tolist() == ["Great labs", "Too fast"]


# --- a value that opens with a quote and goes on after it -------------------------------------


@pytest.mark.parametrize(
    ("content", "comment"),
    [
        (
            'Course\tComment\tRating\nA\t"Great" teacher, sure\t2\nB\tok\t4\n',
            '"Great" teacher, sure',
        ),
        (
            'Course\tComment\tRating\nA\t"Hard" exams and "unfair" grading\t2\nB\tok\t4\n',
            '"Hard" exams and "unfair" grading',
        ),
        ('Course,Comment,Rating\nA,"Hard" exams,2\nB,ok,4\n', '"Hard" exams'),
    ],
    ids=["tab-sarcasm", "tab-two-quoted-words", "comma"],
)
def test_a_comment_that_opens_with_a_quoted_word_keeps_its_quotes(
    tmp_path: Path, content: str, comment: str
) -> None:
    path = write(tmp_path, content)

    frame = read(path)

    assert frame["Comment"].tolist() == [comment, "ok"]
    assert frame["Rating"].tolist() == ["2", "4"]


def test_values_quoted_as_csv_quotes_them_read_as_before() -> None:
    raw = 'A,"ok, fine","He said ""great"" teacher",plain "word" here,"two\nlines"\n'
    record = next(csv.reader(raw.splitlines(keepends=True)))

    assert as_written(record, raw, ",") == record


def test_a_value_closed_early_over_two_lines_is_read_as_written() -> None:
    raw = 'A,"Great\nclass" indeed,"ok, fine"\n'
    record = next(csv.reader(raw.splitlines(keepends=True)))

    assert as_written(record, raw, ",") == ["A", '"Great\nclass" indeed', "ok, fine"]


def test_a_quote_never_closed_is_still_refused_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'Course\tComment\tRating\nA\t"Best class\t5\nB\tok\t4\n')

    with pytest.raises(MalformedInputError, match="line 2 opens a quoted value"):
        validate_input(path, None)


# --- the header under a metadata block or a title that names a comment column ----------------


def test_the_header_under_a_metadata_block_at_line_one_is_found(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Course:,CHEM 110,,\r\nInstructor:,Smith,,\r\n\r\n"
        'Student,Rating,Comment,Course\r\n1,5,Good,CHEM 110\r\n2,3,"ok, fine",CHEM 110\r\n',
    )

    summary = validate_input(path, None, ["Course"])

    assert summary.options.header_row == 4 and summary.text_column == "Comment"
    assert summary.columns == ("Student", "Rating", "Comment", "Course")
    assert read(path)["Comment"].tolist() == ["Good", "ok, fine"]


@pytest.mark.parametrize("asked", [None, "Comments"])
@pytest.mark.parametrize("blank", ["\r\n", ""], ids=["blank-line", "no-blank-line"])
def test_a_report_titled_comments_reads_its_table_not_one_column(
    tmp_path: Path, asked: str | None, blank: str
) -> None:
    content = (
        f"Comments\r\n{blank}Course,Instructor,Comments\r\n"
        'CHEM,Smith,good\r\nBIO,Lee,"bad, really"\r\n'
    )
    path = write(tmp_path, content)

    summary = validate_input(path, asked, ["Course"])

    assert summary.options.delimiter == "," and summary.options.header_row == (3 if blank else 2)
    assert summary.columns == ("Course", "Instructor", "Comments")
    assert read(path, asked).to_numpy().tolist() == [
        ["CHEM", "Smith", "good"],
        ["BIO", "Lee", "bad, really"],
    ]
    assert preview_upload(path.read_bytes(), "report.csv").columns == summary.columns


def test_a_one_column_file_under_its_comments_header_stays_one_column(tmp_path: Path) -> None:
    path = write(tmp_path, "Comments\nGood, really\nresponse, fast\nBad, sadly\nFine\nok\n")

    summary = validate_input(path, None)

    assert summary.columns == ("Comments",) and summary.options.header_row is None
    assert summary.rows == 5


def test_a_row_that_holds_a_comment_column_s_name_is_not_taken_for_the_header(
    tmp_path: Path,
) -> None:
    content = "Course,Question,Reply\nCHEM,Comments,good\nBIO,Comments,bad\nMATH,Comments,ok\n"
    path = write(tmp_path, content)

    with pytest.raises(MissingColumnError, match="Course, Question, Reply"):
        validate_input(path, None)
    assert validate_input(path, "Reply").options.header_row is None


# --- a TXT file's header names its column -----------------------------------------------------


def test_a_txt_file_s_header_names_its_column_in_the_results(tmp_path: Path) -> None:
    path = write(tmp_path, "Feedback\r\nGood 👍\r\nالأستاذ ممتاز\r\n".encode("utf-16"), "c.txt")

    summary = validate_input(path, None)

    assert (summary.columns, summary.text_column) == (("Feedback",), "Feedback")
    assert validate_input(path, "text").text_column == "Feedback", "text still names it"
    _, rows = labelled(tmp_path, path, [])
    assert [row["Feedback"] for row in rows] == ["Good 👍", "الأستاذ ممتاز"]
    assert preview_upload(path.read_bytes(), "c.txt").columns == ("Feedback",)


def test_a_txt_file_without_a_header_calls_its_column_text(tmp_path: Path) -> None:
    path = write(tmp_path, "Great labs\nToo fast\n", "c.txt")

    assert validate_input(path, None).text_column == "text"
    assert read(path)["text"].tolist() == ["Great labs", "Too fast"]


# --- a comment over the csv module's field limit -----------------------------------------------


@pytest.fixture
def fresh_field_limit() -> Iterator[None]:
    """The csv module's limit as a fresh interpreter has it (131,072), whatever ran before."""
    before = csv.field_size_limit()
    csv.field_size_limit(131_072)
    try:
        yield
    finally:
        csv.field_size_limit(before)


@pytest.mark.usefixtures("fresh_field_limit")
def test_a_comment_over_the_csv_module_s_limit_reads_in_a_fresh_process(tmp_path: Path) -> None:
    long_comment = "word " * 40_000  # 200,000 characters
    path = write(tmp_path, f"course,comment\nA,{long_comment}\nB,ok\n")

    summary = validate_input(path, None)

    assert summary.rows == 2
    assert read(path)["comment"].tolist() == [long_comment, "ok"]


@pytest.mark.usefixtures("fresh_field_limit")
def test_a_long_comment_is_the_product_s_row_error_and_a_big_file_its_refusal(
    tmp_path: Path,
) -> None:
    long_comment = "word " * 40_000
    path = write(tmp_path, f"course,comment\nA,{long_comment}\nB,ok\n")

    _, rows = labelled(tmp_path, path, [])

    assert rows[0]["comment"] == long_comment and not rows[0]["label"]
    assert "over the limit of 20,000 (PIPELINE_MAX_COMMENT_CHARS)" in rows[0]["error"]
    with pytest.raises(LimitExceededError, match="over the limit of 100,000 bytes"):
        validate_input(path, None, limits=Limits(max_bytes=100_000))
