"""Throughput of every way to label comments, against the Hugging Face pipeline, in one run.

On one comment file (benchmarks/comments.py; ``--profile realistic``, long-tailed, or ``short``,
uniform 1-5 sentences), one after the other in this process:

1. baseline: ``transformers.pipeline("text-classification")`` on the shipped model (the LoRA
   adapter merged, transformers' BERT, fp32, batch size 32, truncation at the model's maximum;
   ``--baseline-model`` names another, so that ``--model fast`` is timed against the default),
   timed before and after everything else and averaged, so a busy machine skews both ends alike;
2. the product's predictor (loaded as workers load it: pipeline/model/serving.py) in each
   precision this machine supports (fp32, bf16, int8), fed chunk by chunk as the worker feeds it;
3. the worker end to end on the embedded backend (submit, SQLite queue and database, results
   CSV), with the predictor ``auto`` picks;
4. ``analyze`` (the same path behind the command line).

Stages 3 and 4 compute job insights (aspects, embeddings, themes) as the product does, unless
``PIPELINE_INSIGHTS=0``, which leaves the labelling path's own figure.

Each line prints comments/s, the ratio to the baseline, this process's peak RSS during the
stage, and label agreement with the baseline and with the predictor's fp32 labels. Every path
gets the same warm-up first. Agreement is over the product's labels: the comments the product
screens out (placeholders, other languages: pipeline/model/screening.py, screened after the
timed stages) get no label in the baseline and predictor runs too; a row both runs leave
unlabelled is left out, and one that only one run labels counts as a disagreement (both counts
are printed beside each figure, ``left/one``). ``--also-batch-size 128`` adds a stage of the
``auto`` predictor with that batch size right after the default one, to weigh
``PIPELINE_BATCH_SIZE`` in one run.
Usage: ``python benchmarks/throughput.py --rows 5000 [--profile short]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import PROFILES, write_comments
from measure import Stage, best_of, timed

WARMUP_ROWS = 256
TEXT = "comment"


def hf_pipeline(loaded: Any, batch_size: int) -> Any:
    from transformers import pipeline

    return pipeline(
        "text-classification",
        model=loaded.model,
        tokenizer=loaded.tokenizer,
        device="cpu",
        batch_size=batch_size,
        top_k=None,
        truncation=True,
        max_length=loaded.max_length,
    )


def run_baseline(classify: Any, texts: list[str], name: str) -> tuple[Stage, list[str]]:
    classify(texts[:WARMUP_ROWS])
    with timed(name, len(texts)) as stage:
        outputs = classify(texts)
    return stage, [max(out, key=lambda item: item["score"])["label"] for out in outputs]


def run_predictor(
    predictor: Any, texts: list[str], chunk_rows: int, name: str
) -> tuple[Stage, np.ndarray]:
    predictor.predict_proba(texts[:WARMUP_ROWS])
    parts = []
    with timed(name, len(texts)) as stage:
        for start in range(0, len(texts), chunk_rows):
            parts.append(predictor.predict_proba(texts[start : start + chunk_rows]))
    return stage, np.concatenate(parts)


def run_worker(predictor: Any, source: Path, rows: int, chunk_rows: int) -> tuple[Stage, Path]:
    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.insights.loading import insights_source
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    folder = Path(tempfile.mkdtemp(prefix="throughput-worker-"))
    settings = Settings(
        data_dir=folder,
        model=predictor.version,
        chunk_rows=chunk_rows,
        max_receives=1,
        insights=Settings.from_env().insights,
    )
    backend = init_backend(settings)
    with timed(f"worker end to end ({predictor.precision}{_insights_note()})", rows) as stage:
        request_id = service.submit(backend, source, TEXT).request_id
        Worker(
            backend,
            lambda _reference: predictor,
            "throughput",
            insights=insights_source(settings),
        ).run(burst=True)
    job = backend.repository.jobs.get(request_id)
    if job.result_key is None:
        raise SystemExit(f"the worker's job ended {job.status}: {job.error}")
    return stage, backend.store.get_file(job.result_key, folder / "results.csv")


def run_analyze(predictor: Any, source: Path, rows: int, chunk_rows: int) -> tuple[Stage, Path]:
    from pipeline.analyze import analyze_file
    from pipeline.settings import Settings

    output = Path(tempfile.mkdtemp(prefix="throughput-analyze-")) / "out.csv"
    with timed(f"analyze ({predictor.precision}{_insights_note()})", rows) as stage:
        analyze_file(
            source,
            output,
            lambda: predictor,
            TEXT,
            chunk_rows=chunk_rows,
            progress=False,
            screening=Settings.from_env(),
        )
    return stage, output


def _insights_note() -> str:
    """Both end-to-end stages follow PIPELINE_INSIGHTS, as the product does (default: on)."""
    from pipeline.settings import Settings

    return "" if Settings.from_env().insights else ", insights off"


def unlabelled(label: object) -> bool:
    """No label: None, NaN (a frame's empty cell) or "" (a results CSV read as text)."""
    return label is None or label == "" or (isinstance(label, float) and math.isnan(label))


@dataclass(frozen=True)
class Agreement:
    """Two runs' labels, row by row: a row neither labels is left out (screened in both); one
    only one labels counts as a disagreement (screened in one only)."""

    agreed: int
    compared: int
    screened_both: int
    screened_one: int

    @property
    def share(self) -> float:
        """Agreed rows over compared rows (NaN when none is compared)."""
        return self.agreed / self.compared if self.compared else float("nan")

    def fields(self, against: str) -> dict[str, float | int]:
        """The JSON fields of a stage's agreement with ``against`` (``baseline`` or ``fp32``)."""
        return {
            f"agree_{against}": self.share,
            f"compared_{against}": self.compared,
            f"screened_both_{against}": self.screened_both,
            f"screened_one_{against}": self.screened_one,
        }


def agreement(labels: Sequence[object], reference: Sequence[object]) -> Agreement:
    """How far ``labels`` agree with ``reference``, over the rows at least one of them labels."""
    agreed = compared = both = one = 0
    for ours, theirs in zip(labels, reference, strict=True):
        missing = unlabelled(ours) + unlabelled(theirs)
        if missing == 2:
            both += 1
            continue
        compared += 1
        if missing == 1:
            one += 1
        elif ours == theirs:
            agreed += 1
    return Agreement(agreed, compared, both, one)


def as_product_labels(labels: Sequence[str | None], reasons: Sequence[object]) -> list[str | None]:
    """``labels`` as the product gives them: none where the screen turns the comment away."""
    return [None if reason else label for label, reason in zip(labels, reasons, strict=True)]


def labels_of(probs: np.ndarray, names: Sequence[str]) -> list[str | None]:
    picked = np.asarray(names, dtype=object)[np.nan_to_num(probs, nan=-1).argmax(axis=1)]
    return [
        None if np.isnan(row[0]) else str(label) for row, label in zip(probs, picked, strict=True)
    ]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000, help="comments in the file")
    parser.add_argument("--profile", choices=PROFILES, default="realistic", help="comments.py's")
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--baseline-model", default="default", help="the HF pipeline's model")
    parser.add_argument("--batch-size", type=int, default=64, help="the predictor's batch size")
    parser.add_argument(
        "--also-batch-size",
        type=int,
        nargs="*",
        default=[],
        help="more predictor stages in the auto precision with these batch sizes (same run)",
    )
    parser.add_argument("--baseline-batch-size", type=int, default=32)
    parser.add_argument("--chunk-rows", type=int, default=None, help="default: Settings()")
    parser.add_argument("--repeat", type=int, default=1, help="predictor runs; the best counts")
    parser.add_argument("--skip", nargs="*", default=[], choices=["worker", "analyze"])
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from pipeline.model.loading import load_model
    from pipeline.model.precision import machine_capabilities, supported_precisions
    from pipeline.model.precision_probe import probed_precision
    from pipeline.model.predictor import Predictor, is_blank
    from pipeline.model.screening import CommentScreen
    from pipeline.model.serving import load_for_inference
    from pipeline.settings import Settings

    chunk_rows = args.chunk_rows or Settings().chunk_rows
    folder = Path(tempfile.mkdtemp(prefix="throughput-"))
    source = write_comments(folder / "comments.csv", args.rows, profile=args.profile)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    texts = frame[TEXT].tolist()
    valid = [i for i, text in enumerate(texts) if not is_blank(text)]
    valid_texts = [texts[i] for i in valid]

    loaded = load_model(args.baseline_model)
    classify = hf_pipeline(loaded, args.baseline_batch_size)
    stages: list[Stage] = []
    first, hf_labels = run_baseline(classify, valid_texts, "baseline: HF pipeline (before)")
    stages.append(first)

    served = load_for_inference(args.model)
    capabilities = machine_capabilities("cpu")
    supported = supported_precisions("cpu", capabilities)
    auto, product_times = probed_precision("auto", "cpu", capabilities)  # as Predictor picks
    labels: dict[str, list[str | None]] = {}
    predictors = {}
    runs = []
    for precision in ("fp32", *[p for p in supported if p != "fp32"]):
        runs.append((precision, args.batch_size))
        if precision == auto:  # right after: the same load on the machine, as far as it goes
            others = dict.fromkeys(args.also_batch_size)
            runs += [(auto, size) for size in others if size != args.batch_size]
    for precision, batch_size in runs:
        predictor = Predictor(served, batch_size=batch_size, device="cpu", precision=precision)
        name = f"predictor {precision}"
        if batch_size != args.batch_size:
            name += f" batch {batch_size}"
        else:
            predictors[precision] = predictor
        results: list[np.ndarray] = []

        def once(
            predictor: Any = predictor, results: list[np.ndarray] = results, name: str = name
        ) -> Stage:
            stage, probs = run_predictor(predictor, texts, chunk_rows, name)
            results[:] = [probs]
            return stage

        stage = best_of(args.repeat, once)
        labels[name] = labels_of(results[0], predictor.labels)
        stage.extra["auto"] = precision == auto and batch_size == args.batch_size
        stages.append(stage)

    # Each stage's labels of the non-blank rows; the screen is applied once all are timed.
    screenable: list[tuple[Stage, Sequence[str | None]]] = [(first, hf_labels)]
    screenable += [
        (stage, [labels[name][i] for i in valid])
        for stage, name in zip(stages[1:], labels, strict=True)
    ]
    product: list[tuple[Stage, Sequence[str | None]]] = []
    for name, runner in (("worker", run_worker), ("analyze", run_analyze)):
        if name in args.skip:
            continue
        stage, output = runner(predictors[auto], source, len(texts), chunk_rows)
        got = pd.read_csv(output, dtype=str, keep_default_na=False)["label"].tolist()
        product.append((stage, [got[i] or None for i in valid]))
        stages.append(stage)

    last, hf_again = run_baseline(classify, valid_texts, "baseline: HF pipeline (after)")
    screenable.append((last, hf_again))
    stages.append(last)

    screen = CommentScreen.from_settings(Settings.from_env())
    reasons = [v.reason for v in screen.check_many(valid_texts, predictors["fp32"].version)]
    compared: list[tuple[Stage, Sequence[str | None]]] = [
        (stage, as_product_labels(got, reasons)) for stage, got in screenable
    ]
    compared += product
    baseline = compared[0][1]
    fp32_valid = as_product_labels([labels["predictor fp32"][i] for i in valid], reasons)
    for stage, got in compared:
        stage.extra.update(agreement(got, baseline).fields("baseline"))
        stage.extra.update(agreement(got, fp32_valid).fields("fp32"))
    baseline_rate = (first.rate + last.rate) / 2
    tokens = [len(ids) for ids in loaded.tokenizer(valid_texts)["input_ids"]]
    figures = {
        "profile": args.profile,
        "model": served.version,
        "baseline_model": loaded.version,
        "rows": len(texts),
        "blank_rows": len(texts) - len(valid),
        "screened_rows": sum(bool(reason) for reason in reasons),
        "mean_tokens": float(np.mean(tokens)),
        "p99_tokens": float(np.percentile(tokens, 99)),
        "chunk_rows": chunk_rows,
        "batch_size": args.batch_size,
        "torch_threads": torch.get_num_threads(),
        "cpu": _cpu_name(),
        "auto_precision": auto,
        "product_times": product_times,
        "baseline_rate": baseline_rate,
        "stages": [
            {
                "name": s.name,
                "rows": s.rows,
                "seconds": s.seconds,
                "rate": s.rate,
                "vs_baseline": s.rate / baseline_rate,
                "peak_rss_mb": s.peak_rss_mb,
                **s.extra,
            }
            for s in stages
        ],
    }
    _report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _probe_note(times: dict[str, float] | None) -> str:
    """The one-product times ``auto`` weighed (pipeline/model/precision_probe.py)."""
    from pipeline.model.precision import format_times

    return f" (one product: {format_times(times)})" if times else ""


