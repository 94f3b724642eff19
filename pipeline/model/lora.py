"""Merge a plain LoRA adapter into its base model without peft.

Importing peft takes ≈ 1.4 s, a third of a worker's cold start (docs/performance.md), and
inference needs none of it: merging is ``W += B @ A * alpha / r`` per adapted linear layer,
plus the fully saved modules (the classifier head). Anything beyond that — DoRA, rsLoRA, per-layer
ranks, biases, embeddings, other adapter types — is left to peft, so the result is always what
``PeftModel.merge_and_unload`` gives (a test compares both on the shipped model).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
SAVED_PREFIX = "base_model.model."
LORA_A, LORA_B = ".lora_A.weight", ".lora_B.weight"

_NEEDS_PEFT = (
    "use_dora",
    "use_rslora",
    "fan_in_fan_out",
    "lora_bias",
    "rank_pattern",
    "alpha_pattern",
    "layer_replication",
    "trainable_token_indices",
    "target_parameters",
    "alora_invocation_tokens",
)
"""Config entries that change what a merge means when set: an adapter with any of them goes
to peft."""


@dataclass(frozen=True)
class _Update:
    """One adapted linear layer: its low-rank factors."""

    layer: torch.nn.Linear
    down: torch.Tensor
    up: torch.Tensor


def merge_plain_lora(base: torch.nn.Module, directory: Path) -> bool:
    """Merge the adapter saved in ``directory`` into ``base`` in place and return True, or
    return False with ``base`` untouched when the adapter needs peft."""
    config = json.loads((directory / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    weights_file = directory / ADAPTER_WEIGHTS
    if not _is_plain(config) or not weights_file.exists():
        return False
    from safetensors.torch import load_file

    planned = _plan(base, load_file(weights_file))
    if planned is None:
        return False
    updates, replacements = planned
    scaling = float(config["lora_alpha"]) / int(config["r"])
    with torch.no_grad():
        for update in updates:
            weight = update.layer.weight
            delta = (update.up.float() @ update.down.float()) * scaling
            weight.add_(delta.to(weight.dtype))
        for parameter, value in replacements:
            parameter.copy_(value.to(parameter.dtype))
    return True


def _is_plain(config: dict[str, Any]) -> bool:
    return (
        config.get("peft_type") == "LORA"
        and config.get("bias", "none") == "none"
        and int(config.get("r") or 0) > 0
        and config.get("lora_alpha") is not None
        and not any(config.get(name) for name in _NEEDS_PEFT)
    )


def _plan(
    base: torch.nn.Module, weights: dict[str, torch.Tensor]
) -> tuple[list[_Update], list[tuple[torch.nn.Parameter, torch.Tensor]]] | None:
    """What to change, checked completely before anything is: None when any saved tensor is
    not a LoRA factor of a linear layer or a full copy of one of the model's parameters."""
    parameters = dict(base.named_parameters())
    updates: list[_Update] = []
    replacements: list[tuple[torch.nn.Parameter, torch.Tensor]] = []
    for key, value in weights.items():
        if not key.startswith(SAVED_PREFIX):
            return None
        name = key.removeprefix(SAVED_PREFIX)
        if name.endswith(LORA_B):
            continue  # taken with its lora_A
        if name.endswith(LORA_A):
            update = _update(base, name.removesuffix(LORA_A), value, weights)
            if update is None:
                return None
            updates.append(update)
        elif name in parameters and parameters[name].shape == value.shape:
            replacements.append((parameters[name], value))
        else:
            return None
    factors = sum(key.endswith(LORA_B) for key in weights)
    return (updates, replacements) if factors == len(updates) else None


def _update(
    base: torch.nn.Module, path: str, down: torch.Tensor, weights: dict[str, torch.Tensor]
) -> _Update | None:
    up = weights.get(SAVED_PREFIX + path + LORA_B)
    try:
        layer = base.get_submodule(path)
    except AttributeError:
        return None
    if up is None or not isinstance(layer, torch.nn.Linear):
        return None
    if (up.shape[0], down.shape[1]) != tuple(layer.weight.shape) or up.shape[1] != down.shape[0]:
        return None
    return _Update(layer, down, up)
