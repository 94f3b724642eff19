"""The shipped model through the merged-model cache: the saved merge loads the very weights the
fresh merge gives, so predictions are identical; an adapter whose weights change is merged
again into a new entry instead of being served the old one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from pipeline.model import loading
from pipeline.model.locate import resolve_model_dir, shipped_model_dir
from pipeline.model.lora import ADAPTER_WEIGHTS, LORA_B
from pipeline.model.predictor import Predictor

pytestmark = pytest.mark.slow

COMMENTS = [
    "The lectures were clear and the professor cared about every student.",
    "Disorganised labs, late grades and an exam that had nothing to do with the course.",
    "It was fine.",
    "Hard but fair; I would take it again.",
]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PIPELINE_MODEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "merged"


def same_weights(first: Any, second: Any) -> bool:
    one, two = first.state_dict(), second.state_dict()
    return one.keys() == two.keys() and all(torch.equal(one[k], two[k]) for k in one)


def test_the_cached_merge_gives_the_fresh_merges_weights_and_predictions(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = loading.load_model("default")
    assert len(list(cache.iterdir())) == 1

    def no_merging(*_args: object) -> None:
        raise AssertionError("the second load must come from the cache")

    monkeypatch.setattr(loading, "merge_adapter", no_merging)
    cached = loading.load_model("default")
    assert same_weights(fresh.model, cached.model)
    assert (cached.labels, cached.version, cached.temperature) == (
        fresh.labels,
        fresh.version,
        fresh.temperature,
    )
    assert np.array_equal(
        Predictor(fresh).predict_proba(COMMENTS), Predictor(cached).predict_proba(COMMENTS)
    )


def test_an_adapter_whose_weights_change_is_merged_again(tmp_path: Path, cache: Path) -> None:
    from safetensors.torch import load_file, save_file

    adapter = tmp_path / "adapter"
    shutil.copytree(shipped_model_dir(), adapter)
    before = loading.load_model(adapter)
    weights = load_file(adapter / ADAPTER_WEIGHTS)
    changed = {k: v * 2 if k.endswith(LORA_B) else v for k, v in weights.items()}
    save_file(changed, adapter / ADAPTER_WEIGHTS, metadata={"format": "pt"})
    after = loading.load_model(adapter)
    assert len(list(cache.iterdir())) == 2
    assert not same_weights(before.model, after.model)
    card = loading.read_card(adapter)
    merged_now = loading.merge_adapter(
        adapter, resolve_model_dir(card["base_model"]), card["labels"]
    )
    assert same_weights(after.model, merged_now)
