"""A workbook of one sheet per course read as one table (``sheet='*'``): every visible sheet
whose header names the comment column, one after the other, each row with its sheet's name;
columns matched across sheets whatever their case; the job records the sheets and each one's
header row, and the worker reads exactly those."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, make_backend
from xlsxfakes import evaluation_export, per_course_workbook

from pipeline.api.app import create_app
from pipeline.errors import AmbiguousColumnError, MissingColumnError
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.worker import Worker
from pipeline.xlsx import ALL_SHEETS
from pipeline.xlsx.combined import combine, same_table
from pipeline.xlsx.layout import SheetLayout


def test_sheets_combine_into_one_table_with_the_sheet_named_in_each_row() -> None:
    first = SheetLayout("BIOL", 3, ("Instructor", "Comment"), 0)
    second = SheetLayout("CHEM", 1, ("comment", "Sheet", "Section"), 2)

    table = combine([first, second])

    assert table.columns == ("sheet_2", "Instructor", "Comment", "Sheet", "Section")
    assert table.row(0, ["Dr O", "Great"]) == ["BIOL", "Dr O", "Great", "", ""]
    assert table.row(1, ["Slow", "x", "002"]) == ["CHEM", "", "Slow", "x", "002"]


def test_every_sheet_with_the_comment_column_is_read_as_one(tmp_path: Path) -> None:
    path = per_course_workbook(tmp_path / "upload")

    summary = validate_input(path, "Comment", ["sheet"], sheet=ALL_SHEETS)

    assert summary.columns == ("sheet", "Instructor", "Comment", "Section")
    assert (summary.text_column, summary.group_by, summary.rows) == ("Comment", ("sheet",), 3)
    assert summary.options == ReadOptions(
        sheet=ALL_SHEETS, sheets=("BIOL 1010", "CHEM 2210"), header_rows=(3, 1)
    )
    assert ReadOptions.from_json(summary.options.to_json()) == summary.options
    assert summary.options.describe() == "2 sheets as one table ('BIOL 1010', 'CHEM 2210')"

    chunks = list(iter_chunks(path, "xlsx", "Comment", 2, options=summary.options))

    rows = [list(row) for chunk in chunks for row in chunk.itertuples(index=False)]
    assert rows == [
        ["BIOL 1010", "Dr Okafor", "Great labs", ""],
        ["BIOL 1010", "Dr Okafor", "Exams too long", ""],
        ["CHEM 2210", "Prof Li", "Slides came late", "002"],
    ]
    resumed = list(iter_chunks(path, "xlsx", "Comment", 5, start_row=2, options=summary.options))
    assert [frame.index.tolist() for frame in resumed] == [[2]]


def test_without_a_column_named_the_sheets_are_those_with_one_named_like_comments(
    tmp_path: Path,
) -> None:
    path = evaluation_export(tmp_path / "export.xlsx")

    summary = validate_input(path, None, sheet=ALL_SHEETS)

    assert summary.options.sheets == ("Answers", "Notes"), "the cover and the hidden sheet: no"
    assert summary.columns == ("sheet", "Course", "Comment", "Score", "Submitted", "Complete",
                               "Author")  # fmt: skip
    assert summary.rows == 4


def test_no_sheet_with_the_column_is_refused_with_each_sheet_s_columns(tmp_path: Path) -> None:
    path = per_course_workbook(tmp_path / "export.xlsx")

    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, "Feedback", sheet=ALL_SHEETS)

    message = str(refused.value)
    assert "column 'Feedback' is not in any sheet" in message
    assert "sheet 'CHEM 2210': instructor, comment, Section" in message


def test_the_api_labels_every_sheet_and_compares_them(tmp_path: Path) -> None:
    backend = make_backend(tmp_path / "service", auth="none")
    client = TestClient(create_app(backend))
    content = per_course_workbook(tmp_path / "courses.xlsx").read_bytes()

    answer = client.post(
        "/v1/jobs",
        files={"file": ("courses.xlsx", content)},
        data={"text_column": "Comment", "group_by": "sheet", "sheet": ALL_SHEETS},
    )
    assert answer.status_code == 202, answer.text
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    job = client.get(f"/v1/jobs/{request_id}").json()
    summary = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": "sheet"}).json()
    results = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"}).text

    assert job["status"] == "succeeded" and job["rows_done"] == 3
    assert job["input_options"]["sheets"] == ["BIOL 1010", "CHEM 2210"]
    assert {group["group"]: group["rows"] for group in summary["groups"]} == {
        "BIOL 1010": 2,
        "CHEM 2210": 1,
    }
    assert results.splitlines()[0].startswith("\ufeffsheet,Instructor,Comment,Section,label")


def test_without_a_sheet_several_sheets_of_one_table_are_refused_not_cut_to_one(
    tmp_path: Path,
) -> None:
    """Reading the first course's sheet would drop the others without a word; the refusal
    names the sheets and both ways on. An export whose notes sheet also has a ``Comment``
    column holds two tables, not one: its answers sheet is read as before."""
    path = per_course_workbook(tmp_path / "courses.xlsx")

    with pytest.raises(AmbiguousColumnError) as refused:
        validate_input(path, "Comment")

    assert str(refused.value) == (
        "column 'Comment' is in 2 sheets that hold the same table ('BIOL 1010', 'CHEM 2210'): "
        "give the sheet '*' to read them all as one table (a column 'sheet' tells their rows "
        "apart), or the name of the one sheet to read"
    )
    with pytest.raises(AmbiguousColumnError, match="2 sheets that hold the same table"):
        validate_input(path, None)  # the column named like comments: the same sheets
    assert validate_input(path, "Comment", sheet="CHEM 2210").rows == 1
    export = validate_input(evaluation_export(tmp_path / "export.xlsx"), "Comment")
    assert export.options.sheet == "Answers"


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (("Instructor", "Comment"), ("instructor", "comment", "Section"), True),
        (("Course", "Comment", "Score", "Submitted", "Complete"), ("Comment", "Author"), False),
        (("Comment",), ("comment",), True),
    ],
)
def test_two_headers_are_one_table_when_most_columns_match(
    first: tuple[str, ...], second: tuple[str, ...], same: bool
) -> None:
    assert same_table(first, second) is same
