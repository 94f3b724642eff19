"""Temperature scaling, ECE and the review threshold on synthetic logits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelLoadError
from pipeline.model.calibrate import calibration_section
from pipeline.model.calibration import (
    fit_temperature,
    negative_log_likelihood,
    review_threshold,
    scaled_probabilities,
)
from pipeline.model.card import render_readme
from pipeline.model.loading import _calibration
from pipeline.model.metrics import expected_calibration_error


def synthetic(
    true_temperature: float, n: int = 6000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose labels are drawn from softmax(logits / true_temperature): the fitted
    temperature must come back near ``true_temperature``."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 3.0, size=(n, 3))
    probs = scaled_probabilities(logits, true_temperature)
    y_true = np.array([rng.choice(3, p=row) for row in probs])
    return logits, y_true


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 2.5])
def test_fit_recovers_the_temperature(true_temperature: float) -> None:
    logits, y_true = synthetic(true_temperature)
    assert fit_temperature(logits, y_true) == pytest.approx(true_temperature, rel=0.08)


def test_fit_minimises_the_nll() -> None:
    logits, y_true = synthetic(2.0)
    fitted = fit_temperature(logits, y_true)
    best = negative_log_likelihood(logits, y_true, fitted)
    for other in (fitted * 0.8, fitted * 1.25, 1.0):
        assert best < negative_log_likelihood(logits, y_true, other)


def test_scaling_keeps_labels_and_lowers_ece_of_an_overconfident_model() -> None:
    logits, y_true = synthetic(2.5)
    fitted = fit_temperature(logits, y_true)
    before = scaled_probabilities(logits, 1.0)
    after = scaled_probabilities(logits, fitted)
    assert (before.argmax(axis=1) == after.argmax(axis=1)).all()
    assert expected_calibration_error(before, y_true) > 0.1
    assert expected_calibration_error(after, y_true) < 0.03


def test_weights_let_each_set_count_the_same() -> None:
    hot, hot_y = synthetic(3.0, n=4000, seed=1)
    cold, cold_y = synthetic(0.5, n=400, seed=2)
    logits, y_true = np.concatenate([hot, cold]), np.concatenate([hot_y, cold_y])
    plain = fit_temperature(logits, y_true)
    weights = np.concatenate([np.full(4000, 1 / 4000), np.full(400, 1 / 400)])
    balanced = fit_temperature(logits, y_true, weights)
    assert balanced < plain


def test_ece_of_perfectly_calibrated_bins_is_zero() -> None:
    probs = np.array([[0.8, 0.2, 0.0]] * 5)
    y_true = np.array([0, 0, 0, 0, 1])
    assert expected_calibration_error(probs, y_true) == pytest.approx(0.0)
    assert expected_calibration_error(probs, np.array([1, 1, 1, 1, 1])) == pytest.approx(0.8)


def test_review_threshold_is_where_local_accuracy_falls_under_the_target() -> None:
    confidence = np.array([0.40, 0.45, 0.50, 0.55, 0.60, 0.70, 0.80, 0.90, 0.95, 0.99])
    correct = np.array([0, 0, 1, 0, 1, 1, 0, 1, 1, 1], dtype=bool)
    # Bins of two from the top: (0.95, 0.99) 2/2, (0.80, 0.90) 1/2, (0.60, 0.70) 2/2,
    # (0.50, 0.55) 1/2, (0.40, 0.45) 0/2.
    assert review_threshold(confidence, correct, target=0.7, bin_size=2) == pytest.approx(0.95)
    assert review_threshold(confidence, correct, target=0.5, bin_size=2) == pytest.approx(0.50)


def test_review_threshold_of_calibrated_scores_lands_near_the_target() -> None:
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.34, 1.0, size=20000)
    correct = rng.uniform(size=confidence.size) < confidence  # calibrated by construction
    threshold = review_threshold(confidence, correct, target=0.7)
    assert 0.6 < threshold < 0.8
    # what "accuracy of everything below the cut" would flag: nearly every row
    cumulative = np.cumsum(correct[np.argsort(confidence)]) / np.arange(1, confidence.size + 1)
    assert (cumulative < 0.7).mean() > (confidence < threshold).mean() + 0.2


def test_review_threshold_of_a_model_that_is_always_right_leaves_nothing_below() -> None:
    confidence = np.array([0.5, 0.7, 0.9])
    assert review_threshold(confidence, np.ones(3, dtype=bool)) == pytest.approx(0.5)


def test_review_threshold_of_a_model_wrong_at_the_top_reviews_everything() -> None:
    confidence = np.array([0.5, 0.9, 0.95])
    correct = np.array([True, True, False])
    assert review_threshold(confidence, correct, target=0.7, bin_size=1) == pytest.approx(1.0)


def test_calibration_section_reports_each_set() -> None:
    logits, y_true = synthetic(2.0, n=3000)
    log_probs = np.log(scaled_probabilities(logits, 1.0))
    section = calibration_section(
        {"a": log_probs[:2000], "b": log_probs[2000:]}, {"a": y_true[:2000], "b": y_true[2000:]}
    )
    assert section["temperature"] == pytest.approx(2.0, rel=0.1)
    assert section["fitted_on"] == {"a": 2000, "b": 1000}
    for name in ("a", "b"):
        assert section["ece_after"][name] < section["ece_before"][name]
    assert 1 / 3 <= section["low_confidence"] <= 1.0
    readme = render_readme({"calibration": section, "labels": ["negative", "neutral", "positive"]})
    assert "## Calibration" in readme and "| a | 2000 |" in readme


def test_card_calibration_is_read_and_checked(tmp_path: Path) -> None:
    assert _calibration({}, tmp_path) == {"temperature": 1.0, "low_confidence": None}
    card = {"calibration": {"temperature": 1.7, "low_confidence": 0.81}}
    assert _calibration(card, tmp_path) == {"temperature": 1.7, "low_confidence": 0.81}
    for wrong in ({"temperature": 0}, {"temperature": "hot"}, {"low_confidence": 1.5}):
        with pytest.raises(ModelLoadError, match="calibrate"):
            _calibration({"calibration": wrong}, tmp_path)
