"""The predictor's batch widths: rounded to the tiles' multiple where its shapes say so,
exact elsewhere, and the probabilities the same either way (padding is masked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tinybert import base_tokenizer, tiny_loaded

from pipeline.model.cpu_shapes import EXACT_WIDTHS, TILED_WIDTHS
from pipeline.model.predictor import CPU_FP32_WASTE, Predictor

TEXTS = [
    "The lectures were clear and well organised, and the labs helped me a lot.",
    "Too much homework.",
    "ok",
    "The exams were unfair: questions on topics we never covered, and no feedback at all "
    "on the midterm, which made it impossible to know what to improve before the final.",
    "Great teacher!",
] * 7


@pytest.fixture(scope="module")
def tokenizer() -> object:
    return base_tokenizer()


def _widths(predictor: Predictor) -> list[tuple[int, int]]:
    """(padded width, longest row) of every batch the predictor plans for TEXTS."""
    batches = predictor._batches([str(t) for t in TEXTS])
    return [(ids.shape[1], int(mask.sum(axis=1).max())) for _, ids, mask in batches]


def test_tiled_shapes_pad_every_batch_to_a_multiple_of_16_within_the_window(
    tokenizer: object, tmp_path: Path
) -> None:
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path, max_length=40), precision="fp32")
    assert predictor.shapes == EXACT_WIDTHS  # fp32 never tiles
    exact = _widths(predictor)
    assert any(width % 16 for width, _ in exact)
    assert all(width == longest for width, longest in exact)
    predictor.shapes = TILED_WIDTHS
    predictor.precision = "bf16"  # the plan a bf16 predictor makes (the tiny model runs fp32)
    tiled = _widths(predictor)
    assert all(width % 16 == 0 or width == 40 for width, _ in tiled)
    assert all(longest <= width < longest + 16 for width, longest in tiled)


def test_tiled_widths_give_the_same_probabilities(tokenizer: object, tmp_path: Path) -> None:
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path), precision="fp32")
    exact = predictor.predict_proba(TEXTS)
    predictor.shapes = TILED_WIDTHS
    tiled = predictor.predict_proba(TEXTS)
    np.testing.assert_allclose(tiled, exact, rtol=1e-5, atol=1e-6)


def test_only_the_last_batch_of_a_group_of_a_thousand_texts_is_part_filled(
    tokenizer: object, tmp_path: Path
) -> None:
    """Where the token budget holds fewer rows than the batch size, a group's last batch is
    part-filled: in groups of two batches (as before) every 128 texts ended in a batch of 2."""
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path), precision="fp32")
    text = "The lectures were clear and the labs helped a lot, thank you."
    texts = [text] * 1000
    width = predictor._encoder.encode([text]).lengths[0]
    rows = 42
    predictor._scoring_tokens = rows * width
    sizes = [len(owners) for owners, _, _ in predictor._batches(texts)]
    assert sizes == [rows] * (1000 // rows) + [1000 % rows]
    probs = predictor.predict_proba(texts)
    np.testing.assert_allclose(probs, np.broadcast_to(probs[0], probs.shape), rtol=1e-5)


def test_rescoring_batches_keep_exact_widths_and_little_padding(
    tokenizer: object, tmp_path: Path
) -> None:
    """The fp32 re-scoring (a few comments of every length) is planned on exact widths and ends
    a batch before its padding passes CPU_FP32_WASTE; a bf16 predictor's main pass keeps tiled
    widths and full batches. Probabilities are the same whatever the batches."""
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path, max_length=128), precision="fp32")
    predictor.shapes = TILED_WIDTHS
    predictor.precision = "bf16"  # the plan a bf16 predictor makes (the tiny model runs fp32)
    texts = [str(t) for t in TEXTS]
    main = list(predictor._batches(texts))
    rescoring = list(predictor._batches(texts, rescoring=True))
    assert len(main) == 1 and main[0][1].shape[1] % 16 == 0
    _assert_exact_and_capped(rescoring, len(texts))
    np.testing.assert_allclose(
        predictor._run(predictor.engine.exact, texts, rescoring=True),
        predictor._run(predictor.engine.exact, texts),
        rtol=1e-5,
        atol=1e-6,
    )


def test_an_fp32_predictor_plans_every_batch_like_the_rescoring(
    tokenizer: object, tmp_path: Path
) -> None:
    """fp32 costs per token, not per batch: a chunk of comments of scattered lengths is planned
    on exact widths, each batch ending before its padding passes CPU_FP32_WASTE, instead of
    one batch filled up to the token budget at its longest comment's width."""
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path, max_length=128), precision="fp32")
    texts = [str(t) for t in TEXTS]
    _assert_exact_and_capped(list(predictor._batches(texts)), len(texts))


def _assert_exact_and_capped(
    planned: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_texts: int
) -> None:
    """Several batches, each as wide as its longest row, none padded past CPU_FP32_WASTE
    tokens (unless it holds one row), every text in one of them."""
    assert len(planned) > 1
    for _, ids, mask in planned:
        lengths = mask.sum(axis=1)
        assert ids.shape[1] == lengths.max()
        assert (ids.shape[1] - lengths).sum() <= CPU_FP32_WASTE or len(lengths) == 1
    every = np.sort(np.concatenate([owners for owners, _, _ in planned]))
    assert every.tolist() == list(range(n_texts))


def test_identical_texts_are_scored_once_and_get_the_same_scores(
    tokenizer: object, tmp_path: Path
) -> None:
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path), precision="fp32")
    scored: list[int] = []
    run = predictor._run

    def counting(runner: object, texts: list[str], rescoring: bool = False) -> np.ndarray:
        scored.append(len(texts))
        return run(runner, texts, rescoring)  # type: ignore[arg-type]

    predictor._run = counting  # type: ignore[method-assign]
    texts = ["Good", "The labs were long.", "Good", "good", "Good"]
    probs = predictor.predict_proba(texts)
    assert scored == [3]
    assert predictor.stats.texts == 5
    np.testing.assert_array_equal(probs[0], probs[2])
    np.testing.assert_array_equal(probs[0], probs[4])
    alone = Predictor(tiny_loaded(tokenizer, tmp_path), precision="fp32").predict_proba(
        ["The labs were long."]
    )
    np.testing.assert_allclose(probs[1], alone[0], rtol=1e-5, atol=1e-6)


def test_with_packed_weights_a_part_filled_batch_takes_the_full_batch_shape(
    tokenizer: object, tmp_path: Path
) -> None:
    """Every batch of the main pass has a full batch's rows for its width, so oneDNN reuses
    its kernels; the filler rows' scores are dropped and change nothing."""
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path), precision="fp32")
    texts = [str(t) for t in TEXTS][:9]
    plain = predictor.predict_proba(texts)
    predictor.shapes = TILED_WIDTHS
    predictor.precision = "bf16"  # the plan a bf16 predictor makes (the tiny model runs fp32)
    batches = list(predictor._batches(texts))
    assert [len(owners) for owners, _, _ in batches] == [9]
    _, ids, mask = batches[0]
    assert ids.shape[0] == mask.shape[0] == predictor._full_rows(ids.shape[1]) > 9
    rescoring = list(predictor._batches(texts, rescoring=True))
    assert sum(ids.shape[0] for _, ids, _ in rescoring) == 9
    np.testing.assert_allclose(predictor.predict_proba(texts), plain, rtol=1e-5, atol=1e-6)
