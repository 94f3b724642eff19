"""Batch shapes for the CPU's matrix units: which machines get tiled widths and packed
weights, and how a width is rounded (pipeline/model/cpu_shapes.py)."""

from __future__ import annotations

import pytest

from pipeline.model.cpu_shapes import (
    EXACT_WIDTHS,
    TILED_WIDTHS,
    batch_shapes,
    kernel_cache,
    rounded_width,
)

AMX = {"amx_bf16": True, "avx512_bf16": True}
AVX512_BF16 = {"avx512_bf16": True}


def test_a_bf16_predictor_on_an_amx_cpu_takes_tiled_widths_and_packed_weights() -> None:
    shapes = batch_shapes("cpu", "bf16", AMX)
    assert shapes == TILED_WIDTHS
    assert (shapes.width_step, shapes.packed_weights) == (16, True)
    assert shapes.kernel_cache > EXACT_WIDTHS.kernel_cache
    assert shapes.embedding_step == 16  # the embedder's rows fill whole tiles too


def test_without_tiles_the_embedder_rounds_rows_to_8_tokens() -> None:
    """Half the padding of 16 (the rows' widths must still depend on their length alone)."""
    assert EXACT_WIDTHS.embedding_step == 8
    assert batch_shapes("cpu", "fp32", AMX).embedding_step == 8
    assert batch_shapes("cpu", "bf16", AVX512_BF16).embedding_step == 8


@pytest.mark.parametrize(
    ("device", "precision", "capabilities"),
    [
        ("cpu", "bf16", AVX512_BF16),  # no AMX: the linear layers dominate, padding costs
        ("cpu", "fp32", AMX),
        ("cpu", "int8", AMX),
        ("cuda", "bf16", {"cuda_bf16": True, "amx_bf16": True}),
        ("cpu", "bf16", {"amx_bf16": False}),
    ],
)
def test_everything_else_keeps_exact_widths_and_plain_weights(
    device: str, precision: str, capabilities: dict[str, object]
) -> None:
    assert batch_shapes(device, precision, capabilities) == EXACT_WIDTHS


def test_the_kernel_cache_is_the_tiled_one_wherever_a_predictor_could_tile() -> None:
    assert kernel_cache("cpu", AMX) == TILED_WIDTHS.kernel_cache
    assert kernel_cache("cpu", AVX512_BF16) == EXACT_WIDTHS.kernel_cache
    assert kernel_cache("cuda", {"cuda_bf16": True}) == EXACT_WIDTHS.kernel_cache


@pytest.mark.parametrize(
    ("longest", "step", "most", "width"),
    [
        (40, 16, 512, 48),
        (48, 16, 512, 48),
        (1, 16, 512, 16),
        (40, 1, 512, 40),
        (500, 16, 505, 505),  # the model's window is the limit
        (300, 16, 256, 300),  # never narrower than the longest row
    ],
)
def test_a_width_is_the_longest_row_rounded_up_to_the_step_within_the_window(
    longest: int, step: int, most: int, width: int
) -> None:
    assert rounded_width(longest, step, most) == width
