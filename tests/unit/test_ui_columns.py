"""Upload preview (same refusals as the server) and the guesses of comment and group columns."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from hostile_cases import qualtrics_export
from xlsxfakes import inline_row, sheet_xml, workbook_parts, write_parts

from pipeline.column_guess import (
    guess_group_columns,
    guess_more_text_columns,
    guess_text_column,
    preview_upload,
)
from pipeline.errors import EmptyInputError, EncodingError, UnsupportedFormatError


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def test_preview_of_a_csv_shows_columns_and_first_rows() -> None:
    rows = "".join(f"CS{i},Comment number {i}\n" for i in range(50))
    preview = preview_upload(("\ufeffcourse,comment\n" + rows).encode(), "c.csv", rows=5)

    assert preview.format == "csv"
    assert preview.columns == ("course", "comment")
    assert list(preview.rows.columns) == ["course", "comment"]
    assert preview.rows["comment"].tolist() == [f"Comment number {i}" for i in range(5)]


def test_preview_of_a_txt_file_has_one_text_column() -> None:
    preview = preview_upload(b"Great course\n\nToo long\n", "c.txt")
    assert preview.columns == ("text",)
    assert preview.rows["text"].tolist() == ["Great course", "Too long"]


def test_preview_of_an_xlsx_file() -> None:
    content = _xlsx(pd.DataFrame({"module": ["M1", "M2"], "feedback": ["good", "bad"]}))
    preview = preview_upload(content, "answers.xlsx")
    assert preview.format == "xlsx"
    assert preview.rows.to_dict("records") == [
        {"module": "M1", "feedback": "good"},
        {"module": "M2", "feedback": "bad"},
    ]


def test_the_preview_fills_merged_group_cells_but_not_the_comment_column(tmp_path: Path) -> None:
    """The rows the preview shows are the rows the job reads: a course merged beside its
    comments is each comment's course; a comment merged over two rows shows once."""
    rows = [
        inline_row(1, ["Course", "Comment"]),
        inline_row(2, ["CHEM110", "Great labs"]),
        inline_row(3, [None, "Too fast"]),
        inline_row(4, ["CS101", "One comment, two rows"]),
        inline_row(5, ["CS102", None]),
    ]
    sheet = sheet_xml(rows, merged=["A2:A3", "B4:B5"])
    path = write_parts(tmp_path / "a.xlsx", workbook_parts([("Data", sheet)]))
    preview = preview_upload(path.read_bytes(), "report.xlsx")
    assert preview.rows.values.tolist() == [
        ["CHEM110", "Great labs"],
        ["CHEM110", "Too fast"],
        ["CS101", "One comment, two rows"],
        ["CS102", ""],
    ]


@pytest.mark.parametrize(
    ("content", "name", "error", "words"),
    [
        (b"", "c.csv", EmptyInputError, "empty"),
        (b"comment\n", "c.csv", EmptyInputError, "no rows"),
        (b"comment\nab\x81\n", "c.csv", EncodingError, "neither UTF-8 nor Windows-1252"),
        (b"\x00\x01\x02\x00" * 8 + b"binary", "c.csv", UnsupportedFormatError, "binary"),
        (b"a,b\n1,2\n", "c.xlsx", UnsupportedFormatError, "not an Excel"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "c.xls",
            UnsupportedFormatError,
            "97-2003",
        ),
        (b"<html><table><tr><td>a</td>", "c.xls", UnsupportedFormatError, "web page"),
    ],
)
def test_preview_refuses_bad_files_with_a_message_naming_the_problem(
    content: bytes, name: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        preview_upload(content, name)


def test_a_tab_delimited_download_named_xls_previews_as_the_table_it_is() -> None:
    """Blackboard downloads a table as UTF-16 tab-separated text named .xls."""
    content = "\ufeffStudent\tComments\r\nJo\tGreat labs\r\n".encode("utf-16-le")

    preview = preview_upload(content, "gc_BIO101_fullgc.xls")

    assert preview.columns == ("Student", "Comments")
    assert preview.rows["Comments"].tolist() == ["Great labs"]
    assert preview.describe() == "CSV, tab-separated, UTF-16"


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["course", "Comment", "rating"], "Comment"),
        (["id", "text", "feedback"], "text"),
        (["course", "Student feedback (optional)"], "Student feedback (optional)"),
        (["course_code", "what_did_you_like_comment"], "what_did_you_like_comment"),
    ],
)
def test_comment_column_is_guessed_from_its_name(columns: list[str], expected: str) -> None:
    assert guess_text_column(columns) == expected


