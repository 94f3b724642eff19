"""bert.attend: the fused kernel's answer, and in a differentiated bf16 pass on the CPU (the
explainer's) the plain products with the same values, gradients and masking."""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional

from pipeline.model.bert import attend


def _inputs(dtype: torch.dtype, grad: bool) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(3)
    q, k, v = (torch.randn(3, 4, 7, 8, generator=generator) for _ in range(3))
    return tuple(t.to(dtype).requires_grad_(grad) for t in (q, k, v))


MASK = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [1] + [0] * 6], dtype=torch.bool)[:, None, None, :]


def _reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return functional.scaled_dot_product_attention(q.float(), k.float(), v.float(), MASK)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("grad", [False, True])
def test_values_match_the_fused_kernel_in_fp32(dtype: torch.dtype, grad: bool) -> None:
    q, k, v = _inputs(dtype, grad)
    got = attend(q, k, v, MASK)
    assert got.dtype == dtype and got.shape == (3, 4, 7, 8)
    tolerance = 1e-5 if dtype == torch.float32 else 3e-2
    assert torch.allclose(got.float(), _reference(q, k, v), atol=tolerance)


def test_bf16_gradients_match_the_fused_kernel_in_fp32() -> None:
    q, k, v = _inputs(torch.bfloat16, True)
    (attend(q, k, v, MASK).float() ** 2).sum().backward()
    exact = [t.detach().float().requires_grad_(True) for t in (q, k, v)]
    (_reference(*exact) ** 2).sum().backward()
    for mine, reference in zip((q, k, v), exact, strict=True):
        assert mine.grad is not None and reference.grad is not None
        scale = float(reference.grad.abs().max())
        assert float((mine.grad.float() - reference.grad).abs().max()) < 0.05 * scale


def test_masked_keys_have_no_say_in_a_differentiated_bf16_pass() -> None:
    q, k, v = _inputs(torch.bfloat16, True)
    other_v = v.detach().clone()
    other_v[1, :, 4:] = 100.0
    other_v[2, :, 1:] = -100.0
    first = attend(q, k, v, MASK)
    second = attend(q, k, other_v.requires_grad_(True), MASK)
    assert torch.equal(first, second)
    assert torch.equal(first[2], v[2, :, :1].expand(4, 7, 8))
