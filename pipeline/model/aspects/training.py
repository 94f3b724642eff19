"""Train and choose the aspect model (a notebook calls ``train``; so does
``python -m pipeline.model.aspects train``; the figures come from evaluation.py).

Data: ``student_feedback/aspects.csv``. Held out: exactly the comments the sentiment model
validates on (``sentiment-pipeline train``'s split, seed 13, 20 %), so neither model has seen
them. Everything that is chosen — the category list, the decision thresholds, the polarity
rule — is chosen on 5-fold out-of-fold predictions of the training part; the held-out part is
read once, at the end, for the figures in the card.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.aspects.artefact import (
    AspectModel,
    default_aspect_dir,
    save_aspect_model,
)
from pipeline.model.aspects.categories import GRANULARITIES, categories_for, describe
from pipeline.model.aspects.data import (
    ASPECTS_CSV,
    AspectExample,
    authored_examples,
    gold_matrix,
    held_out_split,
    read_aspects,
    roll_up_example,
    sentiment_validation_texts,
)
from pipeline.model.aspects.encoders import Encoders, real_encoders
from pipeline.model.aspects.evaluation import held_out_figures, zero_shot_figures
from pipeline.model.aspects.features import CorpusFeatures, compute_features, memoized
from pipeline.model.aspects.fitting import (
    HeadOptions,
    PolarityOptions,
    fit_head,
    fit_polarity,
    out_of_fold,
)
from pipeline.model.aspects.head import AspectHead
from pipeline.model.aspects.metrics import (
    best_thresholds,
    decide,
    detection_report,
    polarity_accuracy,
)
from pipeline.model.aspects.polarity import AspectPolarity, PolarityRule, clauses_to_score
from pipeline.model.aspects.scores import AspectScores, polarity_pairs
from pipeline.model.labels import LABELS

EVIDENCE_RULE = PolarityRule(sharpness=4.0, clause_weight=1.0, min_aspects=1, read_below=0.95)
"""Clause weights for the polarity heads. The sentiment head's inputs hold the comment's own
probabilities too, so it learns the blend; on out-of-fold predictions of the training part
sharpness 4 was as good as 1 or 16, a middle value. The sentiment model reads the clauses of
comments it labelled with a top probability under 0.95 only: a cost choice (about half the
clauses; docs/insights.md has the figures of each rule measured)."""


SHIPPED_AUTHORED_WEIGHT = 0.5
"""The polarity heads' weight of an authored pair (``PolarityOptions.authored_weight``) in the
shipped training: on nested out-of-fold predictions of the annotated training part, 0.5 kept
the overall accuracy (0.862 against 0.861 without them) while lifting comments that praise
one aspect and criticise another (0.668 against 0.624); weight 1 lost overall (0.856)."""


@dataclass(frozen=True)
class AspectTrainOptions:
    """What ``train`` reads and writes, and the choices it makes."""

    data_dir: Path
    output_dir: Path = field(default_factory=default_aspect_dir)
    granularity: str = "merged"
    compare: tuple[str, ...] = tuple(GRANULARITIES)
    """Granularities cross-validated for the card (the comparison the choice rests on)."""
    head: HeadOptions = field(default_factory=HeadOptions)
    polarity: PolarityOptions = field(default_factory=PolarityOptions)
    sentiment_model: str = "default"
    split_seed: int = 13
    val_fraction: float = 0.2
    cache: Path | None = None
    """An .npz of encoder outputs, reused when the texts and encoders match."""
    authored: Path | None = None
    """An ``aspects.csv``-shaped file of authored comments added to the training part only
    (never held out; a text that is also in the annotated file is skipped)."""
    rule: PolarityRule = EVIDENCE_RULE

    def __post_init__(self) -> None:
        for name in (self.granularity, *self.compare):
            categories_for(name)
        if self.head.folds < 2:
            raise ConfigError("folds must be at least 2")


@dataclass(frozen=True)
class _Split:
    train: list[AspectExample]
    held_out: list[AspectExample]
    features: CorpusFeatures
    """Train comments first (the authored ones last among them), then the held-out ones."""
    authored: int = 0
    """How many of the train comments are authored."""

    @property
    def train_features(self) -> CorpusFeatures:
        return self.features.subset(range(len(self.train)))

    @property
    def held_out_features(self) -> CorpusFeatures:
        return self.features.subset(range(len(self.train), len(self.features.texts)))


def _load_split(options: AspectTrainOptions, encoders: Encoders) -> _Split:
    examples = read_aspects(Path(options.data_dir) / ASPECTS_CSV)
    held = sentiment_validation_texts(
        Path(options.data_dir), options.val_fraction, options.split_seed
    )
    train, held_out = held_out_split(examples, held)
    authored = authored_examples(options.authored, examples) if options.authored else []
    train += authored
    features = compute_features(
        [e.text for e in train + held_out],
        encoders.span_embedder,
        encoders.score_sentiment,
        cache=options.cache,
        encoders=encoders.names,
    )
    return _Split(train=train, held_out=held_out, features=features, authored=len(authored))


def cross_validate(
    examples: Sequence[AspectExample],
    features: CorpusFeatures,
    granularity: str,
    options: HeadOptions,
) -> tuple[dict[str, Any], np.ndarray, AspectScores]:
    """Out-of-fold detection figures on the training part, its thresholds and its scores."""
    categories = categories_for(granularity)
    rolled = [roll_up_example(e, granularity) for e in examples]
    gold = gold_matrix(rolled, categories)
    oof = out_of_fold(features, gold, categories, options)
    combined = oof.combined(features.clause_owners)
    thresholds = best_thresholds(combined, gold)
    report = detection_report(decide(combined, thresholds), gold, categories)
    scores = AspectScores(
        probabilities=combined,
        texts=features.texts,
        comment_sentiment=features.sentiment,
        comment_embeddings=features.embeddings,
        clause_texts=features.clause_texts,
        clause_probs=oof.clause,
        clause_sentiment=features.clause_sentiment,
        clause_embeddings=features.clause_embeddings,
        owners=features.clause_owners,
    )
    return report, thresholds, scores


def train(options: AspectTrainOptions, encoders: Encoders | None = None) -> dict[str, Any]:
    """Fit the head on the training part, choose thresholds and the polarity rule on its
    out-of-fold predictions, measure on the held-out part, write the model; returns its card."""
    started = time.perf_counter()
    from_cache = options.cache is not None and options.cache.is_file()
    encoders = encoders or real_encoders(options.sentiment_model)
    split = _load_split(options, encoders)
    train_features = split.train_features
    comparison: dict[str, dict[str, Any]] = {}
    for granularity in dict.fromkeys((options.granularity, *options.compare)):
        report, thresholds, scores = cross_validate(
            split.train, train_features, granularity, options.head
        )
        comparison[granularity] = report
        if granularity == options.granularity:
            chosen_thresholds, chosen_scores = thresholds, scores
    categories = categories_for(options.granularity)
    rolled = [roll_up_example(e, options.granularity) for e in split.train]
    rule = options.rule
    read = clauses_to_score(
        decide(chosen_scores.probabilities, chosen_thresholds),
        chosen_scores.comment_sentiment,
        chosen_scores.owners,
        rule,
    )
    chosen_scores = chosen_scores.reading_only(read)
    head = fit_head(
        train_features.embeddings,
        train_features.texts,
        gold_matrix(rolled, categories),
        categories,
        options.head,
        thresholds=chosen_thresholds,
    )
    polarity_head = fit_polarity(
        chosen_scores, rolled, categories, rule, options.polarity, head.words, split.authored
    )
    card = _card(options, encoders, split, rule, time.perf_counter() - started, from_cache)
    card["version"] = _version(options.granularity, head, polarity_head)
    card["cross_validation"] = {
        "detection": comparison,
        "polarity": {
            name: polarity_accuracy(*polarity_pairs(scorer, rolled, categories, LABELS))
            for name, scorer in (
                ("comment_label", chosen_scores.comment_label()),
                ("clause_evidence", chosen_scores.clause_evidence(rule)),
            )
        },
    }
    model = AspectModel(
        version=card["version"],
        head=head,
        polarity=rule,
        polarity_head=polarity_head,
        descriptions=card["descriptions"],
        encoder=encoders.names,
        card=card,
    )
    known = memoized(split.features, encoders)
    held = split.held_out_features
    card["held_out"] = held_out_figures(
        model,
        split.held_out,
        held.texts,
        held.embeddings,
        held.sentiment,
        known,
        clause_embeddings=held.clause_embeddings,
    )
    described = np.asarray(known.embed([model.descriptions[c] for c in categories]))
    card["zero_shot_baseline"] = zero_shot_figures(
        described,
        train_features.embeddings,
        gold_matrix(rolled, categories),
        held.embeddings,
        gold_matrix([roll_up_example(e, options.granularity) for e in split.held_out], categories),
        categories,
    )
    save_aspect_model(Path(options.output_dir), head, polarity_head, card)
    return card


def _version(granularity: str, head: AspectHead, polarity: AspectPolarity) -> str:
    digest = hashlib.sha256()
    arrays = (head.embedding_weight, head.word_weight, head.bias, head.thresholds)
    heads = (polarity.sentiment, polarity.wording)
    for array in (*arrays, *(a for h in heads for a in (h.weight, h.bias))):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return f"aspects-{granularity}-{time.strftime('%Y%m%d')}-{digest.hexdigest()[:10]}"


def _hardware() -> str:
    """The CPU's model name where Linux tells it, and how many CPUs this process may use."""
    name = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = [ln for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")]
        name = found[0].split(":", 1)[1].strip() if found else name
    return f"{name}, {len(os.sched_getaffinity(0))} CPUs"


def _card(
    options: AspectTrainOptions,
    encoders: Encoders,
    split: _Split,
    rule: PolarityRule,
    seconds: float,
    from_cache: bool,
) -> dict[str, Any]:
    categories = categories_for(options.granularity)
    return {
        "version": "",
        "granularity": options.granularity,
        "descriptions": {name: describe(name, options.granularity) for name in categories},
        "encoder": encoders.names,
        "sentiment_model": options.sentiment_model,
        "polarity_rule": asdict(rule),
        "polarity_head": {
            **asdict(options.polarity),
            "sentiment_inputs": "log clause evidence, log comment probabilities, aspect",
            "wording_inputs": "weighted clause sentence embedding, aspect, main clause words",
        },
        "head": asdict(options.head),
        "data": {
            "file": ASPECTS_CSV,
            "train_comments": len(split.train) - split.authored,
            "authored_file": options.authored.name if options.authored else None,
            "authored_comments": split.authored,
            "held_out_comments": len(split.held_out),
            "held_out": f"the sentiment model's validation split (seed {options.split_seed}, "
            f"{options.val_fraction:.0%})",
        },
        "training": {
            "command": "python -m pipeline.model.aspects train --data-dir ../shared/data",
            "seconds": round(seconds, 1),
            "hardware": _hardware(),
            "encoder_outputs_from_cache": from_cache,
        },
    }
