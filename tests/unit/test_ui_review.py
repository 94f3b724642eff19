"""Low-confidence selection and the corrections CSV that training reads back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.model.data import load_labelled_csv
from pipeline.ui.review import (
    COPIES,
    CORRECT_LABEL,
    FALLBACK_THRESHOLD,
    LOWEST_THRESHOLD,
    REVIEWED,
    correction_counts,
    corrections_csv,
    low_confidence,
    starting_threshold,
    with_confidence,
)


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "comment": ["sure yes", "hmm maybe", "unsure", '=1+1 odd, "quoted"', ""],
            "label": ["positive", "neutral", "negative", "positive", ""],
            "score_negative": [0.05, 0.30, 0.40, 0.33, float("nan")],
            "score_neutral": [0.05, 0.45, 0.25, 0.33, float("nan")],
            "score_positive": [0.90, 0.25, 0.35, 0.34, float("nan")],
        }
    )


def test_confidence_is_the_probability_of_the_chosen_label() -> None:
    confidence = with_confidence(_results())["confidence"].tolist()
    assert confidence[:4] == [0.90, 0.45, 0.40, 0.34]
    assert pd.isna(confidence[4])


def test_low_confidence_lists_unscored_rows_never_and_the_least_sure_first() -> None:
    rows = low_confidence(_results(), "comment", threshold=0.5)
    assert rows["comment"].tolist() == ['=1+1 odd, "quoted"', "unsure", "hmm maybe"]
    assert rows[CORRECT_LABEL].tolist() == rows["label"].tolist()
    assert not rows[REVIEWED].any()
    assert low_confidence(_results(), "comment", threshold=0.5, limit=1).shape[0] == 1


def test_corrections_round_trip_through_the_training_loader(tmp_path: Path) -> None:
    rows = low_confidence(_results(), "comment", threshold=0.5)
    rows[REVIEWED] = [True, True, False]
    rows[CORRECT_LABEL] = ["neutral", "negative", "positive"]
    path = tmp_path / "corrections.csv"
    path.write_bytes(corrections_csv(rows, "comment"))

    loaded = load_labelled_csv(path)

    assert loaded.to_dict("records") == [
        {"text": '=1+1 odd, "quoted"', "label": "neutral"},
        {"text": "unsure", "label": "negative"},
    ]
    assert correction_counts(rows) == (2, 1)


def test_a_reviewed_row_without_a_label_is_refused_by_name() -> None:
    rows = low_confidence(_results(), "comment", threshold=0.5)
    rows[REVIEWED] = True
    rows[CORRECT_LABEL] = [None, "neutral", "neutral"]
    with pytest.raises(InputError, match="odd"):
        corrections_csv(rows, "comment")


def test_nothing_reviewed_gives_a_header_only_csv() -> None:
    rows = low_confidence(_results(), "comment", threshold=0.5)
    assert corrections_csv(rows, "comment") == b"text,label\n"
    assert correction_counts(rows) == (0, 0)


def test_review_starts_at_the_models_calibrated_threshold() -> None:
    assert starting_threshold(0.834) == 0.83
    assert starting_threshold(None) == FALLBACK_THRESHOLD
    assert starting_threshold(0.2) == LOWEST_THRESHOLD


def test_a_comment_written_many_times_is_one_row_to_review() -> None:
    """An export where 132 students wrote "Nothing, keep it as it is." once filled the whole
    review list with that one comment; it is listed once, with how many rows wrote it, and
    comments differing only in case or spacing are the same comment."""
    kept = "Nothing, keep it as it is."
    same = [kept, "nothing, keep it  as it is.", kept]
    frame = pd.DataFrame(
        {
            "comment": [*same, "hmm maybe"],
            "label": ["negative", "negative", "negative", "neutral"],
            "score_negative": [0.65, 0.65, 0.65, 0.30],
            "score_neutral": [0.30, 0.30, 0.30, 0.45],
            "score_positive": [0.05, 0.05, 0.05, 0.25],
        }
    )

    rows = low_confidence(frame, "comment", threshold=0.7)

    assert rows["comment"].tolist() == ["hmm maybe", "Nothing, keep it as it is."]
    assert rows[COPIES].tolist() == [1, 3]
    assert low_confidence(frame, "comment", threshold=0.7, limit=1)["comment"].tolist() == [
        "hmm maybe"
    ]
