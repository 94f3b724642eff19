"""Aspect figures from 0/1 matrices and polarity pairs: pure numpy, no model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
"""Candidate decision thresholds per category (probability of the category)."""


def f1_counts(predicted: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, false positives, false negatives per column of two bool matrices."""
    predicted, gold = predicted.astype(bool), gold.astype(bool)
    tp = (predicted & gold).sum(axis=0)
    fp = (predicted & ~gold).sum(axis=0)
    fn = (~predicted & gold).sum(axis=0)
    return tp, fp, fn


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def detection_report(
    predicted: np.ndarray, gold: np.ndarray, categories: Sequence[str]
) -> dict[str, Any]:
    """Micro-F1, macro-F1 and P/R/F1/support per category of a multi-label prediction.

    Macro-F1 averages the categories present in the gold, so a category with no example in
    the evaluated rows neither helps nor hurts.
    """
    tp, fp, fn = f1_counts(predicted, gold)
    f1 = _f1(tp, fp, fn)
    support = gold.astype(bool).sum(axis=0)
    per_category = {
        name: {
            "precision": float(tp[k] / (tp[k] + fp[k])) if tp[k] + fp[k] else 0.0,
            "recall": float(tp[k] / support[k]) if support[k] else 0.0,
            "f1": float(f1[k]),
            "support": int(support[k]),
        }
        for k, name in enumerate(categories)
    }
    present = support > 0
    return {
        "n": int(gold.shape[0]),
        "micro_f1": micro_f1(tp, fp, fn),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_category": per_category,
    }


def micro_f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """F1 over every (row, category) decision pooled."""
    denominator = 2 * tp.sum() + fp.sum() + fn.sum()
    return float(2 * tp.sum() / denominator) if denominator else 0.0


def best_thresholds(
    probs: np.ndarray, gold: np.ndarray, grid: np.ndarray = THRESHOLD_GRID
) -> np.ndarray:
    """Per category, the grid threshold with the best F1 on these rows (ties: the lowest).

    A category with no positive row keeps the grid's middle value.
    """
    gold = gold.astype(bool)
    above = probs[:, :, None] >= grid[None, None, :]
    tp = (above & gold[:, :, None]).sum(axis=0)
    predicted = above.sum(axis=0)
    actual = gold.sum(axis=0)[:, None]
    f1 = np.where(predicted + actual > 0, 2 * tp / np.maximum(predicted + actual, 1), 0.0)
    chosen = grid[f1.argmax(axis=1)]
    return np.where(actual[:, 0] > 0, chosen, float(np.median(grid)))


def decide(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Categories at or above their threshold; a row with none gets its most likely one
    (every annotated comment is about something)."""
    chosen = probs >= thresholds[None, :]
    empty = np.flatnonzero(~chosen.any(axis=1))
    chosen[empty, probs[empty].argmax(axis=1)] = True
    return chosen


def polarity_accuracy(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """Accuracy over (comment, gold aspect) pairs whose gold polarity is positive, negative or
    neutral; ``mixed`` and ``none`` pairs are counted apart and never scored."""
    scored = [(p, g) for p, g in zip(predicted, gold, strict=True) if g in _SCORED]
    per_class = {name: _accuracy([(p, g) for p, g in scored if g == name]) for name in _SCORED}
    return {
        "n": len(scored),
        "accuracy": _accuracy(scored),
        "per_gold_polarity": per_class,
        "unscored_mixed": sum(g == "mixed" for g in gold),
        "unscored_none": sum(g == "none" for g in gold),
    }


_SCORED = ("negative", "neutral", "positive")


def _accuracy(pairs: Sequence[tuple[str, str]]) -> float:
    return float(np.mean([p == g for p, g in pairs])) if pairs else 0.0