def _report(f: dict[str, Any]) -> None:
    print(
        f"{f['rows']:,} {f['profile']} comments ({f['blank_rows']} blank, {f['screened_rows']} "
        f"more screened out; {f['mean_tokens']:.1f} tokens on average, p99 "
        f"{f['p99_tokens']:.0f}), chunks of {f['chunk_rows']}, batch "
        f"{f['batch_size']}, {f['torch_threads']} torch threads, {f['cpu']}; "
        f"auto precision here: {f['auto_precision']}{_probe_note(f.get('product_times'))}; "
        f"model {f['model']}, baseline's "
        f"{f['baseline_model']}"
    )
    print(
        f"{'stage':42s} {'comments/s':>10s} {'x base':>7s} {'peak RSS':>9s} "
        f"{'agree base':>10s} {'left/one':>9s} {'agree fp32':>10s} {'left/one':>9s} "
        f"{'seconds':>8s}"
    )
    for s in f["stages"]:
        mark = " (auto)" if s.get("auto") else ""
        print(
            f"{s['name'] + mark:42s} {s['rate']:10.0f} {s['vs_baseline']:7.2f} "
            f"{s['peak_rss_mb']:7.0f}MB {_agreement_cells(s, 'baseline')} "
            f"{_agreement_cells(s, 'fp32')} {s['seconds']:8.1f}"
        )
    print(f"baseline = mean of the two HF pipeline runs: {f['baseline_rate']:.0f} comments/s")
    print(
        "agreement is over the non-blank rows either run labels; left/one: rows the product "
        "screens out in both runs (left out) / in one run only (counted as disagreeing)"
    )


def _agreement_cells(stage: dict[str, Any], against: str) -> str:
    """One agreement's share, then its left-out / one-only counts."""
    counts = f"{stage[f'screened_both_{against}']}/{stage[f'screened_one_{against}']}"
    return f"{100 * stage[f'agree_{against}']:9.2f}% {counts:>9s}"


if __name__ == "__main__":
    main()
