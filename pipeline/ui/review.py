"""The review loop: find the comments the model is least sure about and export a person's
verdicts as a ``text,label`` CSV that training accepts (``load_labelled_csv``, ``--extra-data``).
"""

from __future__ import annotations

import io

import pandas as pd

from pipeline.csv_rows import quoting_for
from pipeline.errors import InputError
from pipeline.model.labels import normalise_label
from pipeline.ui.exports import score_columns

CONFIDENCE = "confidence"
COPIES = "copies"
REVIEWED = "reviewed"
CORRECT_LABEL = "correct_label"
FALLBACK_THRESHOLD = 0.6
"""For jobs labelled by a model without a calibrated review threshold."""
LOWEST_THRESHOLD = 0.34
"""Just above 1/3: with three labels no chosen label scores less."""


def starting_threshold(model_threshold: float | None) -> float:
    """Where the review slider starts: the labelling model's calibrated threshold (the score
    below which it was right less than 7 times in 10 on validation data), else the fallback."""
    if model_threshold is None:
        return FALLBACK_THRESHOLD
    return round(min(1.0, max(LOWEST_THRESHOLD, model_threshold)), 2)


def with_confidence(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``confidence``: the probability of the chosen label (NaN for unscored rows)."""
    scores = score_columns(frame.columns)
    confidence = frame[scores].max(axis=1, skipna=False) if scores else float("nan")
    return frame.assign(**{CONFIDENCE: confidence})


def same_text(text: str) -> str:
    """What makes two comments one: "Great course!" and " great  course! " are the same."""
    return " ".join(text.split()).casefold()


def distinct_comments(
    frame: pd.DataFrame, text_column: str, by: str, ascending: bool
) -> pd.DataFrame:
    """``frame`` sorted by ``by``, each comment kept once (its first row; ``same_text``) with
    ``copies``: how many rows of ``frame`` wrote it."""
    key = frame[text_column].astype(str).map(same_text)
    counted = frame.assign(**{COPIES: key.map(key.value_counts())})
    ranked = counted.sort_values(by, ascending=ascending, kind="stable")
    return ranked[~key.loc[ranked.index].duplicated()]


def low_confidence(
    frame: pd.DataFrame, text_column: str, threshold: float, limit: int = 50
) -> pd.DataFrame:
    """The distinct scored comments below ``threshold`` confidence, least sure first, ready
    for review: text, predicted label, confidence, ``copies`` (how many rows wrote it), a
    ``correct_label`` to edit and a ``reviewed`` tick. A comment written by 200 students is
    one row to check, not 200 that fill the list."""
    scored = with_confidence(frame)
    scored = scored[scored[CONFIDENCE].notna() & (scored[CONFIDENCE] < threshold)]
    scored = distinct_comments(scored, text_column, CONFIDENCE, ascending=True).head(limit)
    return pd.DataFrame(
        {
            text_column: scored[text_column],
            "label": scored["label"],
            CONFIDENCE: scored[CONFIDENCE],
            COPIES: scored[COPIES],
            CORRECT_LABEL: scored["label"],
            REVIEWED: False,
        },
        index=scored.index,
    )


def corrections(reviewed: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """The ticked rows as ``text,label`` (a confirmed label is as useful as a corrected one)."""
    ticked = reviewed[reviewed[REVIEWED].fillna(False).astype(bool)]
    rows = []
    for text, label in zip(ticked[text_column], ticked[CORRECT_LABEL], strict=True):
        if not str(text).strip():
            continue
        if label is None or (isinstance(label, float) and pd.isna(label)):
            raise InputError(f"choose a label for the reviewed comment {str(text)[:60]!r}")
        rows.append({"text": str(text), "label": normalise_label(label)})
    return pd.DataFrame(rows, columns=["text", "label"])


def corrections_csv(reviewed: pd.DataFrame, text_column: str) -> bytes:
    """Plain UTF-8 CSV: training data, not a spreadsheet export, so no formula escaping (it
    would change the text the model learns from)."""
    buffer = io.StringIO()
    rows = corrections(reviewed, text_column)
    rows.to_csv(buffer, index=False, quoting=quoting_for(rows.itertuples(index=False, name=None)))
    return buffer.getvalue().encode("utf-8")


def correction_counts(reviewed: pd.DataFrame) -> tuple[int, int]:
    """How many rows were reviewed, and how many of those changed the label."""
    ticked = reviewed[reviewed[REVIEWED].fillna(False).astype(bool)]
    changed = int((ticked[CORRECT_LABEL] != ticked["label"]).sum())
    return len(ticked), changed
