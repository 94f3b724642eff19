"""How faithful word attributions are to the model: ERASER comprehensiveness and sufficiency,
a random-attribution baseline, and the calibration of the explainer's step position.

For a comment with predicted label y and probability p(y | x), rank its words by attribution and
take the top ``k`` % (at least one word). Comprehensiveness = p(y | x) − p(y | x without those
words): high when the words the explanation names are the ones the model needed. Sufficiency =
p(y | x) − p(y | only those words): low (even negative) when they suffice on their own. Both are
averaged over k ∈ {1, 5, 10, 20, 50} % (DeYoung et al., 2020, "ERASER") and over comments.
Words are removed as tokens from the windows the model read, so nothing is re-tokenized.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.model.batching import average_windows, pad_slices, plan_batches
from pipeline.model.explain import EXPLAIN_FILE, ExplainConfig, Explainer
from pipeline.model.explain_words import top_fraction
from pipeline.model.runtime import Runner

FRACTIONS = (0.01, 0.05, 0.10, 0.20, 0.50)
ALPHA_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
REFINE_STEP = 0.05
METHOD = "integrated gradients, one step, [PAD] baseline, gradient of the label's logit"

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
    return Faithfulness(
        comprehensiveness=float((chosen[:, :1] - chosen[:, 1::2]).mean()),
        sufficiency=float((chosen[:, :1] - chosen[:, 2::2]).mean()),
        comments=len(texts),
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
    lengths = np.fromiter(map(len, windows), dtype=np.int64, count=len(windows))
    flat = np.concatenate(windows)
    starts = np.zeros(len(windows), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    probs = np.zeros((len(windows), len(explainer.labels)), dtype=np.float64)
    predictor = explainer.predictor
    for rows in plan_batches(lengths, predictor.batch_size, predictor.batch_tokens):
        ids, mask = pad_slices(flat, starts[rows], lengths[rows], explainer.pad_id)
        probs[rows] = scorer(ids, mask)
    return average_windows(probs, owners, n_owners)


def calibrate_alphas(
    explainer: Explainer,
    texts: Sequence[str],
    targets: np.ndarray,
    scorer: Runner,
    grid: Sequence[float] = ALPHA_GRID,
    refine: float = REFINE_STEP,
) -> tuple[float, list[dict[str, float]]]:
    """The one-step position that maximises comprehensiveness − sufficiency on ``texts``, and
    the figures of every position tried: ``grid``, then ``refine`` either side of its best."""
    encoded = explainer.encode(texts)

    def trial(alpha: float) -> dict[str, float]:
        moved = explainer.with_config(ExplainConfig(alphas=(alpha,)))
        result = faithfulness(moved, texts, targets, moved.attribute(encoded, targets), scorer)
        row = {"alpha": alpha, **_figures(result)}
        log.info("alpha %.2f: %s", alpha, row)
        return row

    rows = {alpha: trial(alpha) for alpha in grid}
    if refine > 0:
        coarse = _best(rows.values())
        for alpha in (round(coarse - refine, 4), round(coarse + refine, 4)):
            if 0.0 < alpha <= 1.0 and alpha not in rows:
                rows[alpha] = trial(alpha)
    return _best(rows.values()), [rows[alpha] for alpha in sorted(rows)]


def _best(rows: Iterable[dict[str, float]]) -> float:
    return max(rows, key=lambda row: row["comprehensiveness"] - row["sufficiency"])["alpha"]


def _figures(result: Faithfulness) -> dict[str, float]:
    return {
        "comprehensiveness": round(result.comprehensiveness, 4),
        "sufficiency": round(result.sufficiency, 4),
    }


def write_config(model_dir: Path, alpha: float, record: dict[str, Any]) -> Path:
    """Store the calibrated step in ``model_dir/explain.json`` (read by Explainer)."""
    path = model_dir / EXPLAIN_FILE
    body = {"method": METHOD, "alphas": [alpha], **record}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return path
