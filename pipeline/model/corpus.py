"""Assemble the training mix and the validation sets from the data directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.model import data


@dataclass(frozen=True)
class CorpusSpec:
    """Which sources go into training and how much of each (a view of TrainOptions)."""

    data_dir: Path
    extra_data: Sequence[Path]
    val_fraction: float
    seed: int
    student_repeat: int
    authored_repeat: int
    sst_phrase_rows: int
    professor_rows: int
    professor_val_fraction: float
    limit_per_source: int


def spec_of(options: Any) -> CorpusSpec:
    """The corpus an options object (training's or distillation's) asks for: its fields of
    the same names; options without ``extra_data`` add none."""
    names = [f.name for f in fields(CorpusSpec) if f.name not in ("data_dir", "extra_data")]
    return CorpusSpec(
        data_dir=Path(options.data_dir),
        extra_data=tuple(getattr(options, "extra_data", ())),
        **{name: getattr(options, name) for name in names},
    )


@dataclass
class Corpus:
    train: pd.DataFrame
    validation: dict[str, pd.DataFrame]
    sources: dict[str, dict[str, Any]]


def build_corpus(spec: CorpusSpec) -> Corpus:
    """The training mix: student feedback (split, upweighted), SST phrases, professor reviews
    (split), TweetEval, the authored course comments (upweighted) and extra CSVs. Validation:
    held-out student feedback and professor reviews, and the SST test sentences (no test
    sentence occurs in the SST train trees the phrases come from)."""
    limit = spec.limit_per_source or None
    student = data.load_student_feedback(spec.data_dir)
    student_train, student_val = data.stratified_split(student, spec.val_fraction, spec.seed)
    professor = data.load_professor_reviews(spec.data_dir)
    professor_train, professor_val = data.stratified_split(
        professor, spec.professor_val_fraction, spec.seed
    )
    phrases = data.load_sst_phrases(spec.data_dir)
    parts: dict[str, pd.DataFrame] = {
        "student_feedback": data.sample_rows(student_train, limit, spec.seed),
        "sst_phrases": data.sample_rows(phrases, limit or spec.sst_phrase_rows or None, spec.seed),
        "professor_reviews": data.sample_rows(
            professor_train, limit or spec.professor_rows or None, spec.seed
        ),
        "tweeteval": data.sample_rows(data.load_tweeteval(spec.data_dir), limit, spec.seed),
    }
    if spec.authored_repeat:
        authored = data.load_authored_comments()[["text", "label"]]
        parts["authored_comments"] = data.sample_rows(authored, limit, spec.seed)
    for path in spec.extra_data:
        parts[f"extra:{Path(path).name}"] = data.load_labelled_csv(Path(path))
    repeats = {
        "student_feedback": max(1, spec.student_repeat),
        "authored_comments": spec.authored_repeat,
    }
    mix = data.concat_sources(
        [frame for name, frame in parts.items() for _ in range(repeats.get(name, 1))]
    )
    validation = {
        "student_feedback_val": data.sample_rows(student_val, limit, spec.seed),
        "sst_test": data.sample_rows(data.load_sst_test(spec.data_dir), limit, spec.seed),
        "professor_reviews_val": data.sample_rows(professor_val, limit, spec.seed),
    }
    sources = {
        name: {
            "rows": len(frame),
            "repeat": repeats.get(name, 1),
            "labels": data.label_counts(frame),
        }
        for name, frame in parts.items()
    }
    sources.update(
        {
            name: {"rows": len(frame), "labels": data.label_counts(frame), "role": "validation"}
            for name, frame in validation.items()
        }
    )
    return Corpus(
        train=mix.sample(frac=1.0, random_state=spec.seed).reset_index(drop=True),
        validation=validation,
        sources=sources,
    )
