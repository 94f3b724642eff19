"""One timed linear-layer product per precision: how fast this CPU really runs each.

The encoder's time goes mostly into its linear layers, so one product of their shape tells
which precision pays here (pipeline/model/precision.py weighs the times). Each product runs
once untimed (oneDNN builds its kernel), then ``ROUNDS`` times interleaved; what counts is
each precision's median time relative to fp32's in the same round. On a shared 2-core host
the fastest of five rounds put int8's product at 1.0-2.9x fp32's from one process to the
next; the median ratio of nine rounds gave 1.7-2.0x in 10 of 11 processes (once 1.05x, right
after a model load: that process then runs fp32, its second-best). About 0.15 s, once per
process, and only where ``auto`` has a choice to make.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from pipeline.model.precision import choose_precision, reduced_candidates

if TYPE_CHECKING:
    import torch

ROWS, WIDTH, OUTPUTS = 1024, 384, 1536
"""The product timed: 1,024 token rows (a batch at the CPU token budget's scale) through a
MiniLM feed-forward layer (384 → 1,536), the encoder's largest."""
ROUNDS = 9


def product_times(capabilities: Mapping[str, object]) -> dict[str, float]:
    """Seconds of one product in fp32 and in each reduced precision this CPU runs natively;
    a precision whose product fails here is left out (and so never picked for speed)."""
    return dict(_timed(("fp32", *reduced_candidates(capabilities))))


@functools.cache
def _timed(precisions: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    import torch

    from pipeline.model.threads import fit_threads_to_cpus

    fit_threads_to_cpus(torch)  # timed with the threads the model will have
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(ROWS, WIDTH, generator=generator)
    weight = torch.randn(OUTPUTS, WIDTH, generator=generator) / WIDTH**0.5
    bias = torch.zeros(OUTPUTS)
    products: dict[str, Callable[[], object]] = {}
    for name in precisions:
        product = _product(name, inputs, weight, bias)
        try:
            product()
        except RuntimeError:
            continue
        products[name] = product
    if "fp32" not in products:  # nothing to compare with: no precision is picked for speed
        return ()
    rounds = [_round(products) for _ in range(ROUNDS)]
    return tuple((name, _relative_time(rounds, name)) for name in products)


def _round(products: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each product's seconds, one after the other: what a round's ratios compare ran under
    the same load."""
    seconds = {}
    for name, product in products.items():
        began = time.perf_counter()
        product()
        seconds[name] = time.perf_counter() - began
    return seconds


def _relative_time(rounds: list[dict[str, float]], name: str) -> float:
    """``name``'s product time: fp32's fastest round, times the median over rounds of
    ``name``'s time relative to fp32's in the same round (a burst of load that slows one
    round moves no ratio much, and a single product's time jumps by half between rounds on a
    shared host)."""
    fastest = min(seconds["fp32"] for seconds in rounds)
    return fastest * statistics.median(seconds[name] / seconds["fp32"] for seconds in rounds)


def _product(
    precision: str, inputs: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> Callable[[], object]:
    """The product as the predictor's layers run it in ``precision`` (runtime.py)."""
    import torch

    if precision == "bf16":
        low = (inputs.bfloat16(), weight.bfloat16(), bias.bfloat16())
        return lambda: torch.nn.functional.linear(*low)
    if precision == "int8":
        from pipeline.model.int8_rows import rowwise_int8_linear

        layer = torch.nn.Linear(WIDTH, OUTPUTS)
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
        quantised = rowwise_int8_linear(layer)
        return lambda: quantised(inputs)
    return lambda: torch.nn.functional.linear(inputs, weight, bias)


def times_for_auto(
    requested: str, device: str, capabilities: Mapping[str, object]
) -> dict[str, float] | None:
    """The times ``auto`` weighs on this CPU; None where nothing is to be weighed (an explicit
    precision, a GPU, or a CPU that runs no reduced precision natively)."""
    if requested != "auto" or device != "cpu" or not reduced_candidates(capabilities):
        return None
    return product_times(capabilities)


def probed_precision(
    requested: str, device: str, capabilities: Mapping[str, object]
) -> tuple[str, dict[str, float] | None]:
    """The precision a predictor runs in (``choose_precision``) and the times ``auto``
    weighed for it (None where nothing was timed)."""
    times = times_for_auto(requested, device, capabilities)
    return choose_precision(requested, device, capabilities, times), times
