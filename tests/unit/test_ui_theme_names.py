"""A theme the API names "" (a cluster of two or three comments with no keyword of its own) is
shown by a readable name, never as an empty ``**…**`` (which reads ``****``)."""

from __future__ import annotations

from typing import Any

from pipeline.ui import insights, trend
from pipeline.ui.insights import UNNAMED_THEME, theme_list, theme_name


def _theme(name: Any, keywords: list[str]) -> dict[str, Any]:
    return {"id": 1, "label": "negative", "name": name, "keywords": keywords, "quotes": [],
            "size": 3, "share": 0.1, "counts": []}  # fmt: skip


def test_a_theme_without_a_name_or_keywords_is_an_unnamed_theme() -> None:
    listed = theme_list({"themes": [_theme("", []), _theme(None, []), _theme("  ", [])]})
    assert [theme.name for theme in listed.themes] == [UNNAMED_THEME] * 3
    assert UNNAMED_THEME == "(unnamed theme)"


def test_a_theme_without_a_name_is_named_by_its_keywords() -> None:
    listed = theme_list({"themes": [_theme("", ["exams", "", "labs", "grading"])]})
    assert listed.themes[0].name == "exams / labs"
    assert theme_name("workload", ["exams"]) == "workload"


def test_the_themes_over_several_jobs_are_named_for_sentences_table_and_csv() -> None:
    body = {"themes": [_theme("", []), _theme("", ["labs"]), _theme("exams", [])], "n": 3}
    named = trend.named_themes(body)
    assert [theme["name"] for theme in named["themes"]] == [UNNAMED_THEME, "labs", "exams"]
    assert named["n"] == 3
    assert body["themes"][0]["name"] == "", "the cached answer is left as it is"
    assert insights.theme_name("", ()) == UNNAMED_THEME
