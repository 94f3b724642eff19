"""Which numeric precision the predictor runs in: a pure policy over the machine's capabilities.

Measured on the shipped model (docs/performance.md), on a CPU with AVX512-BF16 and VNNI: bf16
runs 2.3x fp32 and on its own agrees with fp32 on 99.79 % of the validation labels; int8
(per-channel weights, each token's activations quantised with its own scale over the full 8-bit
range: pipeline/model/int8_rows.py) agrees on 98.97 %. Both therefore re-score in fp32 the
comments they are unsure about (top-two probability margin below ``RESCORE_MARGIN``), which
brings agreement to 100 % and 99.98 %. int8's margin is 0.15 (0.25 while its activations had
one scale per batch, whose flips reached margins of 0.26 there and 0.47 on short comments;
per token the largest is 0.22, and at 0.15 short comments agree 100 %). bf16's margin is 0.02
(0.04 until issue 15's AMX measurements): on a Xeon with AMX the largest bf16-against-fp32
flip among 17,660 comments per model had a margin of 0.025; 0.02 re-scores 1.3-1.5 % of the
validation comments (half as many) with labels still 100 % the fp32 ones, and 99.99 % on
10,000 short comments, while 0.04's fp32 passes took 5-13 % of a worker's time there.
Without VNNI, int8 needs 7-bit activations (``reduce_range``) and loses too much accuracy even
then, so it is not offered there.

The CPU's flags say what a precision can run on, not how fast: on an Intel Xeon whose AMX is
not exposed (a common cloud VM), AVX512-BF16 products run at 0.56x fp32's and the predictor in
bf16 at 0.65x, while int8 runs 1.5x (docs/performance.md). So ``auto`` on a CPU weighs the
candidates the flags allow by one timed product each (pipeline/model/precision_probe.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pipeline.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16", "int8")
RESCORE_MARGIN = {"fp32": 0.0, "bf16": 0.02, "int8": 0.15}
"""Comments whose two most likely classes are closer than this are scored again in fp32."""

INT8_OPS = "quantized_linear_dynamic"
"""torch's fbgemm dynamic int8 linear; quantized tensors are deprecated in torch 2.13, so
where a later torch drops them int8 is simply not offered."""
_NATIVE_BF16 = ("amx_bf16", "avx512_bf16")
_INT8_DOT_PRODUCT = ("amx_int8", "avx512_vnni", "avx_vnni")

ProductTimes = Mapping[str, float]
"""Seconds one linear-layer product takes in each precision on this machine, fp32 included
(pipeline/model/precision_probe.py)."""
LINEAR_SHARE = 0.75
"""The share of an fp32 pass spent in the linear layers, the part a reduced precision speeds
up; the rest (attention, norms, GELU) is taken to run as fast as in fp32. With it, the
estimate below gives the predictor's measured speeds on an Intel Xeon without AMX exposed
from that CPU's product times: bf16 0.61x fp32 (measured 0.57-0.65x), int8 1.34x (1.28-1.48x);
on a Zen 4 AMD EPYC, bf16 1.67x (measured 1.63-1.79x) and int8 1.52x (1.50-1.74x)."""
RESCORED_SHARE = {"fp32": 0.0, "bf16": 0.015, "int8": 0.10}
"""The share of comments each precision scores again in fp32 (``benchmarks/parity.py`` on the
validation data, both shipped models, 3 December 2026; int8's, per-token, from
``benchmarks/int8_rows.py``: 10.2 % of the validation comments, 9.0 % of short ones, 6 December
2026): their full fp32 cost is added."""
MIN_GAIN = 1.1
"""A reduced precision is picked only where its estimated pass is at least this many times
faster than fp32's: a smaller gain is within a shared machine's noise, and not worth labels
that differ from fp32's at all."""
PREFERENCE_MARGIN = 0.05
"""int8 replaces bf16 (whose labels are nearer fp32's) only where its estimated pass costs at
least this share less."""


def supported_precisions(device: str, capabilities: Mapping[str, object]) -> tuple[str, ...]:
    """Every precision this device runs with labels at parity with fp32.

    bf16 is correct on any CPU (oneDNN emulates it where the CPU lacks it), only not fast.
    """
    if device == "cuda":
        return ("bf16", "fp32") if capabilities.get("cuda_bf16") else ("fp32",)
    int8 = ("int8",) if _int8_ready(capabilities) else ()
    return ("bf16", *int8, "fp32")


