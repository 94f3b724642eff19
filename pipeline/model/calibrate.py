"""Fit a model's temperature and review threshold on its validation sets and write them into
its card; ``main(argv)`` backs ``sentiment-pipeline calibrate``.

The validation sets are the ones training held out (``pipeline.model.corpus``), rebuilt with
the corpus options recorded in the card's ``hyperparameters``, so the fit never sees a
training row. Every set counts the same in the fit whatever its size: the small in-domain
student-feedback split is not drowned by thousands of movie sentences. The card then gets
``calibration``: the temperature, the review threshold and the expected calibration error of
each set before and after; the predictor divides the logits by the temperature in every
precision and window (pipeline/model/runtime.py).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.model.calibration import (
    REVIEW_BIN_SIZE,
    REVIEW_TARGET_ACCURACY,
    fit_temperature,
    review_threshold,
    scaled_probabilities,
)
from pipeline.model.card import calibration_text, write_card
from pipeline.model.labels import label_name
from pipeline.model.loading import load_model, read_card
from pipeline.model.locate import resolve_model_dir
from pipeline.model.metrics import expected_calibration_error
from pipeline.model.options import parse_options
from pipeline.model.predictor import Predictor

_NOT_CORPUS_OPTIONS = ("data_dir", "output_dir", "extra_data")
_LOG_FLOOR = 1e-12


@dataclass(frozen=True)
class CalibrateOptions:
    model: str = field(
        default="default", metadata={"help": "model name or local directory (its card is updated)"}
    )
    data_dir: Path = field(
        default=Path("../shared/data"), metadata={"help": "folder with the labelled data sets"}
    )
    batch_size: int = field(default=64, metadata={"help": "texts per forward pass"})

    def __post_init__(self) -> None:
        if str(self.model).startswith("s3://"):
            raise InputError("calibrate writes into the model's card: give a local directory")
        if self.batch_size < 1:
            raise InputError("--batch-size must be at least 1")


def calibration_section(
    log_probs: Mapping[str, np.ndarray], gold: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """The card's ``calibration`` from each validation set's uncalibrated log-probabilities
    and gold class indexes: T fitted with every set weighted equally, ECE per set before and
    after, and the review threshold from the calibrated scores of all sets together."""
    names = list(log_probs)
    logits = np.concatenate([log_probs[name] for name in names])
    y_true = np.concatenate([gold[name] for name in names])
    weights = np.concatenate([np.full(len(gold[name]), 1.0 / len(gold[name])) for name in names])
    temperature = fit_temperature(logits, y_true, weights)
    calibrated = scaled_probabilities(logits, temperature)

    def ece(name: str, t: float) -> float:
        return expected_calibration_error(scaled_probabilities(log_probs[name], t), gold[name])

    before = {name: ece(name, 1.0) for name in names}
    after = {name: ece(name, temperature) for name in names}
    threshold = review_threshold(calibrated.max(axis=1), calibrated.argmax(axis=1) == y_true)
    return {
        "temperature": round(temperature, 4),
        "fitted_on": {name: len(gold[name]) for name in names},
        "ece_before": {name: round(value, 4) for name, value in before.items()},
        "ece_after": {name: round(value, 4) for name, value in after.items()},
        "low_confidence": round(threshold, 3),
        "low_confidence_rule": (
            f"the lowest score from which up the calibrated labels of the validation sets "
            f"were right at least {REVIEW_TARGET_ACCURACY:.0%} of the time, in every bin of "
            f"{REVIEW_BIN_SIZE} comments sorted by score"
        ),
    }


def validation_frames(card: Mapping[str, Any], data_dir: Path) -> dict[str, pd.DataFrame]:
    """The validation sets training held out, rebuilt from the card's corpus options."""
    from pipeline.model.corpus import build_corpus
    from pipeline.model.train import TrainOptions

    known = {f.name for f in dataclasses.fields(TrainOptions)} - set(_NOT_CORPUS_OPTIONS)
    recorded = {k: v for k, v in (card.get("hyperparameters") or {}).items() if k in known}
    options = TrainOptions(data_dir=data_dir, **recorded)
    return dict(build_corpus(options.corpus_spec()).validation)


def calibrate(options: CalibrateOptions) -> dict[str, Any]:
    """Fit, write the card (and its README), and return the ``calibration`` section."""
    directory = resolve_model_dir(options.model)
    card = read_card(directory)
    frames = validation_frames(card, Path(options.data_dir))
    predictor = Predictor(
        load_model(directory), batch_size=options.batch_size, precision="fp32", calibrated=False
    )
    index = {label_name(label) or label: i for i, label in enumerate(predictor.labels)}
    log_probs, gold, left_out = {}, {}, {}
    for name, frame in frames.items():
        kept = frame[frame["label"].isin(list(index))]
        if len(kept) < len(frame):
            left_out[name] = len(frame) - len(kept)
        if kept.empty:
            continue
        probs = predictor.predict_proba(kept["text"].tolist())
        log_probs[name] = np.log(np.clip(probs, _LOG_FLOOR, 1.0))
        gold[name] = np.array([index[label] for label in kept["label"]], dtype=np.int64)
    if not gold:
        raise InputError(
            f"{directory}: the model's labels {list(predictor.labels)} name none of the "
            "validation sets' classes (negative, neutral, positive): nothing to calibrate on"
        )
    section = calibration_section(log_probs, gold)
    if left_out:
        section["left_out"] = {"rows": left_out, "labels": _lacking(frames, index)}
    write_card(directory, {**card, "calibration": section})
    return section


def _lacking(frames: Mapping[str, pd.DataFrame], index: Mapping[str, int]) -> list[str]:
    """The validation sets' classes a model has no label for (a binary model's neutral)."""
    found = {label for frame in frames.values() for label in frame["label"]}
    return sorted(found - set(index))


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(CalibrateOptions, argv, "Fit a model's temperature on validation data.")
    sys.stdout.write(calibration_text(calibrate(options)) + "\n")
    return 0
