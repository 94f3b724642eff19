"""Assemble the training mix and the validation sets from the data directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
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
    notes: list[str] = field(default_factory=list)
    """What a person should hear about the mix (extra rows left out): training prints them."""


def build_corpus(spec: CorpusSpec) -> Corpus:
    """The training mix: student feedback (split, upweighted), SST phrases, professor reviews
    (split), TweetEval, the authored course comments (upweighted) and extra CSVs. Validation:
    held-out student feedback and professor reviews, and the SST test sentences (no test
    sentence occurs in the SST train trees the phrases come from). An extra CSV's rows whose
    text is in a held-out set (``data.overlap_key``: case and spacing aside) are left out of
    training, counted in ``sources`` and ``notes``, so the validation figures stay held out."""
    limit = spec.limit_per_source or None
    student = data.load_student_feedback(spec.data_dir)
    student_train, student_val = data.stratified_split(student, spec.val_fraction, spec.seed)
    professor = data.load_professor_reviews(spec.data_dir)
    professor_train, professor_val = data.stratified_split(
        professor, spec.professor_val_fraction, spec.seed
    )
    sst_test = data.load_sst_test(spec.data_dir)
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
    held_out = {
        data.overlap_key(text)
        for frame in (student_val, professor_val, sst_test)
        for text in frame["text"]
    }
    dropped: dict[str, int] = {}
    for path in spec.extra_data:
        name = f"extra:{Path(path).name}"
        parts[name], dropped[name] = data.drop_texts(data.load_labelled_csv(Path(path)), held_out)
    repeats = {
        "student_feedback": max(1, spec.student_repeat),
        "authored_comments": spec.authored_repeat,
    }
    mix = data.concat_sources(
        [frame for name, frame in parts.items() for _ in range(repeats.get(name, 1))]
    )
    validation = {
        "student_feedback_val": data.sample_rows(student_val, limit, spec.seed),
        "sst_test": data.sample_rows(sst_test, limit, spec.seed),
        "professor_reviews_val": data.sample_rows(professor_val, limit, spec.seed),
    }
    sources = {
        name: {
            "rows": len(frame),
            "repeat": repeats.get(name, 1),
            "labels": data.label_counts(frame),
            **({"dropped_in_validation": dropped[name]} if dropped.get(name) else {}),
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
        notes=[overlap_note(name, count) for name, count in dropped.items() if count],
    )


def overlap_note(source: str, rows: int) -> str:
    """What training says of an extra CSV whose rows were in a validation set."""
    return (
        f"{source}: {rows:,} row{'s' if rows != 1 else ''} left out of training: "
        "their text is in a validation set (student_feedback_val, professor_reviews_val or "
        "sst_test), whose figures must stay held out"
    )
