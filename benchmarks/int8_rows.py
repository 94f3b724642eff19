"""int8 with one activation scale per token row against the batch-wide scale it replaced.

Three questions, one process, the same model: (1) speed: one MiniLM feed-forward product and
the predictor's pass over short comments, each variant's time relative to fp32's in the same
round (median over rounds: on a shared host only ratios within a round mean anything);
(2) batch independence: every validation comment scored alone, beside its validation
neighbours, and beside an outlier comment (long, shouting, punctuation), the largest change
of any probability and the labels that change; (3) labels: each variant alone against fp32
on the validation data, and what re-scoring the unsure comments in fp32 buys at each margin.
The batch-wide layer is rebuilt here as it was (``batchwide_int8_linear``) to be measured.
Usage: ``python benchmarks/int8_rows.py [--rows 2000] [--rounds 5] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MARGINS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25)
OUTLIER = ("WORST. COURSE. EVER!!!!! " * 12) + "?!?! #### $$$$ " * 20
"""A comment whose activations are far from a plain one's: beside it, a batch-wide scale
coarsens every other row's steps."""
VARIANTS = ("fp32", "int8 batch-wide", "int8 per-token")
BATCHWIDE_MARGIN = 0.25
"""The re-scoring margin the batch-wide layer shipped with (the per-token one's is
``RESCORE_MARGIN["int8"]``)."""


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--rows", type=int, default=2000, help="short comments per timed pass")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from pipeline.model.corpus import build_corpus
    from pipeline.model.precision import RESCORE_MARGIN
    from pipeline.model.predictor import Predictor
    from pipeline.model.serving import load_for_inference
    from pipeline.model.train import TrainOptions

    loaded = load_for_inference(args.model)
    predictor = Predictor(loaded, device="cpu", precision="fp32")
    runners = variant_runners(predictor)
    frames = dict(build_corpus(TrainOptions(data_dir=args.data_dir).corpus_spec()).validation)
    short = short_texts(args.rows)
    validation = [t for frame in frames.values() for t in frame["text"].tolist()]
    results: dict[str, Any] = {
        "labels": {
            "validation comments": label_agreement(predictor, runners, validation),
            "short comments": label_agreement(predictor, runners, short),
        },
        "product": product_ratios(args.rounds),
        "predictor": pass_ratios(predictor, runners, short, args.rounds),
        "batch_independence": batch_independence(predictor, runners, frames),
        "margins": {"int8 batch-wide": BATCHWIDE_MARGIN, "int8 per-token": RESCORE_MARGIN["int8"]},
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    _report(results)
    return results


def batchwide_int8_linear(linear: Any) -> Any:
    """The int8 layer before per-token scales: fbgemm's dynamic linear as it is, one
    activation scale over the whole batch (per-channel int8 weights, full 8-bit range)."""
    import torch

    weight = linear.weight.detach().float()
    scales = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-8).double()
    zeros = torch.zeros(weight.shape[0], dtype=torch.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        qweight = torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8)
    bias = None if linear.bias is None else linear.bias.detach().float()
    packed = torch.ops.quantized.linear_prepack(qweight, bias)

    class BatchwideInt8Linear(torch.nn.Module):
        def forward(self, hidden: Any) -> Any:
            return torch.ops.quantized.linear_dynamic(hidden, packed, False)

    return BatchwideInt8Linear()


def variant_runners(predictor: Any) -> dict[str, Any]:
    """fp32 (the predictor's exact runner) and the two int8 copies of the same model."""
    from pipeline.model.int8_rows import replace_encoder_linears, rowwise_int8_linear
    from pipeline.model.runtime import Runner

    exact = predictor.engine.exact

    def copy_with(layer: Callable[[Any], Any]) -> Any:
        model = replace_encoder_linears(copy.deepcopy(exact.model), layer)
        return Runner(model, exact.device, exact.temperature)

    return {
        "fp32": exact,
        "int8 batch-wide": copy_with(batchwide_int8_linear),
        "int8 per-token": copy_with(rowwise_int8_linear),
    }


def use(predictor: Any, runner: Any, margin: float) -> None:
    """Make ``predictor`` score with ``runner``, re-scoring in fp32 below ``margin``."""
    from pipeline.model.runtime import Engine

    exact = predictor.engine.exact
    predictor._engine = Engine("int8", runner, exact, margin if runner is not exact else 0.0)


def product_ratios(rounds: int) -> dict[str, float]:
    """Each variant's product time over fp32's in the same round, median over rounds (the
    probe's shape: pipeline/model/precision_probe.py)."""
    import torch

    from pipeline.model.int8_rows import rowwise_int8_linear
    from pipeline.model.precision_probe import OUTPUTS, ROWS, WIDTH

    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(ROWS, WIDTH, generator=generator)
    layer = torch.nn.Linear(WIDTH, OUTPUTS)
    batchwide, rowwise = batchwide_int8_linear(layer), rowwise_int8_linear(layer)
    products = {
        "fp32": lambda: layer(inputs),
        "int8 batch-wide": lambda: batchwide(inputs),
        "int8 per-token": lambda: rowwise(inputs),
    }
    with torch.inference_mode():
        for product in products.values():
            product()
        times = [_round(products, repeats=20) for _ in range(rounds * 4)]
    return _ratios(times)


