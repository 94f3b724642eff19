"""The precision policy: what ``auto`` picks on each kind of machine, and refusals."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.model.precision import INT8_OPS, choose_precision, supported_precisions

ZEN4 = {"avx512_bf16": True, "avx512_vnni": True, "avx2": True, INT8_OPS: True}
SAPPHIRE_RAPIDS = {"amx_bf16": True, "amx_int8": True, "avx512_vnni": True, INT8_OPS: True}
CASCADE_LAKE = {"avx512_vnni": True, "avx2": True, INT8_OPS: True}
ALDER_LAKE = {"avx_vnni": True, "avx2": True, INT8_OPS: True}
ZEN3 = {"avx2": True, INT8_OPS: True}
VNNI_WITHOUT_INT8_OPS = {"avx512_vnni": True, INT8_OPS: False}


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        (ZEN4, "bf16"),
        (SAPPHIRE_RAPIDS, "bf16"),
        (CASCADE_LAKE, "int8"),
        (ALDER_LAKE, "int8"),
        (ZEN3, "fp32"),
        (VNNI_WITHOUT_INT8_OPS, "fp32"),
        ({}, "fp32"),
    ],
)
def test_auto_picks_the_fastest_precision_at_parity_on_each_cpu(
    capabilities: dict[str, object], expected: str
) -> None:
    assert choose_precision("auto", "cpu", capabilities) == expected
    assert expected in supported_precisions("cpu", capabilities)


def test_auto_on_a_gpu_is_bf16_where_the_gpu_has_it() -> None:
    assert choose_precision("auto", "cuda", {"cuda_bf16": True}) == "bf16"
    assert choose_precision("auto", "cuda", {"cuda_bf16": False}) == "fp32"


@pytest.mark.parametrize("precision", ["fp32", "bf16", "int8"])
def test_an_explicit_supported_choice_is_kept(precision: str) -> None:
    assert choose_precision(precision, "cpu", ZEN4) == precision


def test_bf16_is_allowed_on_any_cpu_because_it_is_correct_there_too() -> None:
    assert choose_precision("bf16", "cpu", ZEN3) == "bf16"


def test_int8_without_vnni_is_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match=r"int8 needs a CPU with VNNI.*bf16, fp32 or auto"):
        choose_precision("int8", "cpu", ZEN3)


def test_int8_on_a_gpu_is_refused() -> None:
    with pytest.raises(ConfigError, match="int8 runs on the CPU only"):
        choose_precision("int8", "cuda", {"cuda_bf16": True})


def test_an_unknown_precision_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown precision 'fp16'"):
        choose_precision("fp16", "cpu", ZEN4)
