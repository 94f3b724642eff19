"""Result filters and the most positive / negative comments."""

from __future__ import annotations

import pandas as pd

from pipeline.ui.explore import (
    NO_LABEL,
    ResultFilter,
    categories,
    comments_table,
    filter_results,
    has_explanations,
    tag_options,
    top_comments,
)
from pipeline.ui.palette import LABEL_COLOURS

LABELS = ["negative", "neutral", "positive"]


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


def _with_insights() -> pd.DataFrame:
    return _results().assign(
        aspects=["teaching;exams", "workload", "", "exams", ""],
        aspect_sentiments=["teaching:positive;exams:negative", "workload:negative", "",
                           "exams:bad", ""],
        theme=["2", "0", "2", "3", ""],
        explanation=["Great:+0.50", "", "", "", ""],
    )  # fmt: skip


def test_filter_by_aspect_and_by_theme() -> None:
    rows = _with_insights()
    by_aspect = filter_results(rows, "comment", ResultFilter(aspects=["exams"]))
    assert by_aspect["comment"].tolist() == ["Great (really) labs", "ok"]
    negative = ResultFilter(aspects=["exams", "workload"], aspect_polarity="negative")
    assert filter_results(rows, "comment", negative)["comment"].tolist() == [
        "Great (really) labs",
        "boring",
    ], "what a positive comment says against its exams counts, a malformed cell does not"
    by_theme = filter_results(rows, "comment", ResultFilter(theme="2", labels=["positive"]))
    assert by_theme["comment"].tolist() == ["Great (really) labs", "GREAT teacher"]
    assert len(filter_results(_results(), "comment", ResultFilter(aspects=["exams"]))) == 5, (
        "results without aspects are not filtered by them"
    )


def test_the_table_shows_aspects_as_tags_with_polarity_and_themes_by_name() -> None:
    table = comments_table(_with_insights(), "comment", LABELS, {"2": "labs / great (positive)"})
    assert list(table.columns[:5]) == ["label", "confidence", "comment", "aspects", "theme"]
    assert table["aspects"].tolist()[:2] == [["teaching: positive", "exams: negative"],
                                             ["workload: negative"]]  # fmt: skip
    assert table["aspects"].tolist()[3] == ["exams"], "a malformed polarity shows the name alone"
    assert table["theme"].tolist() == ["labs / great (positive)", "", "labs / great (positive)",
                                       "", ""]  # fmt: skip
    assert not {"aspect_sentiments", "explanation"} & set(table.columns)
    assert "theme" not in comments_table(_with_insights(), "comment", LABELS).columns


def test_aspect_tags_are_coloured_by_polarity_and_categories_come_from_the_rows() -> None:
    options, colours = tag_options(["exams"], LABELS)
    assert options == ["exams: negative", "exams: neutral", "exams: positive"]
    assert colours == [LABEL_COLOURS[x] for x in LABELS]
    assert categories(_with_insights()) == ["exams", "teaching", "workload"]
    assert categories(_results()) == []


def test_explanations_are_present_only_when_a_row_has_one() -> None:
    assert has_explanations(_with_insights())
    assert not has_explanations(_with_insights().iloc[1:])
    assert not has_explanations(_results())
