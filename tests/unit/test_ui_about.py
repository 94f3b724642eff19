"""The About-what tab's tables: the API's aspect answer read into records, shares that add up,
intervals, the heat map's cells with n and the small mark, and the notes of unfinished jobs."""

from __future__ import annotations

from typing import Any

from pipeline.ui.about import (
    aspect_bars,
    aspect_table,
    heat_cells,
    interval_text,
    polarity_rows,
    progress_note,
)
from pipeline.ui.insights import aspect_summary, theme_list


def _aspect(name: str, negative: int, neutral: int, positive: int) -> dict[str, Any]:
    n = negative + neutral + positive
    counts = {"negative": negative, "neutral": neutral, "positive": positive}
    return {
        "name": name,
        "n": n,
        "counts": counts,
        "shares": {k: v / n if n else None for k, v in counts.items()},
        "intervals": {"negative": [0.1, 0.3], "positive": [0.5, 0.7]},
    }


BODY: dict[str, Any] = {
    "request_id": "r1",
    "complete": False,
    "model_version": "aspects-v1",
    "group_by": "course",
    "rows_labelled": 50,
    "rows_with_aspects": 40,
    "categories": [
        {**_aspect("learning_environment", 1, 1, 1), "meaning": "rooms and equipment"},
        _aspect("exams", 6, 0, 3),
    ],
    "groups": [
        {"group": "BIO9", "n": 4, "small": True, "aspects": [_aspect("exams", 2, 0, 0)]},
        {"group": None, "n": 30, "small": False,
         "aspects": [_aspect("exams", 4, 0, 3), _aspect("learning_environment", 0, 0, 0)]},
    ],
}  # fmt: skip


def test_the_answer_reads_into_records_with_meanings_for_every_part() -> None:
    summary = aspect_summary(BODY)
    assert not summary.complete and not summary.empty
    environment = summary.category("learning_environment")
    assert environment is not None
    assert environment.title == "learning environment"
    assert environment.intervals["neutral"] is None
    assert environment.intervals["negative"] == (0.1, 0.3)
    blank = summary.groups[1]
    assert blank.group is None
    assert blank.of("learning_environment").meaning == "rooms and equipment"  # type: ignore[union-attr]


def test_no_aspect_mentioned_is_empty() -> None:
    assert aspect_summary({**BODY, "rows_with_aspects": 0}).empty
    assert aspect_summary({"categories": [_aspect("exams", 0, 0, 0)], "rows_with_aspects": 3}).empty


def test_the_table_adds_up_to_100_and_gives_the_negative_interval() -> None:
    table = aspect_table(aspect_summary(BODY))
    assert table["aspect"].tolist() == ["learning environment", "exams"]
    assert table[["negative %", "neutral %", "positive %"]].sum(axis=1).tolist() == [100, 100]
    assert table["negative %"].tolist() == [34, 67]
    assert table["negative 95 % interval"].tolist() == ["10–30 %", "10–30 %"]
    detail = polarity_rows(aspect_summary(BODY).categories[1])
    assert detail["share"].tolist() == ["67%", "0%", "33%"]
    assert detail["95 % interval"].tolist() == ["10–30 %", "–", "50–70 %"]


def test_bars_name_each_aspect_with_n_and_mark_small_ones() -> None:
    bars = aspect_bars(aspect_summary(BODY))
    assert list(dict.fromkeys(bars["aspect"])) == [
        "learning environment (n=3, small)",
        "exams (n=9, small)",
    ]
    assert bars.groupby("aspect")["comments"].sum().tolist() == [9, 3]


def test_heat_cells_carry_share_negative_n_and_the_small_mark() -> None:
    cells = heat_cells(aspect_summary(BODY))
    assert cells["group"].tolist() == ["(blank) (n=30)", "BIO9 (n=4, small)"]
    assert cells["cell"].tolist() == ["57% · 7", "100% · 2"]
    assert cells["small"].tolist() == [True, True], "7 comments, and a small group"
    assert cells["group_value"].tolist() == ["(blank)", "BIO9"]
    assert "learning_environment" not in set(cells["category"]), "a cell of 0 comments is left out"
    assert len(heat_cells(aspect_summary(BODY), max_groups=1)) == 1


def test_unfinished_jobs_say_so_and_finished_ones_say_nothing() -> None:
    partial = aspect_summary(BODY)
    assert "still running" in (progress_note(partial, running=True) or "")
    assert "50 comments it labelled" in (progress_note(partial, running=False) or "")
    assert progress_note(aspect_summary({**BODY, "complete": True}), running=False) is None


def test_a_job_stopped_before_its_aspects_says_so_not_that_nothing_was_labelled() -> None:
    """Cancelled while labelling: 450 comments labelled, the aspects of none worked out (they
    come after every label). It said "of the 0 comments it labelled"."""
    none_yet = aspect_summary({**BODY, "complete": False, "rows_labelled": 0})
    note = progress_note(none_yet, running=False, labelled=450) or ""
    assert "stopped before it worked out what its 450 labelled comments are about" in note
    some = aspect_summary({**BODY, "complete": False, "rows_labelled": 50})
    assert "of 50 of the 450 comments it labelled" in (
        progress_note(some, running=False, labelled=450) or ""
    )
    assert "50 comments it labelled" in (progress_note(some, running=False, labelled=50) or "")


def test_intervals_read_as_whole_percentages() -> None:
    assert interval_text((0.0412, 0.2)) == "4–20 %"
    assert interval_text(None) == "–"


def test_themes_read_with_counts_per_group_and_blank_groups() -> None:
    themes = theme_list(
        {
            "label": "negative",
            "n": 12,
            "themes": [
                {"id": 7, "label": "negative", "keywords": ["exams", "unfair", "late"],
                 "quotes": [{"row": 3, "text": "Unfair exams"}], "size": 12, "share": 0.4,
                 "counts": [{"group": "CS1", "count": 9}, {"group": None, "count": 3}]},
            ],
        }
    )  # fmt: skip
    (theme,) = themes.themes
    assert theme.name == "exams / unfair", "named by its first two keywords when unnamed"
    assert theme.count_in("CS1") == 9 and theme.count_in(None) == 3 and theme.count_in("X") == 0
    assert themes.by_id() == {7: theme}