def test_without_a_telling_name_the_longest_text_wins_over_group_columns() -> None:
    sample = pd.DataFrame(
        {
            "instructor": ["Professor Alexandra Featherstonehaugh"] * 3,
            "id": ["1", "2", "3"],
            "q7": ["The labs were long but useful", "Too fast", "I liked the examples a lot"],
        }
    )
    assert guess_text_column(list(sample.columns), sample) == "q7"


def test_guess_falls_back_to_a_non_group_column_and_handles_no_columns() -> None:
    assert guess_text_column(["course", "q1"]) == "q1"
    assert guess_text_column([]) is None


def test_group_columns_are_guessed_by_name_excluding_the_comment_column() -> None:
    columns = ["Course Code", "instructor_name", "term", "comment", "rating", "class"]
    assert guess_group_columns(columns, "comment") == [
        "Course Code",
        "instructor_name",
        "term",
        "class",
    ]
    assert guess_group_columns(["course"], "course") == []


def test_a_question_that_mentions_a_group_is_not_one() -> None:
    """A survey's open question names an instructor or a term without being a group column."""
    columns = [
        "Course",
        "Which course?",
        "Course title and section",
        "What did the instructor do well?",
        "Comments on the course and the term",
    ]
    sample = pd.DataFrame({column: ["a fairly long answer to read"] for column in columns})

    assert guess_group_columns(columns, None) == columns[:3]
    assert guess_text_column(columns[::3], sample) == "What did the instructor do well?"


def test_a_statement_answered_on_a_likert_scale_is_no_group_though_it_names_one() -> None:
    """``The instructor explained concepts clearly`` names an instructor in five words and its
    answers repeat, but they are a scale's words: a rating, not a group. A section numbered
    1 to 3 stays a group."""
    sample = pd.DataFrame(
        {
            "Course": ["CHEM110", "CHEM110", "BIO1", "BIO1"],
            "The instructor explained concepts clearly": [
                "Agree", "Strongly agree", "Disagree", "Agree"
            ],
            "Section": ["1", "2", "1", "3"],
            "comment": ["good labs", "bad exams", "fine", "too fast"],
        }
    )  # fmt: skip

    assert guess_group_columns(list(sample.columns), "comment", {}, sample) == [
        "Course",
        "Section",
    ]


def test_a_qualtrics_export_previews_its_answers_with_each_column_s_question() -> None:
    content = qualtrics_export([("CHEM110", "labs good"), ("PHYS101", "exams hard")], "Feedback")

    preview = preview_upload(content, "export.csv")

    assert preview.rows["Q3"].tolist() == ["labs good", "exams hard"]
    assert preview.describe() == (
        "CSV exported from Qualtrics, comma-separated, UTF-8, 2 rows describing the columns skipped"
    )
    assert preview.column_label("Q1") == "Q1: Course"
    assert preview.column_label("Q3") == "Q3: Feedback"
    columns = list(preview.columns)
    assert guess_text_column(columns, preview.rows, preview.questions) == "Q3"
    assert guess_group_columns(columns, "Q3", preview.questions) == ["Q1"]


def test_only_a_short_survey_question_names_a_group_column() -> None:
    questions = {"Q1": "Instructor name", "Q2": "How would you rate the instructor overall?"}
    assert guess_group_columns(["Q1", "Q2", "Q3"], "Q3", questions) == ["Q1"]


def test_a_long_export_s_question_column_is_compared_by_not_labelled() -> None:
    """Blue and EvaluationKIT write one row per answer, the question's text in a column of its
    own: long, repeated text that is a group to compare by, never comments to label."""
    asked = ["What helped you learn in this course?", "What should the instructor change?"]
    answers = [
        "The weekly labs",
        "Post slides before class",
        "Office hours were great",
        "Fewer quizzes",
        "Worked examples",
        "Slower pace in week 3",
    ]
    sample = pd.DataFrame({"Course": ["CHEM110"] * 6, "Question": asked * 3, "Q_Value": answers})
    columns = list(sample.columns)

    assert guess_text_column(columns, sample) == "Q_Value"
    assert guess_more_text_columns(columns, "Q_Value", sample) == []
    assert guess_group_columns(columns, "Q_Value", sample=sample) == ["Course", "Question"]


def test_a_column_named_question_holding_answers_is_not_a_group() -> None:
    """A wide export's ``Question 2`` holds one student's answers: they do not repeat."""
    sample = pd.DataFrame(
        {
            "Question 2": [
                "The pace of the lectures was too fast for me",
                "I would like more practice problems before the exam",
                "Labs were the best part of the whole course",
                "Please post the recordings sooner after class",
            ]
        }
    )

    assert guess_group_columns(["Question 2"], None, sample=sample) == []
    assert guess_more_text_columns(["Question 2"], None, sample) == ["Question 2"]


