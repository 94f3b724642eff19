"""Ratings beside the comments, the pure part: reading a rating column's scale (numbers and
Likert words, as course-evaluation exports write them), refusing a column that holds no
ratings with its own values named, Spearman's correlation, the contradictions and the
reversed-scale hint, and what the ratings follow (the aspects whose complaints are rated
lower than the other comments)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu, spearmanr

from pipeline.errors import InputError
from pipeline.ratings.agreement import (
    GroupRatings,
    RatingAgreement,
    agreement,
    contradicts,
    sentiment_of,
    spearman,
)
from pipeline.ratings.drivers import aspect_drivers, mann_whitney_p
from pipeline.ratings.scale import not_rated, parse_scale, read_number, scale_of
from pipeline.ratings.table import agreement_line


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (4, 4.0),
        (4.5, 4.5),
        ("4", 4.0),
        (" 4.5 ", 4.5),
        ("4,5", 4.5),
        ("4/5", 4.0),
        ("8 out of 10", 8.0),
        ("5 - Strongly agree", 5.0),
        ("5. Excellent", 5.0),
        ("(2) Disagree", 2.0),
        ("Agree (4)", 4.0),
        ("3 stars", 3.0),
        ("great", None),
        (True, None),
        (float("nan"), None),
    ],
)
def test_numbers_are_read_as_exports_write_them(value: object, number: float | None) -> None:
    assert read_number(value) == number


def test_a_numeric_scale_is_told_from_its_values() -> None:
    five = scale_of("Q2", ["1", "2", "4", "5 - Strongly agree", "N/A", ""])
    assert (five.worst, five.best) == (1.0, 5.0)
    assert five.position("4") == 0.75 and five.position("1") == 0.0
    assert five.position("9") is None, "off the scale: unreadable, not clipped"
    # nobody gave the top mark: the scale still ends at 5, not at the largest answer
    assert scale_of("Q2", [1, 2, 3, 4, 4]).best == 4.0
    assert scale_of("Q2", [1, 2, 3, 5]).best == 5.0
    assert (scale_of("Q", [0, 3, 8, 9]).worst, scale_of("Q", [0, 3, 8, 9]).best) == (0.0, 10.0)
    assert scale_of("Q", ["3/5", "4/5"]).best == 5.0, "'of 5' says where it ends"
    assert scale_of("Q", [55, 80, 99]).best == 100.0


def test_a_given_scale_wins_and_may_put_the_best_first() -> None:
    german = parse_scale("5-1")
    assert german.position(1) == 1.0 and german.position(5) == 0.0
    assert scale_of("Note", [1, 2, 2, 3], german) is german
    assert parse_scale("0 to 10").best == 10.0
    for bad in ("abc", "5", "3-3"):
        with pytest.raises(InputError, match="scale"):
            parse_scale(bad)


@pytest.mark.parametrize(
    ("values", "name", "positions"),
    [
        (
            ["Strongly agree", "agree", "Neither agree nor disagree", "Disagree"],
            "agreement",
            [1.0, 0.75, 0.5, 0.25],
        ),
        (
            ["Strongly agree", "Somewhat agree", "Neutral"],
            "agreement (7 points)",
            [1.0, 4 / 6, 0.5],
        ),
        (["Very satisfied", "Dissatisfied"], "satisfaction", [1.0, 0.25]),
        (["Excellent", "Very good", "Poor"], "quality", [1.0, 0.75, 0.0]),
        (["Excellent", "Very poor", "Poor"], "quality (very poor)", [1.0, 0.0, 0.25]),
        (["Above average", "Below average"], "quality (average)", [0.75, 0.25]),
    ],
)
def test_likert_words_read_on_the_scale_that_holds_them_all(
    values: list[str], name: str, positions: list[float]
) -> None:
    scale = scale_of("Q", values)
    assert scale.name == name
    assert [scale.position(v) for v in values] == pytest.approx(positions)


def test_words_are_read_whatever_their_case_and_spacing() -> None:
    scale = scale_of("Q", ["Strongly agree", "Disagree"])
    assert scale.position("  STRONGLY   agree ") == 1.0
    assert scale.position("Excellent") is None, "a word of another scale"


def test_answers_that_give_no_rating_are_not_rated_nor_unreadable() -> None:
    for value in (None, float("nan"), "", " N/A ", "Don’t know", "Prefer not to say", "-"):
        assert not_rated(value)
    assert not not_rated("3")


def test_a_column_that_holds_no_ratings_is_refused_with_its_values_named() -> None:
    with pytest.raises(InputError) as refused:
        scale_of("course", ["CHEM110", "PHYS201", "CHEM110", "5"])
    message = str(refused.value)
    assert "'course' does not read as a rating" in message
    assert "3 of 4 answers" in message and "'CHEM110', 'PHYS201'" in message
    with pytest.raises(InputError, match="numbers run from 2019 to 2024"):
        scale_of("Year", [2019, 2024])
    with pytest.raises(InputError, match="every value is blank or N/A"):
        scale_of("Q9", ["", "N/A", None])
    with pytest.raises(InputError, match="2 of 3 answers are not ratings on a scale of 1"):
        scale_of("Q2", [3, 7, 9], parse_scale("1-5"))
    # a few stray answers do not refuse the column: they are counted apart
    assert scale_of("Q2", [1, 2, 3, 4, 5, "see comment"]).best == 5.0


def test_spearman_matches_scipy_with_ties_and_needs_enough_pairs() -> None:
    rng = np.random.default_rng(3)
    ratings = rng.integers(1, 6, 80).astype(float)
    sentiment = ratings / 5 + rng.normal(0, 0.4, 80)
    assert spearman(ratings, sentiment) == pytest.approx(spearmanr(ratings, sentiment)[0])
    assert spearman(ratings[:9], sentiment[:9]) is None, "under 10: too few to tell"
    assert spearman(np.full(20, 4.0), sentiment[:20]) is None, "constant ratings"


def test_sentiment_comes_from_the_scores_or_else_the_label() -> None:
    assert sentiment_of("positive", {"negative": 0.1, "neutral": 0.2, "positive": 0.7}) == (
        pytest.approx(0.6)
    )
    assert sentiment_of("negative", None) == -1.0
    assert sentiment_of("neutral", {}) == 0.0


def test_only_the_top_or_bottom_quarter_against_the_opposite_label_contradicts() -> None:
    assert contradicts(1.0, "negative") and contradicts(0.75, "negative")
    assert contradicts(0.0, "positive") and contradicts(0.25, "positive")
    assert not contradicts(0.5, "negative") and not contradicts(0.5, "positive")
    assert not contradicts(1.0, "positive") and not contradicts(1.0, "neutral")


def _group(name: str, pairs: list[tuple[float, str]], unrated: int = 0) -> GroupRatings:
    group = GroupRatings(name=name)
    for position, label in pairs:
        group.add(position, label, sentiment_of(label, None))
    for _ in range(unrated):
        group.add(None, "neutral", 0.0)
    return group


def test_a_group_whose_ratings_fall_as_comments_warm_reads_reversed() -> None:
    follows = [(1.0, "positive"), (0.0, "negative")] * 8
    reverse = [(0.0, "positive"), (1.0, "negative")] * 8
    noise = [(1.0, "positive"), (1.0, "negative"), (0.0, "positive"), (0.0, "negative")] * 3
    found = {
        g.name: g
        for g in agreement([_group("A", follows, 2), _group("B", reverse), _group("C", noise)])
    }
    assert found["A"].correlation == pytest.approx(1.0) and not found["A"].reads_reversed
    assert (found["A"].rated, found["A"].unrated, found["A"].mean_position) == (16, 2, 0.5)
    assert found["A"].high == found["A"].low == 8
    assert found["B"].reads_reversed and found["B"].correlation == pytest.approx(-1.0)
    assert found["B"].high_but_negative == found["B"].low_but_positive == 8
    assert found["C"].correlation == pytest.approx(0.0) and not found["C"].reads_reversed
    assert found["B"].adjusted_p is not None and found["B"].adjusted_p >= found["B"].p_value
    small = agreement([_group("D", reverse[:6])])[0]
    assert small.correlation is None and not small.reads_reversed, "too few to say"
    assert "FALL" in agreement_line({**_figures(found["B"]), "mean": 3.0})


def _figures(found: RatingAgreement) -> dict[str, object]:
    return {
        "correlation": found.correlation,
        "reads_reversed": found.reads_reversed,
        "high_but_negative": found.high_but_negative,
        "low_but_positive": found.low_but_positive,
    }


def test_mann_whitney_matches_scipy_with_ties() -> None:
    rng = np.random.default_rng(5)
    low = rng.integers(1, 4, 30).astype(float)
    rest = rng.integers(2, 6, 90).astype(float)
    expected = mannwhitneyu(low, rest, alternative="two-sided", method="asymptotic").pvalue
    assert mann_whitney_p(low, rest) == pytest.approx(expected, rel=1e-9)
    assert mann_whitney_p(np.full(6, 3.0), np.full(8, 3.0)) == 1.0, "all tied"


def test_the_aspect_whose_complaints_are_rated_lowest_comes_first_beyond_the_noise() -> None:
    positions, about = [], []
    for i in range(40):
        positions.append(0.0 if i % 4 else 0.25)
        about.append({"exams": "negative"})
        positions.append(1.0 if i % 3 else 0.75)
        about.append({"teaching": "positive", "exams": "positive" if i % 2 else "neutral"})
    for i in range(6):  # a few complaints about the workload, rated like everyone else
        positions.append(0.5 + 0.1 * (i % 2))
        about.append({"workload": "negative"})
    positions.append(0.5)
    about.append({"materials": "negative"})  # one comment: not tested
    found = {driver.aspect: driver for driver in aspect_drivers(positions, about)}
    ordered = [driver.aspect for driver in aspect_drivers(positions, about)]
    assert ordered[0] == "exams" and ordered[-1] == "materials"
    exams = found["exams"]
    assert (exams.negative, exams.positive) == (40, 20)
    assert exams.mean_negative == pytest.approx(0.0625)
    assert exams.difference is not None and exams.difference < -0.5 and exams.flagged
    assert found["teaching"].p_value is None, "nobody negative about it"
    assert found["materials"].p_value is None and not found["materials"].flagged
    assert not found["workload"].flagged
    assert found["workload"].adjusted_p is not None
    assert found["workload"].adjusted_p >= (found["workload"].p_value or 0.0)
