"""How batches are shaped for the CPU's matrix units (pure policy; docs/performance.md).

On a CPU with AMX tiles, a bf16 batch runs fastest when (1) its padded width is a multiple
of 16: torch's fused attention then multiplies whole tiles (widths of 40, 56 or 72 tokens
cost 1.6-1.9 times 32, 48 or 64 per token on an Intel Xeon with AMX), and the fewer widths
let oneDNN reuse more of the kernels it builds for each batch shape; (2) the linear layers'
weights are laid out once in the tiles' order, with the GELU and the residual additions done
inside the product (pipeline/model/bert.py, ``pack_linears``). Elsewhere widths stay exact
and weights plain: without AMX the linear layers dominate, so the padding would cost more
than it saves, and nothing here was measured there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TILE_WIDTH = 16
"""Padded widths on a CPU with AMX are multiples of this (bf16 tiles hold 16 rows of pairs)."""


@dataclass(frozen=True)
class BatchShapes:
    """``width_step``: padded batch widths are multiples of it; ``packed_weights``: the fast
    copy's linear layers take tile-ordered weights; ``kernel_cache``: how many oneDNN kernels
    (one per operation and batch shape) a process keeps; ``embedding_step``: the sentence
    embedder pads each row to its length rounded up to a multiple of this (a width that depends
    on the row alone, so its vector does too: pipeline/model/embeddings.py)."""

    width_step: int
    packed_weights: bool
    kernel_cache: int
    embedding_step: int


EXACT_WIDTHS = BatchShapes(width_step=1, packed_weights=False, kernel_cache=64, embedding_step=8)
"""64 kernels: at oneDNN's default of 1,024 a worker's RSS reached 1.35 GB on 100,000 comments
and levelled off near 1.0 GB at 64, at the same speed. Embedding rows rounded to 8 tokens, not 16:
on a 2-core Zen 3 (fp32), 1,200 student comments with their clauses in chunks of 400 rows took
6.1-7.4 s against 6.7-8.6 s, with the same held-out aspect figures (docs/insights.md)."""
TILED_WIDTHS = BatchShapes(
    width_step=TILE_WIDTH, packed_weights=True, kernel_cache=128, embedding_step=TILE_WIDTH
)
"""128 kernels: the packed layers build more kernels per shape, and with 64 a worker with
insights on rebuilt them so often that embedding a chunk took longer than before tiling; 256
labelled at most 7 % faster than 128, but put the worker with insights on at 1,630 MB on
100,000 comments, over the 1.5 GB limit (docs/performance.md)."""


def batch_shapes(device: str, precision: str, capabilities: Mapping[str, object]) -> BatchShapes:
    """The shapes for a predictor on ``device`` running ``precision``."""
    tiles = device == "cpu" and precision == "bf16" and bool(capabilities.get("amx_bf16"))
    return TILED_WIDTHS if tiles else EXACT_WIDTHS


def rounded_width(longest: int, step: int, most: int) -> int:
    """A batch's padded width: its longest row rounded up to a multiple of ``step``, at most
    ``most`` (and never below ``longest``)."""
    return max(longest, min(-(-longest // step) * step, most))


def kernel_cache(device: str, capabilities: Mapping[str, object]) -> int:
    """The oneDNN kernel cache of a process on ``device``: the tiled one wherever a bf16
    predictor would take tiled widths (read once, when oneDNN builds its first kernel)."""
    return batch_shapes(device, "bf16", capabilities).kernel_cache
