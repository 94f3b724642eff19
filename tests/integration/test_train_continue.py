"""Training can continue from an existing adapter: the shipped model is refined, not rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.numpy import load_file

from pipeline.model.loading import read_card
from pipeline.model.train import TrainOptions, train

pytestmark = pytest.mark.slow


def test_continuing_starts_from_the_given_adapter_and_records_it(
    tiny_model_dir: Path, shared_data_dir: Path, tmp_path: Path
) -> None:
    start = read_card(tiny_model_dir)
    result = train(
        TrainOptions(
            data_dir=shared_data_dir,
            output_dir=tmp_path / "continued",
            init_from=str(tiny_model_dir),
            limit_per_source=16,
            max_steps=2,
            log_every=1,
            learning_rate=1e-9,
        )
    )
    assert result.card["training"]["init_from"] == start["version"]
    before = load_file(str(tiny_model_dir / "adapter_model.safetensors"))
    after = load_file(str(result.output_dir / "adapter_model.safetensors"))
    assert before.keys() == after.keys()
    # a near-zero learning rate keeps the weights: the run really started from the adapter
    for name, weights in before.items():
        assert abs(after[name] - weights).max() < 1e-4, name


def test_a_fresh_run_records_no_starting_model(tiny_model_dir: Path) -> None:
    assert read_card(tiny_model_dir)["training"]["init_from"] is None
