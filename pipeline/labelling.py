"""Turn a chunk of input rows into result rows: every input column plus label, scores, error."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.model.predictor import EMPTY_TEXT_REASON, Predictor

LABEL_COLUMN = "label"
ERROR_COLUMN = "error"
VERSION_COLUMN = "model_version"


def score_column(label: str) -> str:
    return f"score_{label}"


def result_columns(input_columns: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The order of columns in every results table: inputs first, then what the model adds."""
    added = [LABEL_COLUMN, *(score_column(lab) for lab in labels), ERROR_COLUMN, VERSION_COLUMN]
    return [c for c in input_columns if c not in added] + added


def label_frame(predictor: Predictor, frame: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """Score one chunk; blank comments get no label and the reason in ``error``."""
    probs = predictor.predict_proba(frame[text_column].tolist())
    blank = np.isnan(probs[:, 0])
    labels = np.asarray(predictor.labels, dtype=object)[np.nan_to_num(probs).argmax(axis=1)]
    out = frame.copy()
    out[LABEL_COLUMN] = np.where(blank, None, labels)
    for i, name in enumerate(predictor.labels):
        out[score_column(name)] = probs[:, i]
    reasons = pd.Series(EMPTY_TEXT_REASON, index=out.index, dtype=object)
    out[ERROR_COLUMN] = reasons.where(blank, None)
    out[VERSION_COLUMN] = predictor.version
    return out