def choose_precision(
    requested: str,
    device: str,
    capabilities: Mapping[str, object],
    times: ProductTimes | None = None,
) -> str:
    """``auto`` → the fastest precision at parity on this machine (weighed by ``times`` where
    they were measured); an explicit choice is checked."""
    if requested not in PRECISIONS:
        raise ConfigError(f"unknown precision {requested!r}: expected {', '.join(PRECISIONS)}")
    supported = supported_precisions(device, capabilities)
    if requested == "auto":
        return fast_default(device, capabilities, times)
    if requested not in supported:
        raise ConfigError(
            f"precision {requested!r} is not available on this {device.upper()}: "
            f"{_why_not(requested, device)}; choose one of {', '.join(supported)} or auto"
        )
    return requested


def fast_default(
    device: str, capabilities: Mapping[str, object], times: ProductTimes | None = None
) -> str:
    """The precision ``auto`` picks: on a CPU, bf16 where it is native, else int8 where VNNI
    runs it, else fp32; with ``times``, the candidate with the cheapest estimated pass
    (``estimated_cost``) where that is ``MIN_GAIN`` times faster than fp32's, bf16 kept over
    int8 unless int8 is ``PREFERENCE_MARGIN`` cheaper."""
    if device == "cuda":
        return "bf16" if capabilities.get("cuda_bf16") else "fp32"
    candidates = reduced_candidates(capabilities)
    if times is None:
        return candidates[0] if candidates else "fp32"
    chosen, chosen_cost = "fp32", 1.0 / MIN_GAIN
    for candidate in candidates:
        cost = estimated_cost(times, candidate)
        if cost <= chosen_cost * (1.0 if chosen == "fp32" else 1.0 - PREFERENCE_MARGIN):
            chosen, chosen_cost = candidate, cost
    return chosen


def estimated_cost(times: ProductTimes, precision: str) -> float:
    """A pass in ``precision`` as a share of fp32's: its linear layers scaled by the product
    times, the rest as in fp32, plus its fp32 re-scoring. Infinite where either product was
    not timed, so that a precision the probe could not run is never picked for speed."""
    if precision not in times or "fp32" not in times or times["fp32"] <= 0:
        return math.inf
    ratio = times[precision] / times["fp32"]
    return LINEAR_SHARE * ratio + (1.0 - LINEAR_SHARE) + RESCORED_SHARE[precision]


def describe_choice(precision: str, times: ProductTimes | None) -> str:
    """The precision and, where ``auto`` weighed them, the times it weighed (for the log)."""
    if not times:
        return precision
    return f"{precision} (auto, one product: {format_times(times)})"


def format_times(times: ProductTimes) -> str:
    """``fp32 4.1 ms, bf16 7.5 ms, …``: the product times as the log and benchmarks print them."""
    return ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in times.items())


def reduced_candidates(capabilities: Mapping[str, object]) -> tuple[str, ...]:
    """The reduced precisions this CPU runs natively, in order of preference (bf16's labels
    are nearer fp32's): the ones worth timing."""
    bf16 = ("bf16",) if _has_any(capabilities, _NATIVE_BF16) else ()
    int8 = ("int8",) if _int8_ready(capabilities) else ()
    return (*bf16, *int8)


def _why_not(precision: str, device: str) -> str:
    if device == "cuda":
        return "int8 runs on the CPU only" if precision == "int8" else "this GPU lacks bf16"
    return (
        "int8 needs a CPU with VNNI (AVX512-VNNI, AVX-VNNI or AMX) and torch's quantized "
        "linear operators"
    )


def _int8_ready(capabilities: Mapping[str, object]) -> bool:
    return bool(capabilities.get(INT8_OPS)) and _has_any(capabilities, _INT8_DOT_PRODUCT)


def _has_any(capabilities: Mapping[str, object], names: tuple[str, ...]) -> bool:
    return any(bool(capabilities.get(name)) for name in names)


def machine_capabilities(device: str) -> dict[str, object]:
    """What the policy needs to know about this machine, asked of torch (an adapter)."""
    import torch

    if device == "cuda":
        return {"cuda_bf16": bool(torch.cuda.is_bf16_supported())}
    probe = getattr(torch.cpu, "get_capabilities", None)
    found: dict[str, object] = dict(probe()) if probe is not None else {}
    found[INT8_OPS] = hasattr(torch.ops.quantized, "linear_dynamic")
    return found
