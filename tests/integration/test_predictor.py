"""The predictor on a real (tiny) LoRA model: labels from config, blanks, long texts, batching."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelLoadError
from pipeline.model.predictor import EMPTY_TEXT_REASON, Predictor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def predictor(tiny_model_dir: Path) -> Predictor:
    return Predictor.load(tiny_model_dir, batch_size=4)


def test_labels_and_version_come_from_the_model_directory(predictor: Predictor) -> None:
    assert predictor.labels == ("negative", "neutral", "positive")
    assert predictor.version.startswith("minilm-l6-lora-sentiment-")


def test_every_text_gets_a_label_and_probabilities_summing_to_one(predictor: Predictor) -> None:
    results = predictor.predict(["Great course!", "Terrible lectures.", "The exam is on Monday."])
    for result in results:
        assert result.label in predictor.labels
        assert set(result.scores) == set(predictor.labels)
        assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert result.label == max(result.scores, key=result.scores.__getitem__)


def test_blank_texts_get_no_label_and_a_reason(predictor: Predictor) -> None:
    results = predictor.predict(["", "   \n", None, float("nan"), "fine"])
    assert [r.label for r in results[:4]] == [None] * 4
    assert all(r.error == EMPTY_TEXT_REASON and r.scores == {} for r in results[:4])
    assert results[4].label is not None


def test_batching_and_order_do_not_change_results(tiny_model_dir: Path) -> None:
    """Exact in fp32; bf16 and int8 hold to their rounding (test_precision_parity.py)."""
    texts = [f"comment number {i} " + "word " * (i % 17) for i in range(23)]
    small = Predictor.load(tiny_model_dir, batch_size=3, precision="fp32").predict_proba(texts)
    large = Predictor.load(tiny_model_dir, batch_size=64, precision="fp32").predict_proba(texts)
    np.testing.assert_allclose(small, large, atol=1e-5)
    reversed_probs = Predictor.load(tiny_model_dir, batch_size=5, precision="fp32").predict_proba(
        texts[::-1]
    )
    np.testing.assert_allclose(reversed_probs[::-1], large, atol=1e-5)


def test_long_text_is_scored_over_windows_not_cut(predictor: Predictor) -> None:
    """A text over the window limit is the mean of its windows, so its tail changes the result."""
    head = "the lectures were fine and the room was fine. " * 60
    tail_good = head + "wonderful brilliant inspiring excellent teacher! " * 40
    tail_bad = head + "awful boring useless terrible teacher! " * 40
    counter = copy.deepcopy(predictor.loaded.tokenizer.backend_tokenizer)
    counter.no_truncation()
    assert len(counter.encode(tail_good).ids) > predictor.max_length
    good, bad = predictor.predict_proba([tail_good, tail_bad])
    assert not np.allclose(good, bad)


def test_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        Predictor.load(tmp_path / "nowhere")
    with pytest.raises(ModelLoadError, match="holds no model"):
        Predictor.load(tmp_path)


def test_scoring_batches_fill_the_scoring_budget_and_explainer_batches_stay_small(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.model import runtime
    from pipeline.model.predictor import CPU_BATCH_TOKENS, CPU_SCORING_TOKENS

    shapes: list[tuple[int, int]] = []
    score = runtime.Runner.__call__

    def recording(self: runtime.Runner, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        shapes.append(ids.shape)
        return score(self, ids, mask)

    monkeypatch.setattr(runtime.Runner, "__call__", recording)
    predictor = Predictor.load(tiny_model_dir, batch_size=64, device="cpu", precision="fp32")
    text = "The lectures were clear and the professor answered every question in the forum."
    predictor.predict_proba([f"{text} ({i})" for i in range(64)])

    assert all(rows * width <= CPU_SCORING_TOKENS for rows, width in shapes)
    assert max(rows * width for rows, width in shapes) > CPU_BATCH_TOKENS
    assert predictor.batch_tokens == CPU_BATCH_TOKENS
