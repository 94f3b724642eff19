"""Validation figures computed from class probabilities: pure numpy, no model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ECE_BINS = 15


def classification_report(
    probs: np.ndarray, gold: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1, confusion matrix, binary accuracy and ECE.

    Macro-F1 averages the classes the gold holds: a binary data set (SST-2) is not
    penalised twice for a neutral class it does not have (each neutral prediction already
    costs the recall of the class the row is).
    """
    labels = list(labels)
    index = {name: i for i, name in enumerate(labels)}
    y_true = np.array([index[g] for g in gold], dtype=np.int64)
    y_pred = probs.argmax(axis=1)
    k = len(labels)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    per_class: dict[str, dict[str, float | int]] = {}
    f1s = []
    for i, name in enumerate(labels):
        tp = confusion[i, i]
        predicted = confusion[:, i].sum()
        actual = confusion[i, :].sum()
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = {
            "precision": float(precision),
            "recall": float(recall),
            "f1": float(f1),
            "support": int(actual),
        }
        if actual:
            f1s.append(f1)
    return {
        "n": len(y_true),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "per_class": per_class,
        "confusion": {"labels": labels, "matrix": confusion.tolist()},
        "binary_accuracy": binary_accuracy(probs, y_true, labels),
        "ece": expected_calibration_error(probs, y_true),
    }


def binary_accuracy(probs: np.ndarray, y_true: np.ndarray, labels: Sequence[str]) -> float | None:
    """On positive/negative rows: is P(positive) > P(negative) exactly when gold is positive?"""
    labels = list(labels)
    if "positive" not in labels or "negative" not in labels:
        return None
    pos, neg = labels.index("positive"), labels.index("negative")
    rows = (y_true == pos) | (y_true == neg)
    if not rows.any():
        return None
    predicted_pos = probs[rows, pos] > probs[rows, neg]
    return float((predicted_pos == (y_true[rows] == pos)).mean())


def expected_calibration_error(
    probs: np.ndarray, y_true: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Weighted gap between confidence and accuracy over equal-width confidence bins."""
    if len(y_true) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            ece += members.mean() * abs(confidence[members].mean() - correct[members].mean())
    return float(ece)
