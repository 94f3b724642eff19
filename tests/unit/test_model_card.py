"""The model card's README: what a model was trained on and what it was validated on are
listed apart (a validation set under "Training data" would read as a leak), and a distilled
student shows its teacher's figures beside its own."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import InputError
from pipeline.model.card import render_readme, report_folder

REPORT = {"n": 10, "accuracy": 0.9, "macro_f1": 0.8, "binary_accuracy": 0.95, "ece": 0.05}


def _card(**extra: Any) -> dict[str, Any]:
    return {
        "version": "v1",
        "labels": ["negative", "neutral", "positive"],
        "data": {
            "sst_phrases": {"rows": 100, "labels": {"neutral": 100}},
            "sst_test": {"rows": 20, "labels": {"neutral": 20}, "role": "validation"},
        },
        "validation": {"sst_test": REPORT},
        **extra,
    }


def _section(readme: str, heading: str) -> str:
    return readme.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def test_validation_sets_are_listed_apart_from_the_training_data() -> None:
    readme = render_readme(_card())
    training = _section(readme, "Training data")
    assert "sst_phrases: 100 rows" in training
    assert "sst_test" not in training
    assert "sst_test: 20 rows" in _section(readme, "Validation data")


def test_a_card_without_validation_sets_has_no_empty_section() -> None:
    card = _card()
    del card["data"]["sst_test"]
    assert "Validation data" not in render_readme(card)


def test_a_student_shows_its_teacher_on_the_same_sets() -> None:
    readme = render_readme(_card(teacher="teacher-v1", teacher_validation={"sst_test": REPORT}))
    assert "Its teacher `teacher-v1` on the same sets" in readme
    assert readme.count("| sst_test | 10 |") == 2
    assert "Its teacher" not in render_readme(_card())


def test_a_validation_report_is_never_written_over_a_models_own_card(tmp_path: Path) -> None:
    """Notebook 02 with ``output_dir`` the model's folder replaced the model's card and
    README with its (smoke: 48 rows a set) figures, which reports then quoted as the model's
    accuracy."""
    shipped = Path(__file__).resolve().parents[2] / "pipeline" / "model" / "default"
    model = tmp_path / "model"
    shutil.copytree(shipped, model, ignore=shutil.ignore_patterns("*.safetensors", "aspects"))
    card = (model / "model_card.json").read_bytes()
    with pytest.raises(InputError, match=r"holds a model .adapter_config.json.*another output_dir"):
        report_folder(model)
    assert (model / "model_card.json").read_bytes() == card
    fresh = report_folder(tmp_path / "runs" / "validation")
    assert fresh.is_dir() and report_folder(fresh) == fresh, "made, and made again"