def pass_ratios(
    predictor: Any, runners: dict[str, Any], texts: list[str], rounds: int
) -> dict[str, Any]:
    """The predictor's pass over ``texts`` with each variant alone (no re-scoring) and int8
    with the shipped re-scoring: seconds, and time over fp32's in the same round."""
    passes: dict[str, Callable[[], object]] = {}
    for name, runner in runners.items():
        passes[name] = _pass(predictor, runner, 0.0, texts)
        if name != "fp32":
            margin = shipped_margin(name)
            passes[f"{name}, re-scoring < {margin}"] = _pass(predictor, runner, margin, texts)
    for run in passes.values():
        run()
    times = [_round(passes, repeats=1) for _ in range(rounds)]
    return {"texts": len(texts), "fp32_seconds": min(t["fp32"] for t in times), **_ratios(times)}


def shipped_margin(variant: str) -> float:
    """The fp32 re-scoring margin ``variant`` ships (or shipped) with."""
    from pipeline.model.precision import RESCORE_MARGIN

    return BATCHWIDE_MARGIN if variant == "int8 batch-wide" else RESCORE_MARGIN["int8"]


def _pass(predictor: Any, runner: Any, margin: float, texts: list[str]) -> Callable[[], object]:
    def run() -> object:
        use(predictor, runner, margin)
        return predictor.predict_proba(texts)

    return run


def _round(products: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    seconds = {}
    for name, product in products.items():
        began = time.perf_counter()
        for _ in range(repeats):
            product()
        seconds[name] = (time.perf_counter() - began) / repeats
    return seconds


def _ratios(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per variant, the median over rounds of fp32's time over its own: > 1 is faster."""
    return {
        f"speed vs fp32: {name}": statistics.median(r["fp32"] / r[name] for r in rounds)
        for name in rounds[0]
    }


def short_texts(rows: int) -> list[str]:
    """The ``short`` profile of benchmarks/comments.py: course comments of 1-5 sentences."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from comments import SEED, comment_pool, sentence_pool, short_comments

    rng = np.random.default_rng(SEED)
    return list(short_comments(rng, rows, sentence_pool(comment_pool())))


def batch_independence(
    predictor: Any, runners: dict[str, Any], frames: dict[str, Any], texts_per_set: int = 100
) -> dict[str, Any]:
    """Per variant (alone, and int8 with the shipped re-scoring): the largest |Δp| of a
    comment scored alone against the same comment among its set's neighbours and beside
    ``OUTLIER``, and how many labels differ."""
    texts = [t for frame in frames.values() for t in frame["text"].tolist()[:texts_per_set]]
    settings = [(name, runner, 0.0) for name, runner in runners.items()]
    settings += [
        (f"{name}, re-scoring < {shipped_margin(name)}", runner, shipped_margin(name))
        for name, runner in runners.items()
        if name != "fp32"
    ]
    found: dict[str, Any] = {}
    for name, runner, margin in settings:
        use(predictor, runner, margin)
        alone = np.concatenate([predictor.predict_proba([text]) for text in texts])
        together = predictor.predict_proba(texts)
        beside = np.concatenate([predictor.predict_proba([text, OUTLIER])[:1] for text in texts])
        found[name] = {
            "texts": len(texts),
            "max_delta_neighbours": float(np.abs(alone - together).max()),
            "max_delta_outlier": float(np.abs(alone - beside).max()),
            "label_changes_neighbours": int((alone.argmax(1) != together.argmax(1)).sum()),
            "label_changes_outlier": int((alone.argmax(1) != beside.argmax(1)).sum()),
        }
    return found


def label_agreement(predictor: Any, runners: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """Each int8 variant alone against fp32's labels on ``texts``: agreement and share
    re-scored at each of ``MARGINS``, and the largest margin of a flipped label."""
    from pipeline.model.predictor import top_two_margin

    use(predictor, runners["fp32"], 0.0)
    reference = predictor.predict_proba(texts).argmax(1)
    found: dict[str, Any] = {"texts": len(texts)}
    for name, runner in runners.items():
        if name == "fp32":
            continue
        use(predictor, runner, 0.0)
        probs = predictor.predict_proba(texts)
        margins = top_two_margin(probs)
        flipped = probs.argmax(1) != reference
        found[name] = {
            "largest_flip_margin": float(margins[flipped].max()) if flipped.any() else 0.0,
            "at_margin": {
                str(margin): {
                    "rescored_share": float((margins < margin).mean()),
                    "agree_fp32": float(1.0 - (flipped & (margins >= margin)).mean()),
                }
                for margin in MARGINS
            },
        }
    return found


def _report(results: dict[str, Any]) -> None:
    print("speed relative to fp32 (median over rounds; > 1 is faster)")
    for part in ("product", "predictor"):
        for name, ratio in results[part].items():
            if name.startswith("speed"):
                print(f"  {part:9s} {name[len('speed vs fp32: ') :]:40s} {ratio:5.2f}x")
    print(
        f"  (fp32 pass over {results['predictor']['texts']} short comments: "
        f"{results['predictor']['fp32_seconds']:.2f} s)"
    )
    print("batch independence (the same comment alone / among neighbours / beside an outlier)")
    for name, found in results["batch_independence"].items():
        print(
            f"  {name:40s} max |dp| neighbours {found['max_delta_neighbours']:.1e} "
            f"outlier {found['max_delta_outlier']:.1e}; labels changed "
            f"{found['label_changes_neighbours']} / {found['label_changes_outlier']} "
            f"of {found['texts']}"
        )
    for set_name, labels in results["labels"].items():
        print(
            f"labels against fp32 on {labels['texts']} {set_name} "
            "(re-scored share / agreement at each margin)"
        )
        for name in VARIANTS[1:]:
            found = labels[name]
            cells = "  ".join(
                f"{m}: {100 * c['rescored_share']:4.1f}%/{100 * c['agree_fp32']:6.2f}%"
                for m, c in found["at_margin"].items()
            )
            print(f"  {name:16s} {cells}  largest flip {found['largest_flip_margin']:.3f}")


if __name__ == "__main__":
    main()
