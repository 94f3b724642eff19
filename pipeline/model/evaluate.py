"""Evaluate a model on labelled data sets; ``main(argv)`` backs ``sentiment-pipeline evaluate``."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cli.output import writable, write_whole
from pipeline.errors import EncodingError, InputError, MalformedInputError
from pipeline.model.card import metrics_table
from pipeline.model.data import LabelledRows, read_labelled_csv
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
    """A report per ``--data`` file, with ``left_out`` where the file had rows with no text
    or no label. The output file and the data are checked before the model loads (seconds)
    and labels them (minutes): a bad one is refused first."""
    if options.output:
        writable(options.output)
    data = load_data_sets(options.data)
    predictor = Predictor.load(
        options.model, batch_size=options.batch_size, precision=options.precision
    )
    reports = evaluate_frames(predictor, {name: rows.frame for name, rows in data.items()})
    for name, rows in data.items():
        if rows.no_text or rows.no_label:
            reports[name]["left_out"] = {"no_text": rows.no_text, "no_label": rows.no_label}
    if options.output:  # whole or not at all, as every file the command line writes
        write_whole(options.output, (json.dumps(reports, indent=2) + "\n").encode("utf-8"))
    return reports


def report_text(reports: dict[str, dict[str, Any]]) -> str:
    """The table of ``metrics_table``, then a line per data set that left rows out, which
    its ``n`` does not count (a blank text or label in an export of corrections)."""
    lines = [metrics_table(reports)]
    for name, report in reports.items():
        left_out = report.get("left_out")
        if left_out:
            parts = [
                f"{_rows(left_out[key])} with no {what}"
                for key, what in (("no_text", "text"), ("no_label", "label"))
                if left_out[key]
            ]
            lines.append(f"{name}: left out {' and '.join(parts)} (not in n)")
    return "\n".join(lines)


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def load_data_sets(paths: Sequence[Path]) -> dict[str, LabelledRows]:
    """Each ``text,label`` file read, under its name (``data_set_names``)."""
    files = [Path(path) for path in paths]
    return {name: _labelled(path) for name, path in zip(data_set_names(files), files, strict=True)}


def data_set_names(paths: Sequence[Path]) -> list[str]:
    """A name per file for the table and the JSON: its stem (``validation``), or as many of
    its folders as tell it from another file of that stem (``a/validation`` and
    ``b/validation``: the shared data's ``professor_reviews/train.csv`` and
    ``sst_phrases/train.csv``), or its ending where that does (``a.csv``, ``a.txt``), so no
    file's figures replace another's. InputError for a file given twice."""
    full = [path.resolve() for path in paths]
    for index, path in enumerate(full):
        if path in full[:index]:
            raise InputError(f"--data {paths[index]} is given twice")
    parts = [_name_parts(path, full) for path in full]
    depth = [1] * len(parts)
    while True:
        names = ["/".join(part[-most:]) for part, most in zip(parts, depth, strict=True)]
        clashing = [i for i, name in enumerate(names) if names.count(name) > 1]
        if not clashing:
            return names
        for i in clashing:
            if depth[i] < len(parts[i]):
                depth[i] += 1
            else:  # whole and still alike (``a.csv`` and ``a.csv.csv`` beside ``a.txt``)
                parts[i], depth[i] = (full[i].as_posix(),), 1


def _name_parts(path: Path, others: Sequence[Path]) -> tuple[str, ...]:
    """``path``'s folders and its stem, or its whole name where a file of its folder has
    the same stem."""
    twin = any(o != path and o.parent == path.parent and o.stem == path.stem for o in others)
    return (*path.parent.relative_to(path.anchor).parts, path.name if twin else path.stem)


def _labelled(path: Path) -> LabelledRows:
    """``read_labelled_csv``, its refusals naming the file: a ragged or unreadable CSV (a
    pandas traceback otherwise), text that is not UTF-8, a label it does not know."""
    try:
        return read_labelled_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        raise MalformedInputError(f"{path} is not a readable CSV: {reason}") from exc
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{path} is not UTF-8 text (byte {exc.start:,}): save it as CSV UTF-8"
        ) from exc
    except InputError as exc:
        if str(path) in str(exc):
            raise
        raise InputError(f"{path}: {exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(EvaluateOptions, argv, "Evaluate a sentiment model on labelled CSVs.")
    sys.stdout.write(report_text(evaluate(options)) + "\n")
    return 0
