"""Result filters and the most positive / negative comments."""

from __future__ import annotations

import pandas as pd

from pipeline.ui.explore import (
    NO_LABEL,
    ResultFilter,
    comments_table,
    filter_results,
    top_comments,
)


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "course": ["CS1", "CS1", "CS2", "CS2", "CS3"],
            "comment": ["Great (really) labs", "boring", "GREAT teacher", "ok", ""],
            "label": ["positive", "negative", "positive", "neutral", ""],
            "score_negative": [0.1, 0.8, 0.2, 0.3, float("nan")],
            "score_neutral": [0.1, 0.1, 0.2, 0.4, float("nan")],
            "score_positive": [0.8, 0.1, 0.6, 0.3, float("nan")],
        }
    )


def _comments(chosen: ResultFilter) -> list[str]:
    return filter_results(_results(), "comment", chosen)["comment"].tolist()


def test_no_filter_keeps_every_row_and_adds_confidence() -> None:
    shown = filter_results(_results(), "comment", ResultFilter())
    assert len(shown) == 5
    assert shown["confidence"].tolist()[:4] == [0.8, 0.8, 0.6, 0.4]


def test_filter_by_label_including_the_unscored_rows() -> None:
    assert _comments(ResultFilter(labels=["positive"])) == ["Great (really) labs", "GREAT teacher"]
    assert _comments(ResultFilter(labels=["neutral", NO_LABEL])) == ["ok", ""]


def test_filter_by_group_values() -> None:
    assert _comments(ResultFilter(group_column="course", groups=["CS2"])) == ["GREAT teacher", "ok"]
    assert len(_comments(ResultFilter(group_column="course", groups=[]))) == 5


def test_filter_by_minimum_confidence_drops_unscored_rows() -> None:
    assert _comments(ResultFilter(min_confidence=0.7)) == ["Great (really) labs", "boring"]


def test_search_is_case_insensitive_and_literal() -> None:
    assert _comments(ResultFilter(search="great")) == ["Great (really) labs", "GREAT teacher"]
    assert _comments(ResultFilter(search="(really)")) == ["Great (really) labs"]
    assert _comments(ResultFilter(search="  ")) == _comments(ResultFilter())


def test_filters_combine() -> None:
    chosen = ResultFilter(labels=["positive"], group_column="course", groups=["CS1"], search="labs")
    assert _comments(chosen) == ["Great (really) labs"]


def test_top_comments_are_sorted_by_the_labels_score() -> None:
    top = top_comments(_results(), "comment", "positive", count=2)
    assert top["comment"].tolist() == ["Great (really) labs", "GREAT teacher"]
    assert list(top.columns) == ["comment", "score_positive", "copies"]
    assert top_comments(_results(), "comment", "mixed").empty


def test_top_comments_only_list_rows_with_that_label() -> None:
    top = top_comments(_results(), "comment", "neutral", count=5)
    assert top["comment"].tolist() == ["ok"]


def test_top_comments_are_distinct_and_count_their_copies() -> None:
    frame = pd.DataFrame(
        {
            "comment": ["Great course!", "great  course! ", "Great course!", "Loved it", "ok"],
            "label": ["positive"] * 4 + ["neutral"],
            "score_positive": [0.97, 0.99, 0.95, 0.90, 0.2],
        }
    )
    top = top_comments(frame, "comment", "positive", count=5)
    assert top["comment"].tolist() == ["great  course! ", "Loved it"]
    assert top["copies"].tolist() == [3, 1]
    assert top["score_positive"].tolist() == [0.99, 0.90]


def test_the_comments_table_shows_label_and_confidence_first_not_the_scores() -> None:
    table = comments_table(
        _results().assign(model_version="m1", error=["", "", "", "", "empty comment"]),
        "comment",
        ["negative", "neutral", "positive"],
    )
    assert list(table.columns) == ["label", "confidence", "comment", "course", "error"]
    assert table["label"].tolist() == [["positive"], ["negative"], ["positive"], ["neutral"], []]
    assert table["confidence"].tolist()[:4] == [0.8, 0.8, 0.6, 0.4]
