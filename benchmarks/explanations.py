"""How faithful and how fast the explanations are, and where the explainer's step sits.

``evaluate`` (the default): ERASER comprehensiveness and sufficiency (pipeline/model/
faithfulness.py) of the explainer in fp32 and bf16, of a random ranking of the words (the
baseline, same run) and, with ``--compare``, of 8-step integrated gradients; then the time of
explaining a batch against the predictor's own time on the same batch, in the same precision.
Comments: 150 from the evaluation half of the student-feedback validation split and 150 of the
held-out professor reviews (splits as training made them: seed 13, 20 % / 10 %); the labels
explained are the fp32 predictor's, and every probability is the fp32 model's. The model is
loaded as workers load it (pipeline/model/serving.py), so the times are the product's.

``calibrate``: the step position (alpha) that maximises comprehensiveness − sufficiency, over all
comments and per label explained, on the other half of the student-feedback validation split
and on held-out professor reviews that ``evaluate`` never reads; written to ``explain.json``
beside the model with ``--write``. Run it after every retraining of the sentiment model.

Usage: ``python benchmarks/explanations.py [evaluate|calibrate] [--data-dir ../shared/data]
[--model default] [--n 150] [--calibration-n 230] [--grid A ...] [--refine 0.05] [--write]
[--compare] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 13
STUDENT_VAL_FRACTION = 0.2
PROFESSOR_VAL_FRACTION = 0.1
EVALUATED = 150
CALIBRATION = 230
TIMING_REPEATS = 3
IG8 = tuple((step + 0.5) / 8 for step in range(8))


def comment_sets(
    data_dir: Path, n: int = EVALUATED, calibration_n: int = CALIBRATION
) -> dict[str, list[str]]:
    """Unseen comments: the student-feedback validation split halved (calibration /
    evaluation) and the held-out professor reviews, ``n`` of them evaluated and
    ``calibration_n`` of the others calibrated on (never the same comment)."""
    from pipeline.model import data

    _, student_val = data.stratified_split(
        data.load_student_feedback(data_dir), STUDENT_VAL_FRACTION, SEED
    )
    _, professor_val = data.stratified_split(
        data.load_professor_reviews(data_dir), PROFESSOR_VAL_FRACTION, SEED
    )
    order = np.random.default_rng(SEED).permutation(len(student_val))
    half = len(order) // 2
    texts = student_val["text"].tolist()
    evaluated = professor_val["text"].sample(n=n, random_state=SEED)
    others = professor_val["text"].drop(index=evaluated.index)
    return {
        "calibration": [texts[i] for i in order[:half]][:calibration_n]
        + others.sample(n=min(calibration_n, len(others)), random_state=SEED).tolist(),
        "student_feedback": [texts[i] for i in order[half:]][:n],
        "professor_reviews": evaluated.tolist(),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", nargs="?", choices=("evaluate", "calibrate"), default="evaluate")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--n", type=int, default=EVALUATED, help="comments per evaluation set")
    parser.add_argument(
        "--calibration-n", type=int, default=CALIBRATION, help="calibrate: comments per set"
    )
    parser.add_argument("--write", action="store_true", help="calibrate: write explain.json")
    parser.add_argument("--compare", action="store_true", help="evaluate: also 8-step IG")
    parser.add_argument(
        "--grid", type=float, nargs="+", default=None, help="calibrate: steps tried first"
    )
    parser.add_argument(
        "--refine", type=float, default=None, help="calibrate: tried either side of each best"
    )
    parser.add_argument(
        "--weights",
        type=float,
        nargs="+",
        default=None,
        help="calibrate: weights of the word-alone part tried at the steps found",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    args.command = " ".join(["python benchmarks/explanations.py", *(argv or sys.argv[1:])])
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from pipeline.model.serving import load_for_inference

    loaded = load_for_inference(args.model)  # the model as workers load and explain it
    sets = comment_sets(args.data_dir, args.n, args.calibration_n)
    if args.task == "calibrate":
        results = calibrate(loaded, sets["calibration"], args)
    else:
        results = evaluate(loaded, {k: v for k, v in sets.items() if k != "calibration"}, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def calibrate(loaded: Any, texts: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.model.explain import Explainer
    from pipeline.model.faithfulness import (
        ALPHA_GRID,
        MIN_LABEL_COMMENTS,
        REFINE_STEP,
        WORD_ALONE_GRID,
        calibrate_alphas,
        calibrate_word_alone,
        write_config,
    )
    from pipeline.model.predictor import Predictor

    predictor = Predictor(loaded, device="cpu", precision="fp32")
    explainer = Explainer(predictor)
    targets = _targets(predictor, texts)
    started = time.perf_counter()
    steps = tuple(args.grid or ALPHA_GRID)
    refine = REFINE_STEP if args.refine is None else args.refine
    found = calibrate_alphas(explainer, texts, targets, predictor.engine.exact, steps, refine)
    stepped = explainer.with_config(found.config())
    weights = tuple(args.weights or WORD_ALONE_GRID)
    weight, weight_rows = calibrate_word_alone(
        stepped, texts, targets, predictor.engine.exact, weights
    )
    print(f"{'alpha':>5s} {'comments':>14s} {'compr.':>7s} {'suff.':>7s} {'c - s':>7s}")
    for row in found.grid:
        for name, f in [("all", row), *row["by_label"].items()]:
            c, s = f["comprehensiveness"], f["sufficiency"]
            print(f"{row['alpha']:5.3f} {name:>14s} {c:7.3f} {s:7.3f} {c - s:7.3f}")
    for row in weight_rows:
        c, s = row["comprehensiveness"], row["sufficiency"]
        print(f"word alone x {row['word_alone_weight']:<5g} {c:7.3f} {s:7.3f} {c - s:7.3f}")
    elapsed = time.perf_counter() - started
    print(f"best alpha {found.alpha}, per label {found.label_alphas} on {len(texts)} comments")
    print(f"best word-alone weight {weight} at those steps")
    print(f"({elapsed:.0f} s)")
    record = {
        "model_version": predictor.version,
        "calibrated_on": {
            "data": "calibration half of the student-feedback validation split (seed 13, 20 %) "
            "and held-out professor reviews (seed 13, 10 %) not among those evaluated",
            "comments": len(texts),
        },
        "criterion": "max comprehensiveness - sufficiency, ERASER k = 1, 5, 10, 20, 50 %, "
        f"over all comments and per label explained (labels with >= {MIN_LABEL_COMMENTS})",
        "grid": found.grid,
        "word_alone_grid": weight_rows,
        "command": args.command,
    }
    if args.write:
        path = write_config(loaded.directory, found.alpha, record, found.label_alphas, weight)
        print(f"wrote {path}")
    return {
        "alpha": found.alpha,
        "label_alphas": found.label_alphas,
        "word_alone_weight": weight,
        **record,
    }


def evaluate(loaded: Any, sets: dict[str, list[str]], args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.model.explain import ExplainConfig, Explainer
    from pipeline.model.faithfulness import faithfulness, random_attributions
    from pipeline.model.predictor import Predictor

    reference = Predictor(loaded, device="cpu", precision="fp32")
    scorer = reference.engine.exact
    explainers = {"fp32": Explainer(reference)}
    explainers["bf16"] = Explainer(Predictor(loaded, device="cpu", precision="bf16"))
    config = explainers["fp32"].config
    print(
        f"model {reference.version}, alpha {config.alphas}, per label {config.label_alphas}, "
        f"word alone {config.word_alone_weight}"
    )
    results: dict[str, Any] = {
        "model_version": reference.version,
        "alphas": config.alphas,
        "label_alphas": dict(config.label_alphas),
        "word_alone_weight": config.word_alone_weight,
        "sets": {},
    }
    for name, texts in sets.items():
        targets = _targets(reference, texts)
        encoded = explainers["fp32"].encode(texts)
        methods = {f"ig1 {p}": ex.attribute(encoded, targets) for p, ex in explainers.items()}
        if config.word_alone_weight:
            gradients = explainers["fp32"].gradient_attributions(encoded, targets)
            methods["ig1 fp32, gradient only"] = gradients
        if args.compare:
            ig8 = explainers["fp32"].with_config(ExplainConfig(alphas=IG8))
            methods["ig8 fp32"] = ig8.attribute(encoded, targets)
        methods["random"] = random_attributions([len(w) for w in encoded.words], SEED)
        figures = {
            method: asdict(faithfulness(explainers["fp32"], texts, targets, scores, scorer))
            for method, scores in methods.items()
        }
        results["sets"][name] = figures
        for method, f in figures.items():
            print(
                f"{name:18s} {method:24s} comprehensiveness {f['comprehensiveness']:.3f} "
                f"sufficiency {f['sufficiency']:.3f} (n={f['comments']})"
            )
    texts = [t for group in sets.values() for t in group]
    results["timing"] = {p: _timing(ex, texts) for p, ex in explainers.items()}
    for precision, t in results["timing"].items():
        print(
            f"time {precision}: explain / predict = {t['ratio_median']:.2f}x (median of "
            f"{TIMING_REPEATS}: {t['ratios']}), predict {t['predict_s']:.2f} s, "
            f"explain {t['explain_s']:.2f} s for {t['comments']} comments"
        )
    return results


def _targets(predictor: Any, texts: list[str]) -> np.ndarray:
    return np.asarray(predictor.predict_proba(texts).argmax(axis=1), dtype=np.int64)


def _timing(explainer: Any, texts: list[str]) -> dict[str, Any]:
    """Explaining against predicting the same comments, interleaved, after a warm-up."""
    predictor = explainer.predictor
    labels = [p.label for p in predictor.predict(texts)]
    explainer.explain_words(texts[:64], labels[:64])
    ratios, predict_s, explain_s = [], [], []
    for _ in range(TIMING_REPEATS):
        started = time.perf_counter()
        predictor.predict_proba(texts)
        predict_s.append(time.perf_counter() - started)
        fresh = type(explainer)(predictor, explainer.config)  # no word read alone kept
        started = time.perf_counter()
        fresh.explain_words(texts, labels)
        explain_s.append(time.perf_counter() - started)
        ratios.append(round(explain_s[-1] / predict_s[-1], 2))
    return {
        "comments": len(texts),
        "ratios": ratios,
        "ratio_median": statistics.median(ratios),
        "predict_s": statistics.median(predict_s),
        "explain_s": statistics.median(explain_s),
    }


if __name__ == "__main__":
    main()
