"""Evaluate a model on labelled data sets; ``main(argv)`` backs ``sentiment-pipeline evaluate``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import InputError
from pipeline.model.card import metrics_table
from pipeline.model.data import load_labelled_csv
from pipeline.model.metrics import classification_report
from pipeline.model.options import parse_options
from pipeline.model.predictor import Predictor


@dataclass(frozen=True)
class EvaluateOptions:
    model: str = field(default="default", metadata={"help": "model name, directory or s3:// URI"})
    data: tuple[Path, ...] = field(
        default=(), metadata={"help": "one or more text,label CSV files to evaluate on"}
    )
    batch_size: int = field(default=64, metadata={"help": "texts per forward pass"})
    precision: str = field(
        default="fp32",
        metadata={"help": "fp32 (the model's own figures), bf16, int8, or auto (what workers run)"},
    )
    output: Path | None = field(default=None, metadata={"help": "write the report as JSON here"})

    def __post_init__(self) -> None:
        if not self.data:
            raise InputError("evaluate needs at least one --data FILE.csv (columns text,label)")
        if self.batch_size < 1:
            raise InputError("--batch-size must be at least 1")


def evaluate_frames(
    predictor: Predictor, frames: Mapping[str, pd.DataFrame]
) -> dict[str, dict[str, Any]]:
    """One classification report per named ``text,label`` frame."""
    reports = {}
    for name, frame in frames.items():
        unknown = set(frame["label"]) - set(predictor.labels)
        if unknown:
            raise InputError(f"{name}: labels {sorted(unknown)} are not among {predictor.labels}")
        probs = predictor.predict_proba(frame["text"].tolist())
        reports[name] = classification_report(probs, frame["label"].tolist(), predictor.labels)
    return reports


def evaluate(options: EvaluateOptions) -> dict[str, dict[str, Any]]:
    predictor = Predictor.load(
        options.model, batch_size=options.batch_size, precision=options.precision
    )
    frames = {Path(p).stem: load_labelled_csv(Path(p)) for p in options.data}
    reports = evaluate_frames(predictor, frames)
    if options.output:
        options.output.write_text(json.dumps(reports, indent=2) + "\n")
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(EvaluateOptions, argv, "Evaluate a sentiment model on labelled CSVs.")
    reports = evaluate(options)
    sys.stdout.write(metrics_table(reports) + "\n")
    return 0
