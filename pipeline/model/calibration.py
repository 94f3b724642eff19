"""Temperature scaling and the review threshold: pure numpy, no model.

A fine-tuned classifier is usually over-confident: among comments scored 0.95 fewer than 95 %
are right. Dividing the logits by one temperature T, fitted on validation data by minimising
the negative log-likelihood, makes the score of the chosen label mean what it says (Guo et
al., 2017) without changing any label. The review threshold is then read off the calibrated
validation scores (``review_threshold``).
"""

from __future__ import annotations

import math

import numpy as np

MIN_TEMPERATURE = 0.05
MAX_TEMPERATURE = 20.0
REVIEW_TARGET_ACCURACY = 0.7
REVIEW_BIN_SIZE = 100
"""The review threshold is the score below which the model was right less than 7 times in 10
on the validation data, taken together."""
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


def scaled_probabilities(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T), one row per example."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def negative_log_likelihood(
    logits: np.ndarray, y_true: np.ndarray, temperature: float, weights: np.ndarray | None = None
) -> float:
    """Mean (or ``weights``-weighted mean) of -log p(gold) at temperature T."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    top = scaled.max(axis=1, keepdims=True)
    log_norm = (top + np.log(np.exp(scaled - top).sum(axis=1, keepdims=True)))[:, 0]
    losses = log_norm - scaled[np.arange(len(y_true)), y_true]
    return float(np.average(losses, weights=weights))


def fit_temperature(
    logits: np.ndarray,
    y_true: np.ndarray,
    weights: np.ndarray | None = None,
    tolerance: float = 1e-5,
) -> float:
    """The temperature that minimises the NLL, by golden-section search on 1/T.

    The NLL is convex in 1/T (a log-sum-exp of functions linear in it, minus a linear term),
    so the search over [1/MAX_TEMPERATURE, 1/MIN_TEMPERATURE] finds the global minimum; the
    log-probabilities of a model serve as its logits (a constant per row does not matter).
    """
    if len(y_true) == 0:
        raise ValueError("fitting a temperature needs at least one example")

    def loss(inverse: float) -> float:
        return negative_log_likelihood(logits, y_true, 1.0 / inverse, weights)

    low, high = 1.0 / MAX_TEMPERATURE, 1.0 / MIN_TEMPERATURE
    inner_low, inner_high = high - _GOLDEN * (high - low), low + _GOLDEN * (high - low)
    loss_low, loss_high = loss(inner_low), loss(inner_high)
    while high - low > tolerance:
        if loss_low <= loss_high:
            high, inner_high, loss_high = inner_high, inner_low, loss_low
            inner_low = high - _GOLDEN * (high - low)
            loss_low = loss(inner_low)
        else:
            low, inner_low, loss_low = inner_low, inner_high, loss_high
            inner_high = low + _GOLDEN * (high - low)
            loss_high = loss(inner_high)
    return 1.0 / ((low + high) / 2.0)


def review_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    target: float = REVIEW_TARGET_ACCURACY,
    bin_size: int = REVIEW_BIN_SIZE,
) -> float:
    """The lowest score from which up the model's labels were right at least ``target`` of the
    time, judged locally: examples sorted by score are cut into bins of ``bin_size``, and the
    threshold is the lowest score of the lowest bin that, with every bin above it, reaches
    ``target``. Comments scored below it are the ones worth a human look.

    Local, not cumulative: "accuracy of everything below the cut" stays under the target far
    above the scores where the model actually becomes unreliable, and would flag most rows.
    With calibrated scores the threshold lands near ``target``. A model right everywhere
    gets its lowest score (nothing below it); one wrong even in its top bin gets 1.0.
    """
    if len(confidence) == 0:
        raise ValueError("a review threshold needs at least one example")
    order = np.argsort(confidence, kind="stable")
    ordered = np.asarray(confidence, dtype=np.float64)[order]
    hits = np.asarray(correct, dtype=np.float64)[order]
    starts = list(range(0, len(ordered), max(1, bin_size)))
    threshold = 1.0
    for start in reversed(starts):
        if hits[start : start + bin_size].mean() < target:
            break
        threshold = float(ordered[start])
    return threshold
