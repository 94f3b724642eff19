"""Label a chunk of input rows, and name the columns of the results: every input column, then
label, scores, error and model version."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.model.predictor import EMPTY_TEXT_REASON, Predictor

LABEL_COLUMN = "label"
ERROR_COLUMN = "error"
VERSION_COLUMN = "model_version"


SCORE_PREFIX = "score_"


def score_column(label: str) -> str:
    return f"{SCORE_PREFIX}{label}"


def check_comment_column(name: str) -> None:
    """Refuse a comment column named like one of the model's columns. Other input columns are
    renamed in the results (``input_names``); the comment column is the one every view of the
    results looks up by its own name, so it must keep it."""
    if name in (LABEL_COLUMN, ERROR_COLUMN, VERSION_COLUMN) or name.startswith(SCORE_PREFIX):
        raise InputError(
            f"the comment column cannot be called {name!r}: the results add a column of that "
            "name (label, score_<label>, error, model_version); rename it in the file"
        )


INPUT_PREFIX = "input_"
"""Put before an input column's name where the model's output takes that name."""


def added_columns(labels: Sequence[str]) -> list[str]:
    """What the model adds to every row, in order."""
    return [LABEL_COLUMN, *(score_column(lab) for lab in labels), ERROR_COLUMN, VERSION_COLUMN]


def input_names(input_columns: Sequence[str], labels: Sequence[str]) -> dict[str, str]:
    """Each input column's name in the results: its own, unless the model's output takes it —
    a file with its own ``label`` column keeps it, as ``input_label``, beside the model's."""
    added = set(added_columns(labels))
    taken = added | set(input_columns)
    names = {}
    for column in input_columns:
        name = column
        if column in added:
            name = INPUT_PREFIX + column
            while name in taken:
                name = INPUT_PREFIX + name
            taken.add(name)
        names[column] = name
    return names


def result_columns(input_columns: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The columns of every results table: the inputs first, then what the model adds."""
    names = input_names(input_columns, labels)
    return [names[column] for column in input_columns] + added_columns(labels)


def label_frame(predictor: Predictor, frame: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """The model's columns for one chunk, indexed like it (the input columns stay apart, so
    none is overwritten); blank comments get no label and the reason in ``error``."""
    probs = predictor.predict_proba(frame[text_column].tolist())
    blank = np.isnan(probs[:, 0])
    labels = np.asarray(predictor.labels, dtype=object)[np.nan_to_num(probs).argmax(axis=1)]
    out = pd.DataFrame({LABEL_COLUMN: np.where(blank, None, labels)}, index=frame.index)
    for i, name in enumerate(predictor.labels):
        out[score_column(name)] = probs[:, i]
    reasons = pd.Series(EMPTY_TEXT_REASON, index=out.index, dtype=object)
    out[ERROR_COLUMN] = reasons.where(blank, None)
    out[VERSION_COLUMN] = predictor.version
    return out
