"""Fit the aspect head (scikit-learn logistic regressions) and its out-of-fold predictions.

Thresholds and the polarity rule are chosen on out-of-fold predictions of the training part,
so the held-out part is never looked at before the final evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.errors import ConfigError, MissingDependencyError
from pipeline.model.aspects.data import AspectExample
from pipeline.model.aspects.features import CorpusFeatures
from pipeline.model.aspects.head import AspectHead, with_clauses
from pipeline.model.aspects.polarity import AspectPolarity, PolarityHead, PolarityRule
from pipeline.model.aspects.scores import AspectScores
from pipeline.model.aspects.words import WordFeatures
from pipeline.model.labels import LABELS

ABSENT_BIAS = -20.0
"""Bias of a category with no training example: never predicted."""


@dataclass(frozen=True)
class HeadOptions:
    """The head's hyper-parameters (the card records them)."""

    c: float = 4.0
    """Inverse L2 strength of each logistic regression."""
    min_df: int = 3
    """A word or word pair is a feature when at least this many training comments have it
    (3: the best out-of-fold macro-F1 of c 2, 4, 8 with min_df 2 and c 4 with min_df 3)."""
    folds: int = 5
    seed: int = 0


def _logistic_regression(c: float, balanced: bool = True) -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise MissingDependencyError(
            "training the aspect head needs scikit-learn: "
            "pip install 'comment-sentiment-pipeline[train]'"
        ) from exc
    return LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=3000)


def fit_head(
    embeddings: np.ndarray,
    texts: Sequence[str],
    gold: np.ndarray,
    categories: Sequence[str],
    options: HeadOptions,
    thresholds: np.ndarray | None = None,
) -> AspectHead:
    """One balanced logistic regression per category over [embedding | word features]."""
    words = WordFeatures.fit(texts, options.min_df)
    design = np.hstack([embeddings.astype(np.float32), words.dense(texts)])
    weight = np.zeros((design.shape[1], len(categories)), dtype=np.float32)
    bias = np.full(len(categories), ABSENT_BIAS, dtype=np.float32)
    for k in range(len(categories)):
        if gold[:, k].any() and not gold[:, k].all():
            model = _logistic_regression(options.c).fit(design, gold[:, k])
            weight[:, k] = model.coef_[0]
            bias[k] = model.intercept_[0]
    dimension = embeddings.shape[1]
    return AspectHead(
        categories=tuple(categories),
        embedding_weight=weight[:dimension],
        word_weight=weight[dimension:],
        bias=bias,
        thresholds=np.full(len(categories), 0.5, dtype=np.float32)
        if thresholds is None
        else thresholds.astype(np.float32),
        words=words,
    )


@dataclass(frozen=True)
class PolarityOptions:
    """The polarity heads' hyper-parameters (the card records them)."""

    sentiment_c: float = 1.0
    """Inverse L2 strength of the sentiment head."""
    wording_c: float = 1.0
    """Inverse L2 strength of the wording head (0.3/1: 0.797/0.804 out-of-fold alone)."""
    wording_share: float = 0.5
    """The wording head's share of the average (polarity.py says why it is not tuned)."""
    authored_weight: float = 1.0
    """How much each pair of an authored comment weighs against an annotated one."""

    def __post_init__(self) -> None:
        if self.authored_weight <= 0:
            raise ConfigError("the authored comments' weight must be above 0")


@dataclass(frozen=True)
class OutOfFold:
    """Each comment's and each clause's probabilities from the fold that did not train on it."""

    comment: np.ndarray
    clause: np.ndarray

    def combined(self, owners: np.ndarray) -> np.ndarray:
        return with_clauses(self.comment, self.clause, owners)


def out_of_fold(
    features: CorpusFeatures, gold: np.ndarray, categories: Sequence[str], options: HeadOptions
) -> OutOfFold:
    """K-fold predictions over the training comments (a clause goes with its comment)."""
    n, k = gold.shape
    order = np.random.default_rng(options.seed).permutation(n)
    comment = np.zeros((n, k), dtype=np.float32)
    clause = np.zeros((len(features.clause_texts), k), dtype=np.float32)
    for fold in np.array_split(order, options.folds):
        fit_rows = np.setdiff1d(order, fold)
        head = fit_head(
            features.embeddings[fit_rows],
            [features.texts[i] for i in fit_rows],
            gold[fit_rows],
            categories,
            options,
        )
        comment[fold] = head.probabilities(
            features.embeddings[fold], [features.texts[i] for i in fold]
        )
        mine = np.flatnonzero(np.isin(features.clause_owners, fold))
        clause[mine] = head.probabilities(
            features.clause_embeddings[mine], [features.clause_texts[i] for i in mine]
        )
    return OutOfFold(comment=comment, clause=clause)


def fit_polarity(
    scores: AspectScores,
    examples: Sequence[AspectExample],
    categories: Sequence[str],
    rule: PolarityRule,
    options: PolarityOptions,
    words: WordFeatures,
    authored: int = 0,
) -> AspectPolarity:
    """Both polarity heads (polarity.py), each a multinomial logistic regression over every
    annotated (comment, aspect) pair whose polarity is a class (``mixed``/``none`` pairs are
    left out). ``words``: the aspect head's word features, which the wording head reads too.
    The last ``authored`` examples are authored ones, weighed by ``options.authored_weight``.

    ``scores`` should be out-of-fold, as they will be at run time: not fitted on these rows.
    """
    index = {name: k for k, name in enumerate(categories)}
    first_authored = len(examples) - authored
    sentiment_rows: list[np.ndarray] = []
    wording_rows: list[np.ndarray] = []
    targets: list[str] = []
    weights: list[float] = []
    for row, example in enumerate(examples):
        for name in example.aspects:
            if example.sentiments[name] in LABELS:
                sentiment_rows.append(scores.pair_features(row, index[name], rule))
                wording_rows.append(scores.wording_features(row, index[name], rule, words))
                targets.append(example.sentiments[name])
                weights.append(options.authored_weight if row >= first_authored else 1.0)
    weight = np.asarray(weights)
    return AspectPolarity(
        sentiment=_softmax_head(np.stack(sentiment_rows), targets, options.sentiment_c, weight),
        wording=_softmax_head(np.stack(wording_rows), targets, options.wording_c, weight),
        wording_share=options.wording_share,
    )


def _softmax_head(
    design: np.ndarray, targets: Sequence[str], c: float, weights: np.ndarray
) -> PolarityHead:
    """A multinomial logistic regression as weights over LABELS (a class absent from the
    targets is never predicted)."""
    model = _logistic_regression(c, balanced=False).fit(
        design, np.asarray(targets), sample_weight=weights
    )
    found = {str(name): i for i, name in enumerate(model.classes_)}
    weight = np.zeros((len(LABELS), design.shape[1]), dtype=np.float32)
    bias = np.full(len(LABELS), ABSENT_BIAS, dtype=np.float32)
    for k, label in enumerate(LABELS):
        if label in found and len(found) > 2:
            weight[k] = model.coef_[found[label]]
            bias[k] = model.intercept_[found[label]]
        elif label in found:  # two classes: sklearn keeps one row, for the second class
            sign = 1.0 if found[label] == 1 else -1.0
            weight[k] = sign * model.coef_[0] / 2
            bias[k] = sign * model.intercept_[0] / 2
    return PolarityHead(weight=weight, bias=bias)
