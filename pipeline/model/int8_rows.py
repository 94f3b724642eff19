"""int8 linear layers whose every token row is quantised on its own: a comment's int8 scores do
not depend on the comments that share its batch.

torch's dynamic int8 linear (fbgemm's ``quantized::linear_dynamic``) quantises its input with
one scale for the whole tensor, set by the tensor's smallest and largest values. In a batch,
that is every token of every comment in it: one comment with a large activation coarsens the
steps of all the others, and the same comment got 0.50 positive in one batch and 0.74 in
another (docs/performance.md). Here each token's activation vector is divided by its own
largest magnitude before the product, so every row the operator sees lies in [-1, 1]; a
sentinel row holding exactly -1 and 1 pins the tensor's range, so the operator's one scale is
the same (2/255) for every batch, and each row's 8-bit steps are its own. The product's
integer sums are exact, and each output row is multiplied back by its own scale (and the bias
added) afterwards: a row's outputs are a function of that row alone, and its resolution is
never coarser than with a batch-wide scale (a better int8, not only a steadier one).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

TINY = 1e-30
"""The scale of an all-zero token row (any positive number: its quantised row is zeros)."""


@functools.cache
def _layer_class() -> Any:
    import torch

    class RowwiseInt8Linear(torch.nn.Module):
        """A ``Linear`` with int8 weights (one scale per output channel, full 8-bit range:
        VNNI's dot products cannot overflow, so torch's 7-bit ``reduce_range`` is not
        needed) and activations quantised per token row."""

        def __init__(self, linear: Any) -> None:
            super().__init__()
            weight = linear.weight.detach().float()
            scales = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
            zeros = torch.zeros(weight.shape[0], dtype=torch.int64)
            with warnings.catch_warnings():  # quantized tensors are deprecated (precision.py)
                warnings.simplefilter("ignore", UserWarning)
                qweight = torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8)
            self.packed = torch.ops.quantized.linear_prepack(qweight, None)
            self.bias = None if linear.bias is None else linear.bias.detach().float().clone()
            sentinel = torch.zeros(weight.shape[1])
            sentinel[0], sentinel[-1] = 1.0, -1.0
            self.sentinel = sentinel

        def forward(self, hidden: Any) -> Any:
            rows = hidden.reshape(-1, hidden.shape[-1])
            scales = rows.abs().amax(dim=1, keepdim=True).clamp_(min=TINY)
            unit = rows.new_empty((rows.shape[0] + 1, rows.shape[1]))
            torch.div(rows, scales, out=unit[:-1])
            unit[-1] = self.sentinel
            out = torch.ops.quantized.linear_dynamic(unit, self.packed, False)[:-1]
            if self.bias is None:
                out.mul_(scales)
            else:  # one pass, in place: half the time of a multiplication then an addition
                torch.addcmul(self.bias, out, scales, out=out)
            return out.view(*hidden.shape[:-1], out.shape[-1])

    return RowwiseInt8Linear


def rowwise_int8_linear(linear: Any) -> Any:
    """``linear`` (a float ``torch.nn.Linear``) as an int8 layer quantised per token row."""
    return _layer_class()(linear)


def quantize_rows(model: Any) -> Any:
    """``model`` with every ``Linear`` of its encoder (where nearly all the time goes) made a
    ``rowwise_int8_linear``; the embeddings, pooler and classifier stay fp32."""
    return replace_encoder_linears(model, rowwise_int8_linear)


def replace_encoder_linears(model: Any, layer: Callable[[Any], Any]) -> Any:
    """Replace every ``Linear`` of ``model``'s encoder, in place, with ``layer(linear)``."""
    import torch

    encoder = model.base_model.encoder
    targets = [
        (name, module)
        for name, module in encoder.named_modules()
        if isinstance(module, torch.nn.Linear)
    ]
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = encoder.get_submodule(parent_name) if parent_name else encoder
        setattr(parent, child, layer(module))
    return model
