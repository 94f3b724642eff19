"""The aspect model's figures on the held-out part: detection, per-aspect polarity per method,
the zero-shot baseline; ``evaluate`` measures a saved model (``python -m pipeline.model.aspects
evaluate``), training calls the same functions for the card."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.model.aspects.artefact import AspectModel, load_aspect_model
from pipeline.model.aspects.clauses import clause_layout
from pipeline.model.aspects.data import (
    ASPECTS_CSV,
    AspectExample,
    gold_matrix,
    held_out_split,
    read_aspects,
    roll_up_example,
    sentiment_validation_texts,
)
from pipeline.model.aspects.encoders import Encoders, real_encoders
from pipeline.model.aspects.metrics import (
    best_thresholds,
    decide,
    detection_report,
    polarity_accuracy,
)
from pipeline.model.aspects.scores import polarity_pairs
from pipeline.model.aspects.zeroshot import best_global_threshold, similarities
from pipeline.model.labels import LABELS


def held_out_figures(
    model: AspectModel,
    held_out: Sequence[AspectExample],
    texts: Sequence[str],
    embeddings: np.ndarray,
    sentiment: np.ndarray,
    encoders: Encoders,
    *,
    clause_embeddings: np.ndarray | None = None,
) -> dict[str, Any]:
    """Detection and per-aspect polarity (the shipped head against the clause evidence alone
    and the comment's own label) on comments the model never saw, through the tagger's own
    scoring (``clause_embeddings``: as ``AspectTagger.score`` takes them)."""
    from pipeline.model.aspects.tagger import AspectTagger

    granularity = str(model.card["granularity"])
    rolled = [roll_up_example(e, granularity) for e in held_out]
    scores = AspectTagger(model).score(
        texts,
        embeddings,
        sentiment,
        embed=encoders.embed,
        score_sentiment=encoders.score_sentiment,
        clause_embeddings=clause_embeddings,
    )
    gold = gold_matrix(rolled, model.categories)
    words = model.head.words
    scorers = {
        "comment_label": scores.comment_label(),
        "clause_evidence": scores.clause_evidence(model.polarity),
        "sentiment_head": scores.sentiment_head(model.polarity, model.polarity_head.sentiment),
        "wording_head": scores.wording_head(model.polarity, model.polarity_head.wording, words),
        "polarity_head": scores.polarity_head(model.polarity, model.polarity_head, words),
    }
    pairs = {
        name: polarity_pairs(scorer, rolled, model.categories, LABELS)
        for name, scorer in scorers.items()
    }
    polarity = {name: polarity_accuracy(*found) for name, found in pairs.items()}
    shipped, truth = pairs["polarity_head"]
    in_mixed = mixed_comment_pairs(rolled)
    return {
        "detection": detection_report(
            model.head.detect(scores.probabilities), gold, model.categories
        ),
        "polarity": polarity,
        "polarity_head_by_comment": {
            kind: polarity_accuracy(
                [p for p, m in zip(shipped, in_mixed, strict=True) if m is wanted],
                [g for g, m in zip(truth, in_mixed, strict=True) if m is wanted],
            )
            for kind, wanted in (("mixed", True), ("one_polarity", False))
        },
        "comments": len(held_out),
        "comments_with_clauses": int(np.unique(scores.owners).size),
    }


def mixed_comment_pairs(examples: Sequence[AspectExample]) -> list[bool]:
    """Per (comment, aspect) pair, in ``polarity_pairs``' order: is the comment one that
    praises one aspect and criticises another (the polarity heads' hardest case)?"""
    return [
        {"positive", "negative"} <= set(example.sentiments.values())
        for example in examples
        for _ in example.aspects
    ]


def zero_shot_figures(
    described: np.ndarray,
    train_embeddings: np.ndarray,
    train_gold: np.ndarray,
    embeddings: np.ndarray,
    gold: np.ndarray,
    categories: Sequence[str],
) -> dict[str, Any]:
    """The baseline: cosine similarity to each category's description, cut at one threshold
    chosen on the training part; and, as its strongest form, at one threshold per category."""
    train_similarity = similarities(train_embeddings, described)
    similarity = similarities(embeddings, described)
    cut = best_global_threshold(train_similarity, train_gold)
    per_category = best_thresholds(
        train_similarity, train_gold, np.round(np.arange(0, 0.8, 0.01), 3)
    )
    return {
        "one_threshold": {
            "threshold": cut,
            **detection_report(decide(similarity, np.full(len(categories), cut)), gold, categories),
        },
        "per_category_thresholds": detection_report(
            decide(similarity, per_category), gold, categories
        ),
    }


def evaluate(
    data_dir: Path,
    model_dir: Path | None = None,
    encoders: Encoders | None = None,
    *,
    split_seed: int = 13,
    val_fraction: float = 0.2,
) -> dict[str, Any]:
    """The figures of a saved aspect model (the shipped one by default) on the held-out part:
    micro/macro-F1 and P/R/F1 per category, polarity accuracy per method, and the seconds
    of each stage against the labelling pass on the same comments."""
    model = load_aspect_model(model_dir)
    encoders = encoders or real_encoders(str(model.card.get("sentiment_model", "default")))
    examples = read_aspects(Path(data_dir) / ASPECTS_CSV)
    held = sentiment_validation_texts(Path(data_dir), val_fraction, split_seed)
    _, held_out = held_out_split(examples, held)
    texts = [e.text for e in held_out]
    clock = time.perf_counter()
    sentiment = np.asarray(encoders.score_sentiment(texts), dtype=np.float64)
    labelling_s, clock = time.perf_counter() - clock, time.perf_counter()
    embeddings, clause_embeddings = encoders.span_embedder(texts, clause_layout(texts)[2])
    embedding_s, clock = time.perf_counter() - clock, time.perf_counter()
    figures = held_out_figures(
        model,
        held_out,
        texts,
        np.asarray(embeddings),
        sentiment,
        encoders,
        clause_embeddings=np.asarray(clause_embeddings),
    )
    aspects_s = time.perf_counter() - clock
    figures["seconds"] = {
        "labelling": round(labelling_s, 2),
        "embedding_with_clauses": round(embedding_s, 2),
        "aspects_with_clause_sentiment": round(aspects_s, 2),
    }
    return {"version": model.version, **figures}
