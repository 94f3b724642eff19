"""Files put together with each part's own header: one export per course concatenated
(``cat *.csv``), a report of per-question blocks each under its own ``Comments`` heading.
A row that repeats the header is no row (not labelled, not a group, not counted), in CSV,
TXT, XLSX and ODS alike; the job records how many, the worker leaves out the same rows, and
a job queued before they were looked for reads as it did."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hostile_cases import workbook
from jobfakes import FakePredictor, make_backend
from odsfakes import row, spreadsheet, table

from pipeline import service
from pipeline.column_guess import preview_upload
from pipeline.input_repeats import HeaderRepeats
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.worker import Worker
from pipeline.xlsx import ALL_SHEETS

CONCATENATED = (
    b"Course,Comments\n"
    b"CHEM 110,The labs were great\n"
    b"CHEM 110,Exams were too long\n"
    b"Course,Comments\n"
    b"BIOL 1010,Clear lectures\n"
    b"BIOL 1010,Slides posted late\n"
)
COMMENTS = ["The labs were great", "Exams were too long", "Clear lectures", "Slides posted late"]


def write(tmp_path: Path, data: bytes, name: str = "all.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, column: str | list[str] | None = None, **kwargs: str) -> pd.DataFrame:
    """The rows the worker reads, as validation recorded how to read them."""
    summary = validate_input(path, column, **kwargs)
    chunks = iter_chunks(path, summary.format, summary.text_column, 2, options=summary.options)
    return pd.concat(list(chunks))


def test_concatenated_exports_read_without_their_later_headers(tmp_path: Path) -> None:
    path = write(tmp_path, CONCATENATED)

    summary = validate_input(path, None, ["course"])

    assert summary.rows == 4
    assert summary.options == ReadOptions(encoding="utf-8", delimiter=",", repeated_headers=1)
    assert ReadOptions.from_json(summary.options.to_json()) == summary.options
    assert summary.options.describe() == (
        "comma-separated, UTF-8, 1 row repeating the header skipped"
    )
    assert summary.options.skips_rows()
    frame = read(path, None)
    assert frame["Comments"].tolist() == COMMENTS
    assert frame["Course"].tolist() == ["CHEM 110"] * 2 + ["BIOL 1010"] * 2
    assert frame.index.tolist() == [0, 1, 2, 3], "rows are numbered without it"
    resumed = list(iter_chunks(path, "csv", "Comments", 5, start_row=2, options=summary.options))
    assert [chunk.index.tolist() for chunk in resumed] == [[2, 3]]
    assert resumed[0]["Comments"].tolist() == COMMENTS[2:]


def test_a_header_repeated_in_another_case_and_spacing_is_still_the_header(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        b"Course,Comments,Section\nA,Good,1\n  COURSE , comments ,\nB,Bad,2\ncourse,Comments\n",
    )

    frame = read(path, "comments")

    assert frame["Comments"].tolist() == ["Good", "Bad"]
    assert validate_input(path, "comments").options.repeated_headers == 2


@pytest.mark.parametrize(
    "line",
    [
        b"CHEM 110,Comments",  # a comment that says the column's name, beside a course
        b"Course,",  # the course column's name, no comment
        b"Course,Comments please",
        b"Courses,Comments",
    ],
)
def test_a_row_that_is_not_the_header_whole_is_a_row(tmp_path: Path, line: bytes) -> None:
    path = write(tmp_path, b"Course,Comments\nA,Good\n" + line + b"\n")

    summary = validate_input(path, "Comments")

    assert summary.rows == 2 and summary.options.repeated_headers is None
    assert len(read(path, "Comments")) == 2


def test_columns_named_by_their_place_are_matched_by_the_name_the_file_gives() -> None:
    header = ("name", "Q1", "0.0 (column 3)", "Q2", "0.0 (column 5)", "column_6")
    repeats = HeaderRepeats.of(header, ["Q1"])

    assert repeats.repeats(["Name", "q1", "0.0", "Q2", "0.0", ""])
    assert repeats.repeats(["", "Q1", "", "", "", ""])
    assert not repeats.repeats(["Ana", "Q1", "", "", "", ""])
    assert not repeats.repeats(["name", "Q1", "", "", "", "column_6"])
    assert not repeats.repeats(["name", "", "0.0", "Q2", "0.0", ""])


def test_the_worker_labels_no_header_and_makes_no_group_of_it(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    path = write(tmp_path, CONCATENATED)

    request_id = service.submit(backend, path, None, ["Course"]).request_id
    job = backend.repository.jobs.get(request_id)
    assert (job.rows_total, job.input_options["repeated_headers"]) == (4, 1)
    assert service.get_status(backend, request_id).to_dict()["input_options"] == {
        "encoding": "utf-8",
        "delimiter": ",",
        "repeated_headers": 1,
    }
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    page = service.results_page(backend, request_id)
    assert [row["Comments"] for row in page.rows] == COMMENTS
    groups = service.summary(backend, request_id, group_by="Course").groups
    assert sorted((group.group, group.rows) for group in groups) == [
        ("BIOL 1010", 2),
        ("CHEM 110", 2),
    ]


def test_a_job_queued_before_repeats_were_looked_for_reads_as_it_did(tmp_path: Path) -> None:
    path = write(tmp_path, CONCATENATED)
    before = ReadOptions(encoding="utf-8", delimiter=",")  # stored without the count

    chunks = list(iter_chunks(path, "csv", "Comments", 10, options=before))

    assert chunks[0]["Comments"].tolist()[2] == "Comments"
    assert len(chunks[0]) == 5, "its rows_total counted the header as a row"


def test_a_one_column_txt_file_put_together_reads_without_its_later_headers(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, b"Comments\nGreat labs\n\ncomments\nToo fast\nComments\n", "all.txt")

    summary = validate_input(path, None)

    assert (summary.rows, summary.options.repeated_headers) == (2, 2)
    assert read(path, None)["Comments"].tolist() == ["Great labs", "Too fast"]
    headerless = write(tmp_path, b"Great labs\nComments\n", "plain.txt")
    assert validate_input(headerless, None).rows == 2, "no header line: every line a comment"


STACKED = [
    ["Course Evaluation Comments Report"],
    ["CHEM 110 - General Chemistry (Fall 2026)"],
    [],
    ["Comments"],
    ["The labs were great"],
    ["Clear lectures"],
    [],
    ["Comments"],
    ["Exams were too long"],
    ["Slides posted late"],
]


def test_a_workbook_of_blocks_each_under_its_own_heading_reads_as_one_table(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, workbook([("Comments", STACKED)]), "report.xlsx")

    summary = validate_input(path, "Comments")

    assert (summary.rows, summary.options.header_row) == (4, 4)
    assert summary.options.repeated_headers == 1
    assert read(path, "Comments")["Comments"].tolist() == [
        "The labs were great",
        "Clear lectures",
        "Exams were too long",
        "Slides posted late",
    ]


def test_an_opendocument_spreadsheet_reads_alike(tmp_path: Path) -> None:
    rows = [
        row("Course", "Comment"),
        row("A", "Good"),
        row("Course", "Comment"),
        row("B", "Bad"),
    ]
    path = write(tmp_path, spreadsheet(table("Sheet1", rows)), "all.ods")

    summary = validate_input(path, "comment", ["course"])

    assert (summary.format, summary.rows, summary.options.repeated_headers) == ("ods", 2, 1)
    assert read(path, "comment")["Course"].tolist() == ["A", "B"]


def test_sheets_read_as_one_leave_out_each_sheet_s_repeated_header(tmp_path: Path) -> None:
    sheets = [
        ("BIOL", [["Instructor", "Comment"], ["Okafor", "Great labs"], ["instructor", "comment"]]),
        ("CHEM", [["Instructor", "Comment"], ["Li", "Slides came late"]]),
    ]
    path = write(tmp_path, workbook(sheets), "per-course.xlsx")

    summary = validate_input(path, "Comment", ["sheet"], sheet=ALL_SHEETS)

    assert (summary.rows, summary.options.repeated_headers) == (2, 1)
    frame = read(path, "Comment", sheet=ALL_SHEETS)
    assert frame["sheet"].tolist() == ["BIOL", "CHEM"]


def test_several_comment_columns_number_their_respondents_without_the_header(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        b"Course,Liked,Change\nA,Labs,Exams\nCourse,Liked,Change\nB,Slides,\n",
    )

    summary = validate_input(path, ["Liked", "Change"])

    assert (summary.rows, summary.options.repeated_headers) == (3, 1)
    frame = read(path, ["Liked", "Change"])
    assert frame["comment"].tolist() == ["Labs", "Exams", "Slides"]
    assert frame["respondent"].tolist() == ["1", "1", "2"]


def test_the_preview_shows_no_repeated_header() -> None:
    preview = preview_upload(CONCATENATED, "all.csv")

    assert preview.rows["Comments"].tolist() == COMMENTS
