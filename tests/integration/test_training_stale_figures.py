"""Training into a folder that holds an earlier model: the figures notebook 01 saved beside
that model (its training curve, its confusion matrices) are removed with it, so none beside
the new model describes the old one; the folder's other files are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.model.train import TrainOptions, train

FIGURES = ("training_curve.png", "confusion_matrices.png")  # as notebook 01 names them

pytestmark = pytest.mark.slow


def test_retraining_removes_the_earlier_runs_figures(shared_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model_nb"
    out.mkdir()
    for name in FIGURES:
        (out / name).write_bytes(b"\x89PNG of the earlier model")
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")

    result = train(
        TrainOptions(data_dir=shared_data_dir, output_dir=out, limit_per_source=16, max_steps=2)
    )

    assert result.output_dir == out
    assert not [name for name in FIGURES if (out / name).exists()]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "adapter_model.safetensors").is_file()
