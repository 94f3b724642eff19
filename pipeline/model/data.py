"""Labelled data for training and validation: loaders for each source and the fixed split.

Every loader returns a DataFrame with the columns ``text`` and ``label`` (one of LABELS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError, MissingColumnError
from pipeline.model.labels import LABELS, normalise_labels
from pipeline.model.textprep import untokenize_sst

STUDENT_FEEDBACK = "student_feedback/student_feedback.csv"
SST_PHRASES = "sst_phrases/train.csv"
SST_TEST = "sst_phrases/test_sentences.csv"
PROFESSOR_REVIEWS = "professor_reviews/train.csv"
TWEETEVAL = "tweeteval/validation.csv"
AUTHORED_COMMENTS = Path(__file__).with_name("authored_comments.csv")
"""Ships with the package (not under a data directory nor a model): it is training data."""


def _require(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"data file not found: {path}")
    return path


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["text", "label"]].dropna()
    frame = frame.assign(text=frame["text"].astype(str).str.strip())
    return frame[frame["text"] != ""].reset_index(drop=True)


@dataclass(frozen=True)
class LabelledRows:
    """A ``text,label`` file's usable rows, and how many rows it left out: those with no
    text (an empty cell or spaces) and those with a text but no label. ``evaluate`` says
    so, as its ``n`` counts only the rows it labelled."""

    frame: pd.DataFrame
    no_text: int = 0
    no_label: int = 0


def load_labelled_csv(path: Path) -> pd.DataFrame:
    """A ``text,label`` CSV such as the corrections exported from the app. Labels are names
    or numbers, the numbers read by the convention the whole column's numbers show
    (``pipeline.model.labels``: 0/1 is negative/positive, as SST-2 writes it)."""
    return read_labelled_csv(path).frame


def read_labelled_csv(path: Path) -> LabelledRows:
    """``load_labelled_csv``, with the count of the rows it left out."""
    # Labels as text: a numeric column with a blank cell would otherwise be read as floats.
    frame = pd.read_csv(_require(path), encoding="utf-8-sig", dtype={"label": str})
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise MissingColumnError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    no_text = frame["text"].isna() | (frame["text"].astype(str).str.strip() == "")
    no_label = frame["label"].isna() & ~no_text
    frame = frame[~(no_text | no_label)]
    try:
        labels = normalise_labels(frame["label"])
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return LabelledRows(_clean(frame.assign(label=labels)), int(no_text.sum()), int(no_label.sum()))


def load_student_feedback(data_dir: Path) -> pd.DataFrame:
    return load_labelled_csv(data_dir / STUDENT_FEEDBACK)


def load_tweeteval(data_dir: Path) -> pd.DataFrame:
    return load_labelled_csv(data_dir / TWEETEVAL)


def _sst_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(text=frame["text"].map(untokenize_sst))


def load_sst_phrases(data_dir: Path) -> pd.DataFrame:
    """Every labelled subtree of the SST train trees, in ordinary spacing ("isn't", "film's")."""
    return _sst_text(load_labelled_csv(data_dir / SST_PHRASES))


def load_sst_test(data_dir: Path) -> pd.DataFrame:
    """SST test sentences (3 classes); the non-neutral rows are the SST-2 test set."""
    return _sst_text(load_labelled_csv(data_dir / SST_TEST))


def load_professor_reviews(data_dir: Path) -> pd.DataFrame:
    """RateMyProfessors reviews labelled from their rating (neutral = 3 of 5, often mixed)."""
    return load_labelled_csv(data_dir / PROFESSOR_REVIEWS)


def load_authored_comments(path: Path = AUTHORED_COMMENTS) -> pd.DataFrame:
    """Hand-written course comments for what the public sources lack (sarcasm, litotes,
    complaints stated as facts, factual statements, suggestions, emoji, comparatives, contrast).

    Besides ``text`` and ``label`` it keeps ``phenomenon``, so a report can count each one.
    """
    # Every cell as text and no NA guessing: a comment such as "None" or "N/A" is a comment.
    frame = pd.read_csv(_require(path), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    missing = {"text", "label", "phenomenon"} - set(frame.columns)
    if missing:
        raise MissingColumnError(f"{path} lacks the column(s) {', '.join(sorted(missing))}")
    frame = frame.assign(text=frame["text"].str.strip(), label=normalise_labels(frame["label"]))
    return frame.loc[frame["text"] != "", ["text", "label", "phenomenon"]].reset_index(drop=True)


def stratified_split(
    frame: pd.DataFrame, val_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split per label with a fixed seed, so every class keeps its share in both halves."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = np.random.default_rng(seed)
    val_index: list[int] = []
    for label in sorted(frame["label"].unique()):
        rows = frame.index[frame["label"] == label].to_numpy().copy()
        rng.shuffle(rows)
        val_index.extend(rows[: max(1, round(len(rows) * val_fraction))].tolist())
    val_mask = frame.index.isin(val_index)
    return frame[~val_mask].reset_index(drop=True), frame[val_mask].reset_index(drop=True)


def sample_rows(frame: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    if limit is None or len(frame) <= limit:
        return frame
    return frame.sample(n=limit, random_state=seed).reset_index(drop=True)


def overlap_key(text: str) -> str:
    """A text as it is compared with the validation sets: SST's token spacing undone (as its
    loaders do), whitespace collapsed, case folded; a copy differing only so is the same."""
    return untokenize_sst(" ".join(str(text).split())).casefold()


def drop_texts(frame: pd.DataFrame, keys: set[str]) -> tuple[pd.DataFrame, int]:
    """``frame`` without the rows whose text's ``overlap_key`` is in ``keys``, and how many
    rows that left out."""
    if frame.empty or not keys:
        return frame, 0
    held = frame["text"].map(overlap_key).isin(keys)
    return frame[~held].reset_index(drop=True), int(held.sum())


def label_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["label"].value_counts()
    return {label: int(counts.get(label, 0)) for label in LABELS}


def concat_sources(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(list(parts), ignore_index=True)
