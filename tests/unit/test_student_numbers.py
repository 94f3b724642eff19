"""Screening: a student or ID number written the way a student writes it in a sentence is
masked, and the numbers course comments are full of are not."""

from __future__ import annotations

import pytest

from pipeline.release.kinds import Kind
from pipeline.release.screen import ReleaseScreen
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def screen() -> ReleaseScreen:
    return ReleaseScreen.from_settings(Settings())


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("my student ID is 2023-12345, the grading was unfair", "2023-12345"),
        ("my student number is 2023-12345", "2023-12345"),
        ("my ID number is 12-345-678", "12-345-678"),
        ("my student ID number is 2023-12345", "2023-12345"),
        ("My ID's 12-345-678 if you want to check", "12-345-678"),
        ("student ID was 2023 12345 last year", "2023 12345"),
        ("Student ID is: 20231234", "20231234"),
        ("student ID - 2023-12345", "2023-12345"),
        ("matric no. 2041234", "2041234"),
    ],
)
def test_a_number_after_is_and_the_like_is_masked(
    screen: ReleaseScreen, text: str, number: str
) -> None:
    verdict = screen.check(text)
    assert number in verdict.found(Kind.NUMBER), verdict
    assert number not in verdict.masked
    assert "[number]" in verdict.masked


@pytest.mark.parametrize(
    "text",
    [
        "question ID 3 of the quiz was marked wrong",
        "my student ID is from 2023",
        "the student ID is 2023 style, useless",
        "student number is 95% of the grade, apparently",
        "ID 12 got 45% in 2023",
        "the idea 12345 times over",
        "my ID was 2019 and so was the syllabus",
        "identity 12345-678",
        "student numbers were 12000 in 2019",
    ],
)
def test_ordinary_numbers_near_id_are_left_alone(screen: ReleaseScreen, text: str) -> None:
    assert not screen.check(text).flagged, text
