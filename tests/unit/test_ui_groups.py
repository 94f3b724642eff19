"""Groups are named in full, with their n and a mark when they are small."""

from __future__ import annotations

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.ui.groups import (
    ID_ROWS,
    SMALL_GROUP,
    SMALL_NOTE,
    comparable,
    group_caption,
    group_name,
    in_sentence,
    is_small,
    summary_view,
)

LABELS = ["negative", "neutral", "positive"]


def _part(name: str | None, counts: dict[str, int], errors: int = 0) -> GroupCounts:
    total = sum(counts.values())
    return GroupCounts(name, total + errors, errors, counts, {}, {})


def test_captions_keep_the_whole_name_and_give_n() -> None:
    name = "CHEM110 General Chemistry for Engineers and Physical Scientists"
    assert group_caption(name, 1234) == f"{name} (n=1,234)"
    assert group_caption("BIO9", 4) == "BIO9 (n=4, small)"
    assert group_caption(None, 0) == "(blank) (n=0, small)"
    assert group_name("") == "(blank)"


def test_small_means_fewer_than_ten() -> None:
    assert SMALL_GROUP == 10
    assert is_small(9) and not is_small(10)
    assert "fewer than 10 comments" in SMALL_NOTE


def test_summary_view_rows_add_up_and_mark_small_groups() -> None:
    summary = Summary(
        "r",
        "succeeded",
        LABELS,
        25,
        25,
        _part(None, {"negative": 7, "neutral": 7, "positive": 7}, errors=4),
        "course",
        [
            _part("CS101 Intro to Programming", {"negative": 6, "neutral": 6, "positive": 6}),
            _part("BIO9", {"negative": 1, "neutral": 1, "positive": 1}, errors=4),
        ],
    )
    view = summary_view(summary)
    assert view["course"].tolist() == ["(all)", "CS101 Intro to Programming", "BIO9"]
    assert view["n"].tolist() == [21, 18, 3]
    assert view["small"].tolist() == [False, False, True]
    percent_columns = [f"{label} %" for label in LABELS]
    assert view[percent_columns].sum(axis=1).tolist() == [100, 100, 100]
    assert view.loc[2, percent_columns].tolist() == [34, 33, 33]
    assert view[LABELS].sum(axis=1).tolist() == [21, 18, 3]
    assert view["no label"].tolist() == [4, 0, 4]


def test_a_column_of_one_value_is_nothing_to_compare_by() -> None:
    """An export's ``Term`` of ``Fall 2026`` on every row once drew the whole file again as
    the page's first chart; a blank is a group of its own, so "001" beside blanks splits."""
    frame = pd.DataFrame(
        {
            "Term": ["Fall 2026"] * 4,
            "Course": ["BIOL 1010", "CHEM 2210", "BIOL 1010", "BIOL 1010"],
            "Section": ["001", "", None, "001"],
            "Campus": ["", None, "", ""],
        }
    )

    assert comparable(frame, ["Term", "Course", "Section", "Campus"]) == ["Course", "Section"]
    assert comparable(frame.head(0), ["Term"]) == []


def test_an_identifier_is_nothing_to_compare_by() -> None:
    """A survey export's ``ResponseId`` once was *Per value of*'s first choice: a group of
    every comment. A few courses of one comment each are still groups."""
    rows = ID_ROWS
    frame = pd.DataFrame(
        {
            "ResponseId": [f"R_{n}" for n in range(rows)],
            "Course": [f"C{n % 3}" for n in range(rows)],
            "Section": [f"S{n}" for n in range(rows - 1)] + ["S0"],
        }
    )

    assert comparable(frame, ["ResponseId", "Course", "Section"]) == ["Course", "Section"]
    assert comparable(frame.head(rows - 1), ["ResponseId", "Course"]) == ["ResponseId", "Course"]
    ids = pd.DataFrame({"Student ID": [f"S{n}" for n in range(rows)] + ["", None]})
    assert comparable(ids, ["Student ID"]) == [], "an id left blank twice is still an id"


def test_a_students_id_is_no_group_in_a_job_of_several_questions() -> None:
    """A row per answer repeats the student's id on each of their answers: per respondent it
    is still one value each."""
    students = ID_ROWS
    frame = pd.DataFrame(
        {
            "Student ID": [f"S{n}" for n in range(students) for _answer in range(2)],
            "Course": [f"C{n % 3}" for n in range(students) for _answer in range(2)],
            "respondent": [str(n + 1) for n in range(students) for _answer in range(2)],
        }
    )

    assert comparable(frame, ["Student ID", "Course"]) == ["Student ID", "Course"]
    assert comparable(frame, ["Student ID", "Course"], "respondent") == ["Course"]


def test_a_column_name_reads_as_a_word_inside_a_sentence_unless_it_is_a_code() -> None:
    assert in_sentence("Course") == "course"
    assert in_sentence("Instructor Name") == "instructor name"
    assert in_sentence("course") == "course"
    for kept in ("TA", "CRN", "course_id", "Course ID", "iPhone", "Section 2", ""):
        assert in_sentence(kept) == kept
