"""Read the aspect annotations and split them: pure parsing plus one CSV reader.

``aspects.csv`` (data README) holds per comment the fine categories (``a;b``) and their
polarities (``a:positive;b:negative``). Polarities are ``positive``, ``negative``,
``neutral``, ``mixed`` (a positive/negative tie) or ``none`` (no opinion annotated).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import InputError, MissingColumnError
from pipeline.model.aspects.categories import FINE_CATEGORIES, mapping_for

ASPECTS_CSV = "student_feedback/aspects.csv"
AUTHORED_ASPECTS = Path(__file__).parent.parent / "authored_aspects.csv"
"""Authored comments that praise one aspect and criticise another, in aspects.csv's shape:
the annotated data holds few, and the polarity heads lean on each aspect's usual polarity."""
POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")
"""What a predicted aspect sentiment can be (the sentiment model's classes)."""
GOLD_POLARITIES: tuple[str, ...] = (*POLARITIES, "mixed", "none")
_COLUMNS = ("text", "aspects", "aspect_sentiments")


@dataclass(frozen=True)
class AspectExample:
    """One annotated comment: its categories in text order and each one's polarity."""

    text: str
    aspects: tuple[str, ...]
    sentiments: dict[str, str]


def parse_list(cell: str) -> tuple[str, ...]:
    """``"a;b;"`` → ``("a", "b")``: empty items dropped, spaces trimmed."""
    return tuple(item.strip() for item in cell.split(";") if item.strip())


def parse_sentiments(cell: str) -> dict[str, str]:
    """``"teaching:positive;exams:negative"`` → ``{"teaching": "positive", ...}``."""
    pairs: dict[str, str] = {}
    for item in parse_list(cell):
        category, sep, polarity = item.rpartition(":")
        if not sep or not category or polarity not in GOLD_POLARITIES:
            raise InputError(f"malformed aspect sentiment {item!r}: expected category:polarity")
        pairs[category] = polarity
    return pairs


def parse_row(text: str, aspects: str, sentiments: str) -> AspectExample:
    names = parse_list(aspects)
    unknown = sorted(set(names) - set(FINE_CATEGORIES))
    if unknown:
        raise InputError(f"unknown aspect categories {', '.join(unknown)} in {text[:60]!r}")
    polarity = parse_sentiments(sentiments)
    if set(polarity) != set(names):
        raise InputError(f"aspects and aspect_sentiments disagree in {text[:60]!r}")
    return AspectExample(text=text, aspects=names, sentiments=polarity)


def read_aspects(path: Path) -> list[AspectExample]:
    """Every annotated comment of an ``aspects.csv``-shaped file, in file order."""
    import pandas as pd

    if not path.exists():
        raise InputError(f"data file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = sorted(set(_COLUMNS) - set(frame.columns))
    if missing:
        raise MissingColumnError(f"{path} lacks the column(s) {', '.join(missing)}")
    return [
        parse_row(text.strip(), aspects, sentiments)
        for text, aspects, sentiments in zip(
            frame["text"], frame["aspects"], frame["aspect_sentiments"], strict=True
        )
        if text.strip()
    ]


def authored_examples(path: Path, annotated: Sequence[AspectExample]) -> list[AspectExample]:
    """The comments of an authored ``aspects.csv``-shaped file that are not annotated ones.

    Authored comments train only: one equal to an annotated text (which may be held out) is
    skipped, so it can neither leak into nor duplicate the annotated data."""
    known = {example.text for example in annotated}
    return [example for example in read_aspects(path) if example.text not in known]


def merge_polarities(polarities: Iterable[str]) -> str:
    """The data's own majority rule, for fine categories rolled into one: the most frequent
    polarity (``mixed`` votes once each for positive and negative); a positive/negative tie
    is ``mixed``; a tie of a polar label with neutral goes to the polar label; ``none`` only
    when nothing else is there."""
    counts: Counter[str] = Counter()
    for polarity in polarities:
        if polarity == "mixed":
            counts.update(("positive", "negative"))
        elif polarity != "none":
            counts[polarity] += 1
    if not counts:
        return "none"
    top = max(counts.values())
    winners = {p for p, n in counts.items() if n == top}
    if {"positive", "negative"} <= winners:
        return "mixed"
    return next(p for p in ("positive", "negative", "neutral") if p in winners)


def roll_up_example(example: AspectExample, granularity: str) -> AspectExample:
    """The example in a coarser category list, polarities of merged categories combined."""
    mapping = mapping_for(granularity)
    grouped: dict[str, list[str]] = {}
    for name in example.aspects:
        grouped.setdefault(mapping[name], []).append(example.sentiments[name])
    return AspectExample(
        text=example.text,
        aspects=tuple(grouped),
        sentiments={name: merge_polarities(found) for name, found in grouped.items()},
    )


def held_out_split(
    examples: Sequence[AspectExample], sentiment_validation_texts: Iterable[str]
) -> tuple[list[AspectExample], list[AspectExample]]:
    """(train, held-out): held out are exactly the texts the sentiment model validates on.

    The sentiment model trained on the other texts' document labels, so on these neither
    model has seen the comment: the aspect figures and the per-aspect polarities (which use
    the sentiment model) are both measured on unseen text.
    """
    held = set(sentiment_validation_texts)
    train = [e for e in examples if e.text not in held]
    validation = [e for e in examples if e.text in held]
    return train, validation


def sentiment_validation_texts(data_dir: Path, val_fraction: float, seed: int) -> set[str]:
    """The student-feedback texts ``sentiment-pipeline train`` holds out with these options."""
    from pipeline.model.data import load_student_feedback, stratified_split

    _, validation = stratified_split(load_student_feedback(data_dir), val_fraction, seed)
    return set(validation["text"])


def gold_matrix(examples: Sequence[AspectExample], categories: Sequence[str]) -> np.ndarray:
    """bool [n, categories] of the examples' (already rolled-up) aspects."""
    index = {name: k for k, name in enumerate(categories)}
    gold = np.zeros((len(examples), len(categories)), dtype=bool)
    for row, example in enumerate(examples):
        gold[row, [index[name] for name in example.aspects]] = True
    return gold
