"""Accuracy parity of each precision with fp32 on the full validation data, and its speed.

For every precision this machine supports: label agreement with fp32 (the requirement is
>= 99.5 %), macro-F1 per validation set and its change (requirement: within 0.005), the share
of comments re-scored in fp32, and comments/s on the same texts. TweetEval, which was not used
to choose the re-scoring margins, is reported as a held-out check of those margins.
Usage: ``python benchmarks/parity.py [--data-dir ../shared/data]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from pipeline.model.corpus import build_corpus
    from pipeline.model.metrics import classification_report
    from pipeline.model.precision import machine_capabilities, supported_precisions
    from pipeline.model.predictor import Predictor
    from pipeline.model.serving import load_for_inference
    from pipeline.model.train import TrainOptions

    frames = dict(build_corpus(TrainOptions(data_dir=args.data_dir).corpus_spec()).validation)
    loaded = load_for_inference(args.model)  # as workers load it
    precisions = ["fp32", *[p for p in supported_precisions("cpu", machine_capabilities("cpu"))]]
    results: dict[str, dict[str, Any]] = {}
    reference: dict[str, np.ndarray] = {}
    for precision in dict.fromkeys(precisions):
        predictor = Predictor(loaded, device="cpu", precision=precision)
        predictor.predict_proba(frames["sst_test"]["text"].tolist()[:256])  # warm-up
        predictor.stats.texts = predictor.stats.rescored = 0
        per_set: dict[str, Any] = {}
        for name, frame in frames.items():
            texts = frame["text"].tolist()
            started = time.perf_counter()
            probs = predictor.predict_proba(texts)
            seconds = time.perf_counter() - started
            reference.setdefault(name, probs)
            report = classification_report(probs, frame["label"].tolist(), predictor.labels)
            fp32_f1 = results["fp32"]["sets"][name]["macro_f1"] if results else None
            per_set[name] = {
                "n": len(texts),
                "agree_fp32": float((probs.argmax(1) == reference[name].argmax(1)).mean()),
                "flips": int((probs.argmax(1) != reference[name].argmax(1)).sum()),
                "macro_f1": report["macro_f1"],
                "macro_f1_change": report["macro_f1"] - fp32_f1 if fp32_f1 is not None else 0.0,
                "rate": len(texts) / seconds,
            }
        validation = list(per_set.values())
        total = sum(s["n"] for s in validation)
        results[precision] = {
            "sets": per_set,
            "agree_fp32_validation": sum(s["agree_fp32"] * s["n"] for s in validation) / total,
            "rescored_share": predictor.stats.rescored_share,
        }
        if precision != "fp32":  # what the re-scoring buys: the fast precision on its own
            alone = dataclasses.replace(predictor._engine, rescore_margin=0.0)
            predictor._engine = alone
            agree = 0
            for name in frames:
                probs = predictor.predict_proba(frames[name]["text"].tolist())
                agree += int((probs.argmax(1) == reference[name].argmax(1)).sum())
            results[precision]["agree_fp32_validation_without_rescoring"] = agree / total
    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


def _report(results: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'precision':9s} {'data set':22s} {'n':>5s} {'agree fp32':>10s} {'flips':>5s} "
        f"{'macro-F1':>8s} {'change':>7s} {'comments/s':>10s}"
    )
    for precision, result in results.items():
        for name, s in result["sets"].items():
            print(
                f"{precision:9s} {name:22s} {s['n']:5d} {100 * s['agree_fp32']:9.2f}% "
                f"{s['flips']:5d} {s['macro_f1']:8.4f} {s['macro_f1_change']:+7.4f} "
                f"{s['rate']:10.0f}"
            )
        alone = result.get("agree_fp32_validation_without_rescoring")
        print(
            f"{precision:9s} validation agreement {100 * result['agree_fp32_validation']:.2f}%, "
            f"re-scored in fp32: {100 * result['rescored_share']:.1f}% of comments"
            + ("" if alone is None else f" (without re-scoring: {100 * alone:.2f}%)")
        )


if __name__ == "__main__":
    main()
