"""Theme names, keywords and quotes a reader can trust (found by the first insights bug hunt):
a theme of unrelated comments is named "mixed comments", never ""; keywords are words the
students wrote (no link pieces, an emoji as itself and not its name, no "great great", no
"na"); a negated word is no keyword of its own; a long comment is quoted cut, after comments
of a readable length. Also what the CLI says when there is no theme or aspect to show."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.cli import insight_tables
from pipeline.themes import MIXED_THEME, find_themes
from pipeline.themes.find import MIN_COVERAGE
from pipeline.themes.quotes import CUT_MARK, MAX_QUOTE_WORDS, QUOTE_CHARS, shown_quote
from pipeline.themes.report import Theme, theme_name
from pipeline.themes.terms import terms


def unit_vectors(count: int, seed: int = 0, spread: float = 0.05) -> np.ndarray:
    """``count`` vectors close to one direction: one theme's worth of comments."""
    rng = np.random.default_rng(seed)
    vectors = np.eye(8, dtype=np.float32)[0] + rng.normal(0, spread, (count, 8))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_a_theme_of_unrelated_comments_is_named_mixed_not_left_blank() -> None:
    texts = ["The exams were unfair.", "Boring lectures.", "Too much homework."]
    report = find_themes(texts, unit_vectors(3), ["negative"] * 3)
    (theme,) = report.themes
    assert theme.keywords == () and theme.coverage == 0.0
    assert (theme.name, theme.named) == (MIXED_THEME, False)
    record = json.loads(json.dumps(report.to_dict()))["themes"][0]
    assert (record["name"], record["named"], record["keywords"]) == (MIXED_THEME, False, [])


def test_a_labels_only_theme_under_the_coverage_rule_is_not_named_by_its_keywords() -> None:
    texts = ["the exam was hard", "exam was late", *[f"zz{c}q yy{c}w" for c in "abcdefgh"]]
    (theme,) = find_themes(texts, unit_vectors(len(texts)), ["x"] * len(texts)).themes
    assert theme.keywords[:1] == ("exam",) and theme.coverage == pytest.approx(0.2)
    assert not theme.named and theme.name == MIXED_THEME
    assert theme.to_record()["coverage"] == pytest.approx(0.2)  # the real figure, not hidden


def test_every_theme_named_by_keywords_meets_the_coverage_rule() -> None:
    texts = ["the lab ran late", "lab was late", "late lab again", "the lab", "labs late"]
    (theme,) = find_themes(texts, unit_vectors(5), ["x"] * 5).themes
    assert theme.named and theme.coverage >= MIN_COVERAGE
    assert theme.name == theme_name(theme.keywords) == "lab / late"
    assert theme_name(()) == MIXED_THEME


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        (
            "Check http://example.com/slides for the slides",
            {"http", "example", "com", "check http"},
        ),
        (
            "labs: see www.uni.edu/notes and notes.example.org",
            {"www", "uni", "edu", "org", "example"},
        ),
        ("write to prof@ or @tutor about the notes", {"prof", "tutor"}),
        ("Great great great great course 😂", {"great great", "face", "tears", "joy"}),
        ("Loved it 👍 😀", {"thumbs", "up", "grinning", "face"}),
        ("na, the exam was ok I guess", {"na", "na exam"}),
        ("nil. nope, idk, labs", {"nil", "nope", "idk"}),
    ],
)
def test_keywords_are_words_the_students_wrote(text: str, unwanted: set[str]) -> None:
    found = set(terms(text))
    assert not found & unwanted, found
    assert found, "the comment's own words are still terms"
    assert all(" " not in term or term.split()[0] != term.split()[1] for term in found)


def test_the_comments_own_words_survive_the_link_and_emoji_rules() -> None:
    assert terms("Check http://example.com/slides for the slides") == [
        "check",
        "slide",
        "check slide",
    ]
    assert terms("Great great great great course 😂") == ["great"] * 4 + ["😂", "great 😂"]
    assert terms("Loved it 👍🏽 👍") == ["loved", "👍", "👍", "loved 👍"]
    assert "café" in terms("the café was great")


@pytest.mark.parametrize(
    ("text", "pair", "negated"),
    [
        ("The TA was not helpful at all.", "not helpful", "helpful"),
        ("Explanations were never clear", "never clear", "clear"),
        ("Not recommended.", "not recommended", "recommended"),
        ("There was no feedback on essays", "no feedback", "feedback"),
        ("The tutorial wasn't useful", "not useful", "useful"),
    ],
)
def test_a_negated_word_is_only_part_of_its_negation(text: str, pair: str, negated: str) -> None:
    found = terms(text)
    assert pair in found
    assert negated not in found and not any(t.startswith(f"{negated} ") for t in found)


