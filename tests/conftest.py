"""Shared fixtures: a tiny trained model so tests never depend on long training."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"labelled data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, shared_data_dir: Path) -> Path:
    """A real (barely trained) LoRA model directory: same format as the shipped one, ~20 s."""
    from pipeline.model.train import TrainOptions, train

    out = tmp_path_factory.mktemp("tiny_model")
    train(
        TrainOptions(
            data_dir=shared_data_dir,
            output_dir=out,
            limit_per_source=48,
            max_steps=4,
            log_every=2,
        )
    )
    return out
