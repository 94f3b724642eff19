"""Model cards: ``model_card.json`` for programs and a short ``README.md`` for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.model.loading import CARD_FILE

MODEL_FILES = ("config.json", "adapter_config.json")
"""What makes a folder a model (``pipeline.model.locate``): a report written there would
replace that model's own card."""

HEADLINE_METRICS = ("n", "accuracy", "macro_f1", "binary_accuracy", "ece")


def write_card(model_dir: Path, card: dict[str, Any]) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    (model_dir / "README.md").write_text(render_readme(card))


def report_folder(folder: Path) -> Path:
    """``folder``, made, for a validation report (``model_card.json``-style, and README):
    refused if it holds a model, whose card and README the report would replace; a smoke
    run's 48-row figures would then be what every report quotes as that model's accuracy."""
    held = [name for name in MODEL_FILES if (folder / name).exists()]
    if held:
        raise InputError(
            f"{folder} holds a model ({held[0]}): a validation report written there would "
            "replace its model_card.json and README.md; name another output_dir"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def metrics_table(validation: dict[str, dict[str, Any]]) -> str:
    """A Markdown table with one row per validation data set."""
    lines = [
        "| data set | " + " | ".join(HEADLINE_METRICS) + " |",
        "|---" * (len(HEADLINE_METRICS) + 1) + "|",
    ]
    for name, report in validation.items():
        cells = [_fmt(report.get(key)) for key in HEADLINE_METRICS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibration_text(section: dict[str, Any]) -> str:
    """The card's ``calibration`` (``sentiment-pipeline calibrate``) as Markdown."""
    lines = [
        f"Temperature {section['temperature']}: logits are divided by it before the softmax. "
        f"Review threshold {section['low_confidence']}: {section['low_confidence_rule']}.",
        "",
        "| data set | n | ECE before | ECE after |",
        "|---|---|---|---|",
    ]
    for name, rows in section["fitted_on"].items():
        before, after = section["ece_before"][name], section["ece_after"][name]
        lines.append(f"| {name} | {rows} | {before:.4f} | {after:.4f} |")
    left_out = section.get("left_out")
    if left_out:
        rows = ", ".join(f"{name} {count}" for name, count in left_out["rows"].items())
        lines += [
            "",
            f"Left out: the rows labelled {', '.join(left_out['labels'])}, a class the model "
            f"does not have ({rows}).",
        ]
    return "\n".join(lines)


def render_readme(card: dict[str, Any]) -> str:
    training = card.get("training", {})
    data = card.get("data", {})
    data_lines = _data_lines(data, held_out=False)
    held_out = _data_lines(data, held_out=True)
    validation_data = f"\n\n## Validation data (never trained on)\n{held_out}" if held_out else ""
    hyper = "\n".join(f"- {k}: {v}" for k, v in sorted(card.get("hyperparameters", {}).items()))
    stages = "".join(
        f"\n{i}. `{stage['version']}`: `{stage['command']}`"
        for i, stage in enumerate(card.get("stages", []), start=1)
    )
    lineage = f"\n## How it was trained, stage by stage\n{stages}\n" if stages else ""
    calibration = card.get("calibration")
    calibrated = f"\n## Calibration\n{calibration_text(calibration)}\n" if calibration else ""
    teacher = card.get("teacher_validation")
    against = (
        f"\nIts teacher `{card.get('teacher')}` on the same sets, in the same run:\n\n"
        f"{metrics_table(teacher)}\n"
        if teacher
        else ""
    )
    return f"""# Sentiment model {card.get("version")}

Labels: {", ".join(card.get("labels", []))}. Base encoder: `{card.get("base_model")}`
({card.get("architecture", "")}). Maximum window: {card.get("max_length")} tokens; longer texts
are scored in overlapping windows whose probabilities are averaged.

## Training data
{data_lines}{validation_data}

## Hyper-parameters (seed {card.get("seed")})
{hyper}

Trained in {training.get("seconds", 0):.0f} s on {training.get("hardware", "unknown")}.
{lineage}
## Validation
{metrics_table(card.get("validation", {}))}
{against}
Per-class precision and recall and the confusion matrices are in `model_card.json`.
{calibrated}"""


def _data_lines(data: dict[str, dict[str, Any]], *, held_out: bool) -> str:
    """One line per source of the card's ``data``: the training mix's, or (``held_out``)
    the validation sets' (``role: validation``)."""
    return "\n".join(
        f"- {name}: {info.get('rows')} rows {info.get('labels', '')}{_left_out(info)}"
        for name, info in data.items()
        if (info.get("role") == "validation") == held_out
    )


def _left_out(info: dict[str, Any]) -> str:
    """An extra CSV's rows left out because their text is in a validation set."""
    dropped = info.get("dropped_in_validation")
    return f" ({dropped} more left out: their text is in a validation set)" if dropped else ""


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