def test_a_microsoft_forms_export_s_guesses_skip_times_and_ids() -> None:
    """Microsoft Forms writes ID, Start time, Completion time, Email and Name before the
    questions: a timestamp is the longest cell of a row with short answers, but it has no
    words. A question that names a group over repeating values is compared by."""
    times = [f"2026-11-20 09:{minute:02d}:00" for minute in range(10, 16)]
    sample = pd.DataFrame(
        {
            "ID": [str(i) for i in range(1, 7)],
            "Start time": times,
            "Email": ["anonymous"] * 6,
            "Which course are you taking?": ["BIO 101", "CHEM 110", "BIO 101"] * 2,
            "How satisfied are you overall with it?": ["Satisfied", "Very satisfied"] * 3,
            "What did you like most?": ["Labs", "Dr Lee", "N/A", "Quizzes", "N/A", "Pace"],
            "What could be improved?": [
                "Post slides earlier",
                "N/A",
                "Fewer quizzes in week 5",
                "N/A",
                "Louder microphone please",
                "N/A",
            ],
        }
    )
    columns = list(sample.columns)

    comment = guess_text_column(columns, sample)
    assert comment == "What could be improved?"
    assert guess_more_text_columns(columns, comment, sample) == []
    assert guess_group_columns(columns, comment, sample=sample) == ["Which course are you taking?"]
    assert guess_text_column(["ID", "Start time"], sample) == "ID"  # no words: the first column


def test_a_google_forms_export_offers_its_open_questions_not_its_rating() -> None:
    """Answers to "What should we change?" are short; a column named as an open question
    needs three words an answer (placeholders aside), not five. ``Rate the course (1-5)``
    mentions the course but asks for a rating: no group."""
    sample = pd.DataFrame(
        {
            "Timestamp": [f"2026/11/1{i} 10:0{i}:11 AM GMT" for i in range(6)],
            "Course code": ["ENG101", "ENG205", "ENG101", "ENG205", "ENG101", "ENG205"],
            "Rate the course (1-5)": ["4", "5", "3", "4", "5", "4"],
            "What worked well?": [
                "The labs, especially the titration one",
                "Prof Kim's examples on the board",
                "Quick feedback on homework",
                "Group study sessions before the midterm",
                "Recorded lectures saved me when I was sick",
                "Clear rubric for the essay",
            ],
            "What should we change?": [
                "Less busywork",
                "Post grades sooner please",
                "The final was too long",
                "N/A",
                "Start the lectures on time",
                "Shorter quizzes",
            ],
            "Anything else?": ["", "N/A", "Thanks for a great term!", "", "Loved it", "none"],
        }
    )
    columns = list(sample.columns)

    comment = guess_text_column(columns, sample)
    assert comment == "What worked well?"
    assert guess_more_text_columns(columns, comment, sample) == [
        "What should we change?",
        "Anything else?",
    ]
    assert guess_group_columns(columns, comment, sample=sample) == ["Course code"]


def test_an_anthology_export_s_response_id_is_not_the_comments() -> None:
    """Anthology (Campus Labs) and other survey tools start a row with ``Response ID``: a
    comment word in a short name with an id, a date or a type names a fact about the answer,
    and its codes were once guessed as the comments, the open questions offered beside them."""
    sample = pd.DataFrame(
        {
            "Response ID": [f"R_1000{i}" for i in range(6)],
            "Response Date": [f"2026-11-2{i}" for i in range(6)],
            "Course Section": ["BIOL 1010-001", "CHEM 2210-002"] * 3,
            "What helped your learning the most?": [
                "The weekly quizzes kept me on track",
                "Office hours with the TA were great",
                "n/a",
                "Clear examples in every lecture",
                "Recorded lectures during exam week",
                "The lab reports taught me to write",
            ],
            "What changes would you suggest?": [
                "Post the slides before class please",
                "Fewer problem sets in week 6",
                "",
                "The exam was much too long",
                "none",
                "More practice problems before tests",
            ],
        }
    )
    columns = list(sample.columns)

    comment = guess_text_column(columns, sample)
    assert comment == "What helped your learning the most?"
    assert guess_more_text_columns(columns, comment, sample) == ["What changes would you suggest?"]
    assert guess_group_columns(columns, comment, sample=sample) == ["Course Section"]
