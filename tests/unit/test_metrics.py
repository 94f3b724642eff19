"""Validation figures on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.metrics import (
    binary_accuracy,
    classification_report,
    expected_calibration_error,
)

LABELS = ("negative", "neutral", "positive")
ONE_HOT = {
    "negative": [0.8, 0.1, 0.1],
    "neutral": [0.1, 0.8, 0.1],
    "positive": [0.1, 0.1, 0.8],
}


def _probs(predicted: list[str]) -> np.ndarray:
    return np.array([ONE_HOT[name] for name in predicted])


def test_three_class_report_matches_hand_computation() -> None:
    gold = ["negative", "negative", "positive", "positive", "neutral"]
    predicted = ["negative", "positive", "positive", "positive", "negative"]

    report = classification_report(_probs(predicted), gold, LABELS)

    assert report["n"] == 5
    assert report["accuracy"] == pytest.approx(3 / 5)
    # rows gold, columns predicted
    assert report["confusion"] == {
        "labels": list(LABELS),
        "matrix": [[1, 0, 1], [1, 0, 0], [0, 0, 2]],
    }
    neg, neu, pos = (report["per_class"][name] for name in LABELS)
    assert (neg["precision"], neg["recall"], neg["f1"], neg["support"]) == pytest.approx(
        (0.5, 0.5, 0.5, 2)
    )
    assert (neu["precision"], neu["recall"], neu["f1"], neu["support"]) == (0.0, 0.0, 0.0, 1)
    assert pos["precision"] == pytest.approx(2 / 3)
    assert pos["recall"] == pytest.approx(1.0)
    assert pos["f1"] == pytest.approx(0.8)
    # neutral is in the gold, so its F1 of 0 counts
    assert report["macro_f1"] == pytest.approx((0.5 + 0.0 + 0.8) / 3)


def test_macro_f1_skips_a_class_absent_from_gold_and_predictions() -> None:
    gold = ["negative", "positive", "positive", "negative"]
    predicted = ["negative", "positive", "negative", "negative"]

    report = classification_report(_probs(predicted), gold, LABELS)

    # negative: P 2/3, R 1, F1 0.8; positive: P 1, R 1/2, F1 2/3; neutral absent: left out
    assert report["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert report["per_class"]["neutral"]["support"] == 0
    assert report["accuracy"] == pytest.approx(0.75)


def test_macro_f1_of_a_binary_set_leaves_out_a_class_that_is_only_predicted() -> None:
    gold = ["negative", "positive"]
    predicted = ["neutral", "positive"]

    report = classification_report(_probs(predicted), gold, LABELS)

    # negative F1 0 (its one row went to neutral), positive F1 1; neutral is not in the
    # gold, so its F1 of 0 is not averaged in a second time
    assert report["macro_f1"] == pytest.approx(1 / 2)
    assert report["per_class"]["neutral"]["precision"] == 0.0


def test_binary_accuracy_compares_positive_with_negative_on_polar_rows_only() -> None:
    probs = np.array(
        [
            [0.1, 0.6, 0.3],  # gold positive: argmax neutral, but P(pos) > P(neg): right
            [0.5, 0.1, 0.4],  # gold positive: P(pos) < P(neg): wrong
            [0.3, 0.6, 0.1],  # gold negative: right
            [0.9, 0.05, 0.05],  # gold neutral: not counted
        ]
    )
    y_true = np.array([2, 2, 0, 1])

    assert binary_accuracy(probs, y_true, LABELS) == pytest.approx(2 / 3)


def test_binary_accuracy_is_none_without_polar_rows_or_labels() -> None:
    probs = np.array([[0.2, 0.6, 0.2]])
    assert binary_accuracy(probs, np.array([1]), LABELS) is None
    assert binary_accuracy(probs, np.array([1]), ("bad", "meh", "good")) is None


def test_report_includes_binary_accuracy() -> None:
    report = classification_report(
        np.array([[0.1, 0.6, 0.3], [0.7, 0.2, 0.1]]), ["positive", "positive"], LABELS
    )
    assert report["accuracy"] == 0.0
    assert report["binary_accuracy"] == pytest.approx(0.5)


def test_ece_weights_the_confidence_gap_of_each_bin() -> None:
    probs = np.array(
        [
            [0.6, 0.3, 0.1],  # confidence 0.6, right
            [0.6, 0.3, 0.1],  # confidence 0.6, right
            [0.05, 0.05, 0.9],  # confidence 0.9, right
            [0.05, 0.05, 0.9],  # confidence 0.9, wrong
        ]
    )
    y_true = np.array([0, 0, 2, 1])

    # bin 0.6: |0.6 - 1.0| * 2/4 = 0.2; bin 0.9: |0.9 - 0.5| * 2/4 = 0.2
    assert expected_calibration_error(probs, y_true) == pytest.approx(0.4)
    # with one bin everything pools: |mean conf 0.75 - accuracy 0.75| = 0
    assert expected_calibration_error(probs, y_true, bins=1) == pytest.approx(0.0)


def test_ece_of_a_calibrated_and_an_overconfident_model() -> None:
    calibrated = np.array([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])
    assert expected_calibration_error(calibrated, np.array([0, 1])) == pytest.approx(0.0)
    overconfident = np.array([[0.99, 0.005, 0.005]] * 4)
    assert expected_calibration_error(overconfident, np.array([1, 1, 1, 1])) == pytest.approx(0.99)


def test_empty_inputs_give_zeros() -> None:
    assert expected_calibration_error(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)) == 0.0
    report = classification_report(np.zeros((0, 3)), [], LABELS)
    assert report["n"] == 0
    assert report["accuracy"] == 0.0
    assert report["macro_f1"] == 0.0
    assert report["binary_accuracy"] is None
