"""Commands that compare a model's labels with the product's classes read them by name: a
binary model is calibrated on the classes it has (no KeyError 'neutral'), and a model that
spells its labels NEGATIVE/NEUTRAL/POSITIVE passes the behavioural cases it gets right."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.model import behaviour, calibrate
from pipeline.model.card import calibration_text

VALIDATION = {
    "student_feedback_val": pd.DataFrame(
        {
            "text": ["good course", "bad course", "it was a course", "good notes"],
            "label": ["positive", "negative", "neutral", "positive"],
        }
    ),
    "sst_test": pd.DataFrame({"text": ["so so"], "label": ["neutral"]}),
}


class _KeywordModel:
    """Keyword probabilities over ``labels`` (the 'neg' class takes 'bad')."""

    version = "keywords"

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        k = len(self.labels)
        out = np.full((len(texts), k), 0.2 / (k - 1))
        for i, text in enumerate(texts):
            out[i, 0 if "bad" in text else k - 1] = 0.8
        return out


def _model_folder(tmp_path: Path, labels: tuple[str, ...]) -> Path:
    folder = tmp_path / "m_binary"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"id2label": dict(enumerate(labels))}))
    return folder


def _calibrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, labels: tuple[str, ...]
) -> tuple[Path, dict[str, object]]:
    folder = _model_folder(tmp_path, labels)
    monkeypatch.setattr(calibrate, "validation_frames", lambda _card, _dir: VALIDATION)
    monkeypatch.setattr(calibrate, "load_model", lambda _directory: labels)
    monkeypatch.setattr(calibrate, "Predictor", lambda loaded, **_options: _KeywordModel(loaded))
    section = calibrate.calibrate(calibrate.CalibrateOptions(model=str(folder)))
    return folder, section


def test_a_binary_model_is_calibrated_on_the_classes_it_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, section = _calibrate(tmp_path, monkeypatch, ("NEGATIVE", "positive"))

    assert section["fitted_on"] == {"student_feedback_val": 3}
    assert section["left_out"] == {
        "rows": {"student_feedback_val": 1, "sst_test": 1},
        "labels": ["neutral"],
    }
    card = json.loads((folder / "model_card.json").read_text())
    assert card["calibration"]["fitted_on"] == {"student_feedback_val": 3}
    assert "Left out: the rows labelled neutral" in calibration_text(section)


def test_a_model_naming_none_of_the_classes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match=r"\['LABEL_0', 'LABEL_1'\] name none"):
        _calibrate(tmp_path, monkeypatch, ("LABEL_0", "LABEL_1"))


class _PassAll:
    def check_many(self, texts: Sequence[str], _model: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(reason=None, language="en") for _ in texts]


def test_behaviour_reads_an_upper_case_label_as_the_class_it_names() -> None:
    cases = pd.DataFrame(
        {
            "category": ["praise", "complaint", "complaint"],
            "text": ["good course", "bad course", "good grief"],
            "expected": ["positive", "negative", "negative"],
            "same_as": ["", "", ""],
        }
    )
    model = _KeywordModel(("NEGATIVE", "NEUTRAL", "POSITIVE"))

    report = behaviour.run_suite(model, cases, _PassAll())  # type: ignore[arg-type]

    assert report.cases["outcome"].tolist() == ["POSITIVE", "NEGATIVE", "POSITIVE"]
    assert report.cases["passed"].tolist() == [True, True, False]


def test_behaviour_keeps_no_label_apart_from_any_label() -> None:
    assert behaviour.same_outcome("no label", "no label")
    assert not behaviour.same_outcome("NEUTRAL", "no label")
    assert not behaviour.same_outcome("no label", "neutral")
