"""A long export (Blackboard "by question and user", EvaluationKIT: a ``Question`` column and
a ``Response`` column) answers every question in one column: with the column taken for its
name, its rating questions are named and the file refused, not labelled as comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_cases import table

from pipeline.errors import InputError
from pipeline.inputs import validate_input
from pipeline.survey_export import (
    MOST_QUESTIONS,
    is_rating,
    question_column_of,
    rating_questions_refusal,
)

COLUMNS = ("Course Code", "Instructor", "Question", "Response")
PREPARED = "The instructor was well prepared"
ROWS = [
    ["CHEM110", "Smith", PREPARED, "5"],
    ["CHEM110", "Smith", "Comments", "Very clear lectures"],
    ["CHEM110", "Smith", PREPARED, "Strongly Agree"],
    ["CHEM110", "Lee", "Comments", "Agree"],  # an open question's answer may read as one
    ["CHEM110", "Lee", "Comments", "Too fast"],
    ["CHEM110", "Lee", "Overall (1-10)", "8"],
    ["CHEM110", "Lee", "Overall (1-10)", "9/10"],
]


@pytest.mark.parametrize(
    ("answer", "rating"),
    [
        ("5", True),
        ("4.5", True),
        ("4/5", True),
        (" strongly  agree ", True),
        ("Very satisfied", True),
        ("Neither agree nor disagree", True),
        ("Good", True),
        ("2026", False),
        ("11", False),
        ("5 stars, great labs", False),
        ("Agree, but the exams were long", False),
        ("", False),
    ],
)
def test_a_rating_is_a_number_up_to_ten_or_a_scale_point_alone(answer: str, rating: bool) -> None:
    assert is_rating(answer) is rating


def test_the_rating_questions_are_named_with_the_open_ones_to_keep() -> None:
    refusal = rating_questions_refusal(COLUMNS, "Response", ROWS)

    assert refusal == (
        "column 'Response', taken as the comment column for its name, answers every question "
        "of this long export (column 'Question'), ratings too: 4 of its 7 answers are ratings, "
        f"to {PREPARED!r}, 'Overall (1-10)', and would be labelled as comments; keep only the "
        "rows of the open questions ('Comments') and upload again, or give "
        "text_column='Response' (--text-column 'Response') to label every answer"
    )


def test_a_long_export_of_open_questions_is_no_refusal() -> None:
    rows = [row for row in ROWS if row[2] == "Comments"]

    assert rating_questions_refusal(COLUMNS, "Response", rows) is None


def test_a_table_of_one_column_per_question_is_not_read() -> None:
    columns = ("Course", "Q1 rating", "Comments")

    def unread() -> list[list[str]]:
        raise AssertionError("a table without a question column is not read")

    assert question_column_of(columns, "Comments") is None
    assert rating_questions_refusal(columns, "Comments", iter(unread, None)) is None


def test_a_column_of_students_questions_is_no_question_column() -> None:
    rows = [["A", "", f"Why is lab {n} so long?", "5"] for n in range(MOST_QUESTIONS + 1)]

    assert rating_questions_refusal(COLUMNS, "Response", rows) is None


def test_a_long_export_is_refused_when_its_answer_column_was_not_asked_for(
    tmp_path: Path,
) -> None:
    path = tmp_path / "evalkit.csv"
    path.write_bytes(table(COLUMNS, ROWS))

    with pytest.raises(InputError, match=r"ratings too: 4 of its 7 answers are ratings"):
        validate_input(path, None)
    assert validate_input(path, "Response").rows == len(ROWS)  # asked for: every answer


def test_a_long_export_of_comments_only_is_read(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_bytes(table(COLUMNS, [row for row in ROWS if row[2] == "Comments"]))

    summary = validate_input(path, None)

    assert summary.text_column == "Response" and summary.rows == 3
