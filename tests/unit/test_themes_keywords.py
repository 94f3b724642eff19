"""c-TF-IDF keywords, quotes and the quality measures, on hand-made inputs."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.themes.keywords import class_idf, pick_keywords
from pipeline.themes.metrics import coverage_summary, keyword_coverage, topic_diversity
from pipeline.themes.quotes import central_quotes


def test_idf_follows_bertopics_formula() -> None:
    counts = np.array([[4.0, 0.0, 2.0], [2.0, 2.0, 0.0]])
    average = (6 + 4) / 2
    expected = [math.log(1 + average / 6), math.log(1 + average / 2), math.log(1 + average / 2)]
    assert class_idf(counts) == pytest.approx(expected)


def presence(rows: list[list[str]], vocabulary: list[str]) -> sp.csr_matrix:
    return sp.csr_matrix([[1.0 if term in row else 0.0 for term in vocabulary] for row in rows])


def test_the_next_keyword_comes_from_comments_the_first_does_not_cover() -> None:
    vocabulary = ["exams", "unfair", "labs", "late"]
    rows = [["exams", "unfair"]] * 6 + [["labs", "late"]] * 4
    idf = np.ones(len(vocabulary))
    keywords = pick_keywords(presence(rows, vocabulary), idf, vocabulary, min_support=2, top=2)
    assert keywords[0] == "exams"
    assert keywords[1] in {"labs", "late"}


def test_a_keyword_repeating_chosen_words_is_skipped() -> None:
    vocabulary = ["exam unfair", "exam", "unfair", "lab"]
    rows = [["exam unfair", "exam", "unfair"]] * 5 + [["lab"]] * 2
    idf = np.array([3.0, 2.0, 2.0, 1.0])
    keywords = pick_keywords(presence(rows, vocabulary), idf, vocabulary, min_support=2)
    assert keywords == ("exam unfair", "lab")


def test_a_keyword_an_earlier_theme_took_weighs_less() -> None:
    vocabulary = ["exam", "quiz"]
    rows = [["exam", "quiz"]] * 4
    idf = np.array([1.05, 1.0])
    members = presence(rows, vocabulary)
    assert pick_keywords(members, idf, vocabulary, 2, top=1) == ("exam",)
    taken = Counter({"exam": 1})
    assert pick_keywords(members, idf, vocabulary, 2, top=1, taken=taken) == ("quiz",)


def test_a_keyword_needs_the_minimum_support() -> None:
    vocabulary = ["rare", "common"]
    rows = [["rare", "common"], ["common"], ["common"]]
    idf = np.array([10.0, 1.0])
    assert pick_keywords(presence(rows, vocabulary), idf, vocabulary, min_support=2) == ("common",)


def test_diversity_is_the_share_of_distinct_keywords() -> None:
    assert topic_diversity([("a", "b"), ("c", "d")]) == 1.0
    assert topic_diversity([("a", "b"), ("a", "c")]) == 0.75
    assert topic_diversity([("a", "b", "c"), ("a", "d", "e")], top_k=2) == 0.75
    assert topic_diversity([]) == 0.0


def test_coverage_counts_comments_holding_any_keyword() -> None:
    held = [frozenset({"exams", "unfair"}), frozenset({"labs"}), frozenset()]
    assert keyword_coverage(held, ["exams", "labs"]) == pytest.approx(2 / 3)
    assert keyword_coverage(held, ["exam"]) == 0.0
    assert coverage_summary([0.2, 0.6, 1.0]) == {"min": 0.2, "mean": pytest.approx(0.6)}


def test_quotes_skip_repeats_and_prefer_comments_with_some_words() -> None:
    texts = ["Great!", "The labs were great fun.", "the labs were GREAT fun", "Labs were well run."]
    vectors = np.array([[1.0, 0.0], [0.9, 0.44], [0.9, 0.44], [0.6, 0.8]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chosen = central_quotes(texts, vectors, np.array([1.0, 0.0]), count=3)
    assert chosen == [1, 3, 0]


def test_quotes_skip_near_identical_vectors() -> None:
    texts = ["one two three four", "five six seven eight", "nine ten eleven twelve"]
    vectors = np.array([[1.0, 0.0], [1.0, 0.001], [0.6, 0.8]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert central_quotes(texts, vectors, np.array([1.0, 0.0]), count=3) == [0, 2]


def test_quotes_that_hold_a_keyword_come_first() -> None:
    """A theme named "midterm / worth" once quoted "Nothing, keep it as it is.", the most
    central of its comments; a comment that holds a keyword shows what the name means."""
    texts = ["Nothing, keep it as it is.", "Make the midterm worth less.", "Midterm was too long."]
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    named = np.array([False, True, True])

    chosen = central_quotes(texts, vectors, np.array([1.0, 0.0]), count=3, named=named)

    assert chosen == [1, 2, 0]
    assert central_quotes(texts, vectors, np.array([1.0, 0.0]), count=1) == [0]
