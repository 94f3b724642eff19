"""The model section of a report: which model labelled the job and how accurate it measured.

The figures come from the model's card (``model_card.json``, written by training and
``sentiment-pipeline calibrate``) and are shown only when the card is of the very version that
labelled the job: a report must not credit one model with another's accuracy. The card is read
where it already is on this machine (the shipped model, a local directory); an ``s3://`` model
is not downloaded for a report. The aspect model's figures come from its own card
(``aspects/aspect_card.json`` beside the shipped model), under the same rule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.model.loading import read_card
from pipeline.model.locate import DEFAULT_MODEL, shipped_model_dir
from pipeline.report.data import AspectModelFacts, Evaluation, ModelFacts

ASPECT_CARD = "aspect_card.json"

DATA_SET_NAMES = {
    "student_feedback_val": "Student feedback (course comments), held-out 20 %",
    "professor_reviews_val": "Professor reviews, held-out 10 %",
    "sst_test": "SST test sentences (film reviews)",
}
"""Readable names of the validation sets training writes into the card; others show as is."""


def local_card(reference: str) -> dict[str, Any]:
    """The card of the model ``reference`` names where it is on this machine; {} otherwise."""
    if reference == DEFAULT_MODEL:
        return read_card(shipped_model_dir())
    if "://" in reference:
        return {}
    directory = Path(reference).expanduser()
    return read_card(directory) if directory.is_dir() else {}


def shipped_aspect_card() -> dict[str, Any]:
    """The card of the aspect model that ships beside the sentiment model (the one jobs use);
    {} where it is missing or unreadable."""
    path = shipped_model_dir() / "aspects" / ASPECT_CARD
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


def model_facts(version: str | None, card: Mapping[str, Any]) -> ModelFacts:
    """The facts of model ``version``; the card's figures only if it is that version's card."""
    if version is None or card.get("version") != version:
        return ModelFacts(version=version)
    validation = card.get("validation") or {}
    evaluations = tuple(
        Evaluation(
            name=DATA_SET_NAMES.get(name, name),
            n=int(figures.get("n") or 0),
            accuracy=_number(figures.get("accuracy")),
            macro_f1=_number(figures.get("macro_f1")),
            binary_accuracy=_number(figures.get("binary_accuracy")),
        )
        for name, figures in sorted(validation.items(), key=lambda item: _order(item[0]))
    )
    calibration = card.get("calibration") or {}
    return ModelFacts(
        version=version,
        evaluations=evaluations,
        temperature=_number(calibration.get("temperature")),
    )


def aspect_facts(version: str | None, card: Mapping[str, Any]) -> AspectModelFacts:
    """The aspect model's held-out figures, from its card only if the card is of ``version``
    (read, never copied: retraining changes them). The sentiment figure is the method the card
    names as shipped (``polarity_method``, else the polarity head)."""
    if version is None or card.get("version") != version:
        return AspectModelFacts(version=version)
    held = card.get("held_out") or {}
    detection = held.get("detection") or {}
    baseline = (card.get("zero_shot_baseline") or {}).get("one_threshold") or {}
    polarity = (held.get("polarity") or {}).get(card.get("polarity_method") or "polarity_head")
    polarity = polarity or {}
    return AspectModelFacts(
        version=version,
        held_out=_integer(held.get("comments")),
        micro_f1=_number(detection.get("micro_f1")),
        macro_f1=_number(detection.get("macro_f1")),
        baseline_micro_f1=_number(baseline.get("micro_f1")),
        baseline_macro_f1=_number(baseline.get("macro_f1")),
        sentiment_accuracy=_number(polarity.get("accuracy")),
        sentiment_pairs=_integer(polarity.get("n")),
    )


def _order(name: str) -> tuple[int, str]:
    """The product's own domain (course comments) first, then the known sets, then the rest."""
    known = list(DATA_SET_NAMES)
    return (known.index(name) if name in known else len(known), name)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)
