"""The classifier in a chosen precision: functions from padded token ids to class probabilities.

An ``Engine`` holds a fast runner (bf16 or int8) and the exact fp32 one; the predictor scores
everything with the fast one and re-scores in fp32 the comments whose top two classes are
closer than ``rescore_margin`` (see pipeline/model/precision.py for why).
"""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.model.cpu_shapes import EXACT_WIDTHS, BatchShapes
from pipeline.model.int8_rows import quantize_rows
from pipeline.model.precision import RESCORE_MARGIN


class Runner:
    """One copy of the classifier on one device: (ids, mask) → probabilities (float64), with
    the logits divided by the model's calibrated ``temperature`` before the softmax."""

    def __init__(self, model: Any, device: str, temperature: float = 1.0) -> None:
        self.model = model
        self.device = device
        self.temperature = temperature

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            logits = self.model(
                input_ids=torch.from_numpy(ids).to(self.device, non_blocking=True),
                attention_mask=torch.from_numpy(mask).to(self.device, non_blocking=True),
            ).logits
            probs = torch.softmax(logits.float() / self.temperature, dim=-1).cpu().numpy()
        return probs.astype(np.float64)


@dataclass(frozen=True)
class Engine:
    precision: str
    fast: Runner
    exact: Runner
    rescore_margin: float


def reserve_kernel_cache(capacity: int) -> None:
    """Tell oneDNN how many compiled kernels (one per operation and batch shape) to keep
    (pipeline/model/cpu_shapes.py says how many). Read when it builds its first kernel, so
    this must precede any inference; a value already in the environment is kept."""
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(capacity))


def build_engine(
    model: Any,
    precision: str,
    device: str,
    temperature: float = 1.0,
    shapes: BatchShapes = EXACT_WIDTHS,
) -> Engine:
    """Put ``model`` (fp32, eval mode) on ``device`` and add the fast copy ``precision`` asks,
    its linear layers packed for the CPU's tiles where ``shapes`` says so; both runners
    divide the logits by ``temperature``."""
    reserve_kernel_cache(shapes.kernel_cache)
    import torch

    exact = Runner(model.to(device=device, dtype=torch.float32), device, temperature)
    if precision == "fp32":
        return Engine(precision, exact, exact, 0.0)
    if precision == "bf16":
        fast = Runner(_copy_as(exact.model, torch.bfloat16), device, temperature)
        if shapes.packed_weights:
            from pipeline.model.bert import pack_linears

            pack_linears(fast.model)
    elif precision == "int8":
        fast = Runner(quantize_rows(_copy_as(exact.model, torch.float32)), device, temperature)
    else:
        raise ValueError(f"no engine for precision {precision!r}")
    return Engine(precision, fast, exact, RESCORE_MARGIN[precision])


def _copy_as(model: Any, dtype: Any) -> Any:
    """A copy of ``model`` in ``dtype``: bert.py's is rebuilt from its converted weights,
    any other model deep-copied and converted."""
    from pipeline.model.bert import BertClassifier, cast

    if isinstance(model, BertClassifier):
        return cast(model, dtype)
    return copy.deepcopy(model).to(dtype=dtype)


@functools.cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return None


def return_freed_memory() -> None:
    """Hand the heap memory freed by the last batches back to the operating system.

    Batches of every shape leave glibc's heap fragmented (the allocator keeps freed blocks
    for reuse): trimming after each chunk held a predictor at 890 MB instead of 1,136 MB after
    16,000 comments, at no measurable cost (docs/performance.md).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