def test_a_theme_whose_comments_all_negate_a_word_is_not_named_by_that_word() -> None:
    texts = [
        "The TA was not helpful.",
        "Office hours were not helpful at all.",
        "The slides were not helpful.",
        "Tutorials not helpful.",
        "The forum was not helpful.",
        "The book was not helpful either.",
    ]
    (theme,) = find_themes(texts, unit_vectors(len(texts)), ["negative"] * len(texts)).themes
    assert theme.keywords[0] == "not helpful"
    assert "helpful" not in theme.keywords


def test_a_long_quote_is_cut_at_a_word_with_an_ellipsis() -> None:
    text = "The homework took forever and the feedback came late. " * 300
    shown = shown_quote(text)
    assert shown.endswith(CUT_MARK) and len(shown) <= QUOTE_CHARS + len(CUT_MARK)
    assert text.startswith(shown[: -len(CUT_MARK)]) and text[len(shown) - 1] == " "
    assert shown_quote(shown) == shown  # a report may cut a stored quote again
    assert shown_quote("Short and readable.") == "Short and readable."


def test_a_cut_never_leaves_half_a_personal_detail() -> None:
    lead = "x" * (QUOTE_CHARS - 12) + " call me on "
    shown = shown_quote(lead + "+44 7700 900 123 any time " + "y " * 100)
    assert "7700" not in shown and "+44" not in shown
    assert shown.endswith(CUT_MARK)


def test_a_very_long_comment_is_quoted_only_after_comments_of_a_readable_length() -> None:
    long = "The homework took forever and the feedback came late. " * 300
    texts = [long, *[f"the homework took forever in week {n}" for n in range(6)]]
    vectors = unit_vectors(len(texts))
    vectors[0] = np.eye(8, dtype=np.float32)[0]  # the most central comment of all
    (theme,) = find_themes(texts, vectors, ["negative"] * len(texts)).themes
    assert len(long.split()) > MAX_QUOTE_WORDS
    assert 0 not in [quote.row for quote in theme.quotes]


def test_a_long_comment_quoted_for_want_of_another_is_cut_and_keeps_its_row() -> None:
    long = "The homework took forever and the feedback came late. " * 300
    (theme,) = find_themes([long], unit_vectors(1), ["negative"]).themes
    (quote,) = theme.quotes
    assert quote.row == 0 and quote.text.endswith(CUT_MARK) and len(quote.text) < 1000


def _theme_body(theme: dict[str, object], **filters: object) -> dict[str, object]:
    return {
        "request_id": "job1",
        "label": None,
        "aspect": None,
        "group_by": None,
        "group": None,
        "seed": 0,
        "diversity": 1.0,
        "n": 3,
        "themes": [theme],
        **filters,
    }


def test_the_cli_says_why_a_theme_has_no_name() -> None:
    theme = Theme(0, "negative", (), (), 3, 1.0, 0.0).to_record()
    lines = insight_tables.themes_text(_theme_body(theme), 200).splitlines()
    assert lines[2] == "negative #0  mixed comments: 3 comments, 100.0% of the label's"
    assert lines[3] == "  keywords: none: no word is in two of its comments"
    low = Theme(0, "negative", ("exam",), (), 10, 1.0, 0.2).to_record()
    lines = insight_tables.themes_text(_theme_body(low), 200).splitlines()
    assert lines[3] == "  keywords: exam (in 20% of its comments: too few to name it)"
    older = {**theme, "name": ""}  # stored before themes were named "mixed comments"
    del older["named"]
    assert "mixed comments:" in insight_tables.themes_text(_theme_body(older), 200)
    assert insight_tables.MIXED_THEME == MIXED_THEME


def test_no_theme_says_whether_a_filter_or_the_job_left_none() -> None:
    empty = {**_theme_body({}), "themes": [], "n": 0, "group_by": "course"}
    assert insight_tables.themes_text(empty, 200).splitlines()[1] == (
        "no themes: the job has no labelled comment"
    )
    for given in ({"label": "negative"}, {"aspect": "exams"}, {"group": "CHEM110"}):
        lines = insight_tables.themes_text({**empty, **given}, 200).splitlines()
        assert lines[1] == "no themes: no labelled comment matches these filters"


@pytest.mark.parametrize(
    ("complete", "labelled", "said"),
    [
        (True, 0, "no aspects: the job has no labelled comment"),
        (True, 1_200, "no aspects: none of the job's 1,200 labelled comments is about an aspect"),
        (True, 1, "no aspects: the job's one labelled comment is about none"),
        (False, 5, "no comment labelled so far is about an aspect"),
    ],
)
def test_no_aspect_says_what_is_true_of_the_job(complete: bool, labelled: int, said: str) -> None:
    body = {
        "request_id": "job1",
        "complete": complete,
        "model_version": "aspects-1",
        "rows_labelled": labelled,
        "rows_with_aspects": 0,
        "categories": [{"name": "exams", "n": 0, "counts": {}, "shares": {}}],
        "groups": [],
    }
    assert insight_tables.aspects_table(body, 200).splitlines()[1] == said
