"""Merging a plain LoRA adapter without peft: the arithmetic, and every adapter it does not
understand left untouched for peft (tests/integration/test_lora_against_peft.py compares the
result with peft's own merge on the shipped model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

from pipeline.model.lora import merge_plain_lora

PLAIN = {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "bias": "none", "use_dora": False}


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(4, 3)
        self.head = torch.nn.Linear(3, 2)


def adapter(folder: Path, config: dict[str, Any], weights: dict[str, torch.Tensor]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps(config))
    saved = {f"base_model.model.{name}": value.contiguous() for name, value in weights.items()}
    save_file(saved, str(folder / "adapter_model.safetensors"))
    return folder


def factors() -> dict[str, torch.Tensor]:
    torch.manual_seed(1)
    return {"proj.lora_A.weight": torch.randn(2, 4), "proj.lora_B.weight": torch.randn(3, 2)}


def test_lora_factors_are_merged_and_saved_modules_replaced(tmp_path: Path) -> None:
    model = Tiny()
    before = model.proj.weight.detach().clone()
    head = {"head.weight": torch.ones(2, 3), "head.bias": torch.zeros(2)}
    weights = {**factors(), **head}
    assert merge_plain_lora(model, adapter(tmp_path, PLAIN, weights))
    expected = before + weights["proj.lora_B.weight"] @ weights["proj.lora_A.weight"] * (4 / 2)
    torch.testing.assert_close(model.proj.weight.detach(), expected)
    torch.testing.assert_close(model.head.weight.detach(), torch.ones(2, 3))


@pytest.mark.parametrize(
    ("config", "extra"),
    [
        ({**PLAIN, "use_dora": True}, {}),
        ({**PLAIN, "use_rslora": True}, {}),
        ({**PLAIN, "rank_pattern": {"proj": 4}}, {}),
        ({**PLAIN, "bias": "lora_only"}, {}),
        ({**PLAIN, "peft_type": "IA3"}, {}),
        (PLAIN, {"embed.lora_embedding_A": torch.ones(2, 5)}),
        (PLAIN, {"head.weight": torch.ones(7, 7)}),
        (PLAIN, {"head.lora_A.weight": torch.ones(2, 3)}),
    ],
    ids=[
        "dora",
        "rslora",
        "rank pattern",
        "bias",
        "not lora",
        "unknown tensor",
        "wrong shape",
        "factor without its pair",
    ],
)
def test_adapters_it_does_not_understand_are_left_to_peft_untouched(
    tmp_path: Path, config: dict[str, Any], extra: dict[str, torch.Tensor]
) -> None:
    model = Tiny()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    assert not merge_plain_lora(model, adapter(tmp_path, config, {**factors(), **extra}))
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0)
