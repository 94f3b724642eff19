"""Which answers are numbers, and when a column of them is one of numbers, not comments."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.column_guess import numbers_warning
from pipeline.input_numbers import NumberCount, is_number


@pytest.mark.parametrize(
    "text", ["4", " 5 ", "-2", "+1", "3.5", "3,5", "1,000", ".5", "100%", "80 %", "4/5", "8.5 / 10"]
)
def test_numbers_ratings_and_percentages_are_numbers(text: str) -> None:
    assert is_number(text)


@pytest.mark.parametrize(
    "text", ["4 stars", "10/10 would take again", "A+", "n/a", "5th week", "1st", "x", "", "4-5"]
)
def test_anything_with_a_word_or_another_sign_is_not(text: str) -> None:
    assert not is_number(text)


def _count(answers: list[str]) -> NumberCount:
    count = NumberCount()
    for answer in answers:
        count.add(answer)
    return count


def test_a_column_is_one_of_numbers_from_nine_answers_in_ten() -> None:
    assert _count(["4"] * 9 + ["see above"]).mostly_numbers
    assert not _count(["4"] * 8 + ["great", "boring"]).mostly_numbers
    assert not _count(["The labs were great", "3"]).mostly_numbers
    assert not NumberCount().mostly_numbers


def test_a_handful_of_answers_is_never_a_column_of_numbers() -> None:
    assert not _count(["+1"]).mostly_numbers
    assert not _count(["4", "5", "3", "2"]).mostly_numbers
    assert _count(["4", "5", "3", "2", "1"]).mostly_numbers


def test_the_refusal_names_the_column_the_count_and_an_example() -> None:
    count = _count(["Great", "4", "5"] + ["3"] * 27)
    assert count.refusal("Q2", "choose another") == (
        "column 'Q2' holds numbers, not comments: 29 of its 30 answers are numbers, such as "
        "'4'; choose another"
    )


def test_the_app_warns_of_a_previewed_column_of_numbers_only() -> None:
    sample = pd.DataFrame(
        {"rating": ["4", "5", None, "3", "2", "4"], "comment": ["Great", "4", "ok", "", "2", "3"]}
    )
    warning = numbers_warning(sample, "rating")
    assert warning is not None
    assert warning.startswith("'rating' holds numbers, not comments (5 of the 5 answers")
    assert numbers_warning(sample, "comment") is None
    assert numbers_warning(sample, "absent") is None
