"""Training and evaluating the aspect model read the sentiment model's probabilities in the
aspect model's class order (negative, neutral, positive), found by label name."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.model.aspects import encoders


class _Permuted:
    version = "permuted-1"

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        # negative 0.7, neutral 0.2, positive 0.1, in the order of self.labels
        value = {"negative": 0.7, "neutral": 0.2, "positive": 0.1}
        row = [value.get(label.lower(), 0.0) for label in self.labels]
        return np.tile(row, (len(texts), 1))


def test_real_encoders_reorder_the_sentiment_model_by_label_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _Permuted(("Positive", "NEGATIVE", "neutral"))
    monkeypatch.setattr("pipeline.model.predictor.Predictor.load", lambda *_a, **_k: fake)
    scores = encoders.real_encoders("permuted").score_sentiment(["a", "b"])
    assert scores.tolist() == [[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]]


def test_real_encoders_refuse_a_model_without_the_three_classes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _Permuted(("negative", "positive"))
    monkeypatch.setattr("pipeline.model.predictor.Predictor.load", lambda *_a, **_k: fake)
    with pytest.raises(ConfigError, match=r"binary: .*\(negative, positive\) are not negative"):
        encoders.real_encoders("binary")
