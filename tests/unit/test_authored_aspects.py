"""The authored aspect comments shipped for training: their shape, what they are for (each
praises one aspect and criticises another, or sets a suggestion beside an opinion), and that
they stay independent of the behavioural suite."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pipeline.model.aspects.categories import FINE_CATEGORIES
from pipeline.model.aspects.data import AUTHORED_ASPECTS, AspectExample, read_aspects
from pipeline.model.behaviour import load_cases

LEANING_NEGATIVE = (
    "workload",
    "exams",
    "grading",
    "learning_environment",
    "continuous_assessment",
    "course_policies",
)
"""The aspects the polarity heads take for complaints (docs/insights.md): the file exists to
show each of them praised beside a complaint about something else."""
_WORD = re.compile(r"[^\W_]+")


@pytest.fixture(scope="module")
def authored() -> list[AspectExample]:
    return read_aspects(AUTHORED_ASPECTS)


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def test_every_comment_has_two_aspects_of_different_polarity(
    authored: list[AspectExample],
) -> None:
    assert len(authored) >= 250
    assert {name for e in authored for name in e.aspects} <= set(FINE_CATEGORIES)
    assert [e.text for e in authored if len(set(e.sentiments.values())) < 2] == []


def test_each_aspect_taken_for_a_complaint_is_praised_beside_another_complaint(
    authored: list[AspectExample],
) -> None:
    praised = Counter(
        name
        for e in authored
        if "negative" in e.sentiments.values()
        for name, polarity in e.sentiments.items()
        if polarity == "positive"
    )
    assert {name: praised[name] for name in LEANING_NEGATIVE if praised[name] < 20} == {}


def test_no_two_comments_are_the_same_words(authored: list[AspectExample]) -> None:
    seen = Counter(" ".join(sorted(_words(e.text))) for e in authored)
    assert [text for text, n in seen.items() if n > 1] == []


def test_no_comment_nearly_copies_a_behaviour_case(authored: list[AspectExample]) -> None:
    cases = [_words(text) for text in load_cases()["text"]]
    close = [
        e.text
        for e in authored
        if max(len(_words(e.text) & c) / len(_words(e.text) | c) for c in cases) >= 0.5
    ]
    assert close == []
