"""The per-token int8 layer: a row's outputs are its own, whatever rows share its batch."""

from __future__ import annotations

import pytest
import torch
from cpu_features import RUNS_INT8

from pipeline.model.int8_rows import quantize_rows, rowwise_int8_linear

pytestmark = pytest.mark.skipif(
    not hasattr(torch.ops.quantized, "linear_dynamic")
    or "fbgemm" not in torch.backends.quantized.supported_engines,
    reason="torch's int8 linear operators are not in this build",
)


@pytest.fixture
def linear() -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(64, 96)


def test_a_rows_outputs_do_not_change_beside_an_outlier_row(linear: torch.nn.Linear) -> None:
    layer = rowwise_int8_linear(linear)
    rows = torch.randn(5, 64)
    outlier = torch.randn(1, 64) * 1000
    with torch.inference_mode():
        alone = torch.cat([layer(rows[i : i + 1]) for i in range(len(rows))])
        beside = layer(torch.cat([rows, outlier]))[: len(rows)]
        batched = layer(torch.stack([torch.cat([outlier, rows])] * 3))[1, 1:]
    torch.testing.assert_close(beside, alone, rtol=0, atol=1e-6)
    torch.testing.assert_close(batched, alone, rtol=0, atol=1e-6)


@pytest.mark.needs_cpu_feature
@pytest.mark.skipif(
    not RUNS_INT8,
    reason="without VNNI torch's int8 linear saturates (7-bit activations would be needed), "
    "and the product does not offer int8 on such a CPU",
)
def test_outputs_are_the_float_layers_within_int8_steps(linear: torch.nn.Linear) -> None:
    layer = rowwise_int8_linear(linear)
    rows = torch.cat([torch.randn(8, 64), torch.randn(8, 64) * 50])
    with torch.inference_mode():
        got, want = layer(rows), linear(rows)
    error = (got - want).abs().amax(dim=1)
    assert bool((error <= 0.02 * want.abs().amax(dim=1)).all())


def test_an_all_zero_row_gives_the_bias(linear: torch.nn.Linear) -> None:
    layer = rowwise_int8_linear(linear)
    with torch.inference_mode():
        out = layer(torch.zeros(2, 64))
    torch.testing.assert_close(out, linear.bias.detach().expand(2, -1), rtol=0, atol=1e-6)


def test_quantize_rows_replaces_the_encoders_linears_only() -> None:
    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base_model = torch.nn.Module()
            self.base_model.encoder = Encoder()
            self.classifier = torch.nn.Linear(4, 2)

    model = quantize_rows(Model())
    assert not isinstance(model.base_model.encoder.inner[0], torch.nn.Linear)
    assert isinstance(model.classifier, torch.nn.Linear)
