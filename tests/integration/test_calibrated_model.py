"""``calibrate`` on a real (tiny) model: the card gets its temperature and review threshold,
and every precision path scores with the temperature."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.model.calibrate import CalibrateOptions, calibrate
from pipeline.model.calibration import scaled_probabilities
from pipeline.model.loading import load_model
from pipeline.model.precision import machine_capabilities, supported_precisions
from pipeline.model.predictor import Predictor

pytestmark = pytest.mark.slow

TEXTS = ["Great course!", "Terrible lectures.", "The exam is on Monday.", "Not bad at all."]


@pytest.fixture(scope="module")
def calibrated_dir(
    tiny_model_dir: Path, shared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    copy = tmp_path_factory.mktemp("calibrated") / "model"
    shutil.copytree(tiny_model_dir, copy)
    calibrate(CalibrateOptions(model=str(copy), data_dir=shared_data_dir, batch_size=16))
    return copy


def test_the_card_records_the_fit(calibrated_dir: Path) -> None:
    section = json.loads((calibrated_dir / "model_card.json").read_text())["calibration"]
    assert section["temperature"] > 0
    assert set(section["ece_before"]) == set(section["ece_after"]) == set(section["fitted_on"])
    assert all(rows > 0 for rows in section["fitted_on"].values())
    assert 1 / 3 <= section["low_confidence"] <= 1
    assert "## Calibration" in (calibrated_dir / "README.md").read_text()


def test_the_predictor_divides_logits_by_the_temperature(calibrated_dir: Path) -> None:
    loaded = load_model(calibrated_dir)
    plain = Predictor(loaded, device="cpu", precision="fp32", calibrated=False)
    scaled = Predictor(loaded, device="cpu", precision="fp32")
    assert scaled.temperature == loaded.temperature != 1.0
    assert scaled.low_confidence == loaded.low_confidence and plain.low_confidence is None
    expected = scaled_probabilities(np.log(plain.predict_proba(TEXTS)), loaded.temperature)
    assert np.allclose(scaled.predict_proba(TEXTS), expected, atol=1e-5)


def test_every_precision_and_long_texts_use_the_temperature(calibrated_dir: Path) -> None:
    loaded = load_model(calibrated_dir)
    long_text = " ".join(["The lectures were clear and the labs were useful."] * 30)
    texts = [*TEXTS, long_text]
    exact = Predictor(loaded, device="cpu", precision="fp32").predict_proba(texts)
    plain = Predictor(loaded, device="cpu", precision="fp32", calibrated=False).predict_proba(texts)
    assert not np.allclose(exact[-1], plain[-1], atol=1e-4)
    for precision in supported_precisions("cpu", machine_capabilities("cpu")):
        fast = Predictor(loaded, device="cpu", precision=precision).predict_proba(texts)
        assert (fast.argmax(axis=1) == exact.argmax(axis=1)).all()
        assert np.allclose(fast, exact, atol=0.05)
