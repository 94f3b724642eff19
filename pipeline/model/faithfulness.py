"""How faithful word attributions are to the model: ERASER comprehensiveness and sufficiency,
a random-attribution baseline, and the calibration of the explainer's step position.

For a comment with predicted label y and probability p(y | x), rank its words by attribution and
take the top ``k`` % (at least one word). Comprehensiveness = p(y | x) − p(y | x without those
words): high when the words the explanation names are the ones the model needed. Sufficiency =
p(y | x) − p(y | only those words): low (even negative) when they suffice on their own. Both are
averaged over k ∈ {1, 5, 10, 20, 50} % (DeYoung et al., 2020, "ERASER") and over comments: a
plain mean over the five bins, as ERASER's reference code computes its AOPC
(rationale_benchmark/metrics.py averages the (comment, bin) differences; the paper's formula
divides by |B| + 1). Words are ranked by their signed score (toward y), as ERASER ranks soft
rationale scores; a bin takes ceil(k × words) of them.
Words are removed as tokens from the windows the model read, so nothing is re-tokenized.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.model.batching import average_windows, score_sequences
from pipeline.model.explain import EXPLAIN_FILE, ExplainConfig, Explainer, with_word_alone
from pipeline.model.explain_words import top_fraction
from pipeline.model.runtime import Runner

FRACTIONS = (0.01, 0.05, 0.10, 0.20, 0.50)
ALPHA_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
REFINE_STEP = 0.05
WORD_ALONE_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
MIN_LABEL_COMMENTS = 20
"""A label explained in fewer calibration comments keeps the overall step: too few to trust."""
METHOD = (
    "integrated gradients, one step, [PAD] baseline, gradient of the label's logit; plus "
    "word_alone_weight x (p(label | the word alone) - p(label | no word))"
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Faithfulness:
    """ERASER's two figures, averaged over the fractions and the comments."""

    comprehensiveness: float
    sufficiency: float
    comments: int


def reduce_window(ids: np.ndarray, word_ids: np.ndarray, keep_word: np.ndarray) -> np.ndarray:
    """A window's token ids without the tokens of the words not kept ([CLS]/[SEP] stay)."""
    keep = (word_ids < 0) | keep_word[np.maximum(word_ids, 0)]
    return ids[keep]


def random_attributions(word_counts: Sequence[int], seed: int) -> list[np.ndarray]:
    """The baseline any explanation must beat: a random ranking of each comment's words."""
    rng = np.random.default_rng(seed)
    return [rng.random(count) for count in word_counts]


def faithfulness(
    explainer: Explainer,
    texts: Sequence[str],
    targets: np.ndarray,
    attributions: Sequence[np.ndarray],
    scorer: Runner,
    fractions: Sequence[float] = FRACTIONS,
) -> Faithfulness:
    """Comprehensiveness and sufficiency of ``attributions`` (one array of word scores per text,
    toward ``targets``, label indexes), with probabilities from ``scorer``."""
    comprehensiveness, sufficiency = comment_faithfulness(
        explainer, texts, targets, attributions, scorer, fractions
    )
    return Faithfulness(
        comprehensiveness=float(comprehensiveness.mean()),
        sufficiency=float(sufficiency.mean()),
        comments=len(texts),
    )


