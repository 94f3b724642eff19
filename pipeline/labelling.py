"""Label a chunk of input rows, and name the columns of the results: every input column, then
label, scores, error, model version, language, aspects, aspect sentiments, theme and (for a
job submitted with explain) explanation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.predictor import Predictor, is_blank
from pipeline.model.screening import CommentScreen

LABEL_COLUMN = "label"
ERROR_COLUMN = "error"
VERSION_COLUMN = "model_version"
LANGUAGE_COLUMN = "language"
ASPECTS_COLUMN = "aspects"
ASPECT_SENTIMENTS_COLUMN = "aspect_sentiments"
THEME_COLUMN = "theme"
EXPLANATION_COLUMN = "explanation"
INSIGHT_COLUMNS = (ASPECTS_COLUMN, ASPECT_SENTIMENTS_COLUMN, THEME_COLUMN)


SCORE_PREFIX = "score_"


def score_column(label: str) -> str:
    return f"{SCORE_PREFIX}{label}"


def check_comment_column(name: str) -> None:
    """Refuse a comment column named like one of the model's columns. Other input columns are
    renamed in the results (``input_names``); the comment column is the one every view of the
    results looks up by its own name, so it must keep it."""
    reserved = (
        LABEL_COLUMN,
        ERROR_COLUMN,
        VERSION_COLUMN,
        LANGUAGE_COLUMN,
        *INSIGHT_COLUMNS,
        EXPLANATION_COLUMN,
    )
    if name in reserved or name.startswith(SCORE_PREFIX):
        raise InputError(
            f"the comment column cannot be called {name!r}: the results add a column of that "
            "name (label, score_<label>, error, model_version, language, aspects, "
            "aspect_sentiments, theme, explanation); rename it in the file"
        )


INPUT_PREFIX = "input_"
"""Put before an input column's name where the model's output takes that name."""


def added_columns(labels: Sequence[str], explain: bool = False) -> list[str]:
    """What the model adds to every row, in order (``explanation`` only with ``explain``)."""
    scores = (score_column(lab) for lab in labels)
    added = [LABEL_COLUMN, *scores, ERROR_COLUMN, VERSION_COLUMN, LANGUAGE_COLUMN, *INSIGHT_COLUMNS]
    return [*added, EXPLANATION_COLUMN] if explain else added


def input_names(input_columns: Sequence[str], labels: Sequence[str]) -> dict[str, str]:
    """Each input column's name in the results: its own, unless the model's output takes it —
    a file with its own ``label`` column keeps it, as ``input_label``, beside the model's
    (``explanation`` is renamed whether or not the job explains, so names never depend on it)."""
    added = set(added_columns(labels, explain=True))
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


def result_columns(
    input_columns: Sequence[str], labels: Sequence[str], explain: bool = False
) -> list[str]:
    """The columns of every results table: the inputs first, then what the model adds."""
    names = input_names(input_columns, labels)
    return [names[column] for column in input_columns] + added_columns(labels, explain)


def too_long_reason(chars: int, limit: int) -> str:
    """The ``error`` of a comment over the length limit (a row error, not a refused file)."""
    return (
        f"the comment has {chars:,} characters, over the limit of {limit:,} "
        "(PIPELINE_MAX_COMMENT_CHARS): not labelled"
    )


def label_frame(
    predictor: Predictor,
    frame: pd.DataFrame,
    text_column: str,
    max_chars: int | None = None,
    screen: CommentScreen | None = None,
) -> pd.DataFrame:
    """The model's columns for one chunk, indexed like it (the input columns stay apart, so
    none is overwritten). Comments over ``max_chars`` and those ``screen`` turns away (blank,
    placeholders, other languages; by default placeholders only, languages not told) are never
    sent to the model: they get no label and the reason in ``error``. The comment itself is
    kept whole."""
    screen = screen or CommentScreen(NoOpinion.with_extra())
    texts = ["" if is_blank(text) else str(text) for text in frame[text_column].tolist()]
    fits = [max_chars is None or len(text) <= max_chars for text in texts]
    screened = [text for text, ok in zip(texts, fits, strict=True) if ok]
    verdicts = iter(screen.check_many(screened, predictor.version))
    reasons: list[str | None] = []
    languages: list[str | None] = []
    for text, ok in zip(texts, fits, strict=True):
        if max_chars is not None and not ok:
            reasons.append(too_long_reason(len(text), max_chars))
            languages.append(None)
            continue
        verdict = next(verdicts)
        reasons.append(verdict.reason)
        languages.append(verdict.language)
    probs = predictor.predict_proba(
        ["" if reason else text for text, reason in zip(texts, reasons, strict=True)]
    )
    unscored = np.isnan(probs[:, 0])
    labels = np.asarray(predictor.labels, dtype=object)[np.nan_to_num(probs).argmax(axis=1)]
    out = pd.DataFrame({LABEL_COLUMN: np.where(unscored, None, labels)}, index=frame.index)
    for i, name in enumerate(predictor.labels):
        out[score_column(name)] = probs[:, i]
    out[ERROR_COLUMN] = pd.Series(reasons, index=out.index, dtype=object)
    out[VERSION_COLUMN] = predictor.version
    out[LANGUAGE_COLUMN] = pd.Series(languages, index=out.index, dtype=object)
    return out
