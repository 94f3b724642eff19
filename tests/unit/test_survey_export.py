"""Survey exports (Qualtrics, SurveyMonkey): the rows under the header that describe the
columns are found, never read as answers, and their question texts name the columns in
messages; a plain table is read as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import qualtrics_export, surveymonkey_export

from pipeline.errors import MissingColumnError
from pipeline.inputs import ReadOptions, inspect_input, iter_chunks, validate_input
from pipeline.survey_export import find_descriptions

ANSWERS = (("CHEM110", "The labs were great"), ("PHYS101", "Exams too hard"))
COMMENTS = [comment for _course, comment in ANSWERS]


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_qualtrics_export_is_told_by_its_row_of_import_ids() -> None:
    columns = ("ResponseId", "Q1", "Q2_TEXT", "Q5")
    records = [
        ["Response ID", "Course", "What did you think?  - Comments", ""],
        ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{ "ImportId": "QID2_TEXT"}', ""],
    ]

    found = find_descriptions(columns, records)

    assert found is not None and found.tool == "Qualtrics" and found.rows == 2
    assert dict(found.questions) == {
        "ResponseId": "Response ID",
        "Q1": "Course",
        "Q2_TEXT": "What did you think? - Comments",
    }


@pytest.mark.parametrize(
    "records",
    [
        [["Course", "Comments"]],
        [["Course", "Comments"], ['{"ImportId":"QID1"}', "a comment, not an id"]],
        [["A", "x"], ["", ""]],
        [["A", '{"ImportId": written by a student}'], ["B", "fine"]],
    ],
    ids=["one-row", "one-cell-is-an-answer", "blank-row", "json-in-the-first-row-only"],
)
def test_a_table_without_a_full_row_of_import_ids_is_read_as_it_is(
    records: list[list[str]],
) -> None:
    assert find_descriptions(("course", "comment"), records) is None


def test_a_surveymonkey_export_is_told_by_its_sub_headers_under_respondent_id() -> None:
    columns = ("Respondent ID", "Which course?", "Any comments?")
    assert find_descriptions(columns, [["", "Response", "Open-Ended Response"]]) is not None
    assert find_descriptions(columns, [["1001", "Response", "Open-Ended Response"]]) is None
    assert find_descriptions(("id", "Any comments?"), [["", "Open-Ended Response"]]) is None


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_qualtrics_export_is_read_from_its_first_answer(tmp_path: Path, xlsx: bool) -> None:
    name = "export.xlsx" if xlsx else "export.csv"
    path = _file(tmp_path, name, qualtrics_export(ANSWERS, xlsx=xlsx))

    summary = validate_input(path, None, group_by=["Q1"])

    assert summary.text_column == "Q3" and summary.rows == len(ANSWERS)
    assert summary.options.description_rows == 2
    stored = ReadOptions.from_json(summary.options.to_json())
    chunks = list(iter_chunks(path, summary.format, "Q3", 10, options=stored))
    assert len(chunks) == 1
    assert chunks[0]["Q3"].tolist() == COMMENTS
    assert chunks[0]["Q1"].tolist() == ["CHEM110", "PHYS101"]
    assert chunks[0].index.tolist() == [0, 1]
    resumed = list(iter_chunks(path, summary.format, "Q3", 10, start_row=1, options=stored))
    assert resumed[0]["Q3"].tolist() == COMMENTS[1:]


def test_the_refusal_for_a_qualtrics_export_names_its_questions(tmp_path: Path) -> None:
    path = _file(tmp_path, "e.csv", qualtrics_export(ANSWERS, "Please add any other feedback"))

    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, None)

    assert str(refused.value) == (
        "choose the comment column (text_column, or --text-column on the command line): 'Q3' "
        "looks like it; the file has "
        "StartDate (Start Date), ResponseId (Response ID), Q1 (Course), "
        "Q3 (Please add any other feedback); to label several open questions in one job, "
        "give text_column (--text-column) once for each"
    )


def test_a_surveymonkey_export_skips_its_row_of_sub_headers(tmp_path: Path) -> None:
    path = _file(tmp_path, "monkey.csv", surveymonkey_export(ANSWERS))

    summary = validate_input(path, "Any other comments?")

    assert summary.rows == len(ANSWERS) and summary.options.description_rows == 1
    [chunk] = iter_chunks(path, "csv", "Any other comments?", 10, options=summary.options)
    assert chunk["Any other comments?"].tolist() == COMMENTS
    assert chunk["Which course?"].tolist() == ["CHEM110", "PHYS101"]


def test_a_plain_table_has_no_description_rows(tmp_path: Path) -> None:
    path = _file(tmp_path, "plain.csv", b'course,comment\nA,"{""ImportId"":""x""}"\nB,fine\n')

    layout = inspect_input(path)

    assert layout.survey is None and layout.options.description_rows is None
    assert validate_input(path, "comment").rows == 2


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_a_qualtrics_column_can_be_asked_for_by_its_question(tmp_path: Path, xlsx: bool) -> None:
    content = qualtrics_export(ANSWERS, "Anything else to add?", xlsx=xlsx)
    path = _file(tmp_path, "export.xlsx" if xlsx else "export.csv", content)

    summary = validate_input(path, "anything else to add?", group_by=["Course"])

    assert summary.rows == len(ANSWERS)
    [chunk] = iter_chunks(path, summary.format, summary.text_column, 10, options=summary.options)
    assert chunk[summary.text_column].tolist() == COMMENTS
    assert chunk[summary.group_by[0]].tolist() == ["CHEM110", "PHYS101"]