def comment_faithfulness(
    explainer: Explainer,
    texts: Sequence[str],
    targets: np.ndarray,
    attributions: Sequence[np.ndarray],
    scorer: Runner,
    fractions: Sequence[float] = FRACTIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """Per comment, comprehensiveness and sufficiency averaged over the fractions."""
    encoded = explainer.encode(texts)
    per_text = 1 + 2 * len(fractions)
    windows: list[np.ndarray] = []
    owners: list[int] = []
    for index, scores in enumerate(attributions):
        for variant, keep in enumerate(_keeps(scores, fractions)):
            for window in np.flatnonzero(encoded.owners == index):
                start = int(encoded.starts[window])
                span = slice(start, start + int(encoded.lengths[window]))
                windows.append(reduce_window(encoded.flat[span], encoded.word_ids[span], keep))
                owners.append(index * per_text + variant)
    probs = score_windows(windows, np.asarray(owners), len(texts) * per_text, scorer, explainer)
    chosen = probs[np.arange(len(probs)), np.repeat(targets, per_text)].reshape(-1, per_text)
    return (
        (chosen[:, :1] - chosen[:, 1::2]).mean(axis=1),
        (chosen[:, :1] - chosen[:, 2::2]).mean(axis=1),
    )


def _keeps(scores: np.ndarray, fractions: Sequence[float]) -> list[np.ndarray]:
    """Which words each variant keeps: all; then per fraction all but the top, only the top."""
    keeps = [np.ones(len(scores), dtype=bool)]
    for fraction in fractions:
        top = np.zeros(len(scores), dtype=bool)
        top[top_fraction(scores, fraction)] = True
        keeps += [~top, top]
    return keeps


def score_windows(
    windows: Sequence[np.ndarray],
    owners: np.ndarray,
    n_owners: int,
    scorer: Runner,
    explainer: Explainer,
) -> np.ndarray:
    """Class probabilities per owner, averaged over its windows, batched like the predictor."""
    predictor = explainer.predictor
    probs = score_sequences(
        windows, scorer, explainer.pad_id, predictor.batch_size, predictor.batch_tokens
    )
    return average_windows(probs, owners, n_owners)


@dataclass(frozen=True)
class Calibration:
    """The calibrated steps: one for every label, ``label_alphas`` where a label's own best
    differs, and the figures of every step tried."""

    alpha: float
    label_alphas: dict[str, float]
    grid: list[dict[str, Any]]

    def config(self) -> ExplainConfig:
        """The explainer's config with these steps (the gradient alone)."""
        return ExplainConfig(
            alphas=(self.alpha,),
            label_alphas={label: (a,) for label, a in self.label_alphas.items()},
        )


def calibrate_alphas(
    explainer: Explainer,
    texts: Sequence[str],
    targets: np.ndarray,
    scorer: Runner,
    grid: Sequence[float] = ALPHA_GRID,
    refine: float = REFINE_STEP,
) -> Calibration:
    """The one-step position that maximises comprehensiveness − sufficiency on ``texts``, over
    all comments and per label explained (for labels with at least ``MIN_LABEL_COMMENTS``
    comments), and the figures of every position tried: ``grid``, then ``refine`` either side of
    each best."""
    encoded = explainer.encode(texts)
    labels = explainer.labels
    counts = np.bincount(targets, minlength=len(labels))
    calibrated = [i for i in range(len(labels)) if counts[i] >= MIN_LABEL_COMMENTS]
    gains: dict[float, np.ndarray] = {}

    def trial(alpha: float) -> dict[str, Any]:
        moved = explainer.with_config(ExplainConfig(alphas=(alpha,)))
        comp, suff = comment_faithfulness(
            moved, texts, targets, moved.attribute(encoded, targets), scorer
        )
        gains[alpha] = comp - suff
        row: dict[str, Any] = {"alpha": alpha, **_figures(comp, suff), "by_label": {}}
        for index, label in enumerate(labels):
            mine = targets == index
            if mine.any():
                figures = _figures(comp[mine], suff[mine])
                row["by_label"][label] = {"comments": int(mine.sum()), **figures}
        log.info("alpha %.3f: %s", alpha, row)
        return row

    def bests() -> tuple[float, dict[int, float]]:
        overall = max(gains, key=lambda a: float(gains[a].mean()))
        per_label = {
            i: max(gains, key=lambda a: float(gains[a][targets == i].mean())) for i in calibrated
        }
        return overall, per_label

    rows = {alpha: trial(alpha) for alpha in grid}
    if refine > 0:
        overall, per_label = bests()
        for best in sorted({overall, *per_label.values()}):
            for alpha in (round(best - refine, 4), round(best + refine, 4)):
                if 0.0 < alpha <= 1.0 and alpha not in rows:
                    rows[alpha] = trial(alpha)
    overall, per_label = bests()
    return Calibration(
        alpha=overall,
        label_alphas={labels[i]: a for i, a in per_label.items() if a != overall},
        grid=[rows[alpha] for alpha in sorted(rows)],
    )


def calibrate_word_alone(
    explainer: Explainer,
    texts: Sequence[str],
    targets: np.ndarray,
    scorer: Runner,
    grid: Sequence[float] = WORD_ALONE_GRID,
) -> tuple[float, list[dict[str, float]]]:
    """The weight of the word-alone part (``pipeline.model.word_alone``), at the explainer's
    steps, that maximises comprehensiveness − sufficiency on ``texts``; and every weight's
    figures. The gradients and the words alone are computed once: the weight only mixes them."""
    encoded = explainer.encode(texts)
    gradients = explainer.gradient_attributions(encoded, targets)
    support = explainer.word_alone_support(encoded, targets)
    rows = []
    for weight in grid:
        scores = gradients if weight == 0 else with_word_alone(gradients, support, weight)
        comp, suff = comment_faithfulness(explainer, texts, targets, scores, scorer)
        rows.append({"word_alone_weight": weight, **_figures(comp, suff)})
        log.info("word alone x %g: %s", weight, rows[-1])
    best = max(rows, key=lambda row: row["comprehensiveness"] - row["sufficiency"])
    return best["word_alone_weight"], rows


def _figures(comprehensiveness: np.ndarray, sufficiency: np.ndarray) -> dict[str, float]:
    return {
        "comprehensiveness": round(float(comprehensiveness.mean()), 4),
        "sufficiency": round(float(sufficiency.mean()), 4),
    }


def write_config(
    model_dir: Path,
    alpha: float,
    record: dict[str, Any],
    label_alphas: dict[str, float] | None = None,
    word_alone_weight: float = 0.0,
) -> Path:
    """Store the calibrated step(s) and word-alone weight in ``model_dir/explain.json`` (read
    by Explainer)."""
    path = model_dir / EXPLAIN_FILE
    body: dict[str, Any] = {"method": METHOD, "alphas": [alpha]}
    if label_alphas:
        body["label_alphas"] = {label: [a] for label, a in label_alphas.items()}
    body["word_alone_weight"] = word_alone_weight
    body.update(record)
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path
