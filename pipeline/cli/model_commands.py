"""Model commands: train, evaluate, predict, analyze."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.model.options import add_dataclass_arguments, options_from_namespace
from pipeline.model.precision import PRECISIONS


def register(commands: Any) -> None:
    from pipeline.model.evaluate import EvaluateOptions
    from pipeline.model.train import TrainOptions

    train = commands.add_parser("train", help="fine-tune the sentiment model (LoRA)")
    add_dataclass_arguments(train, TrainOptions)
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="validation figures on text,label CSVs")
    add_dataclass_arguments(evaluate, EvaluateOptions)
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser("predict", help="label texts given on the command line")
    predict.add_argument("texts", nargs="+", help="one or more comments")
    predict.add_argument("--model", default=None, help="model name, directory or s3:// URI")
    predict.add_argument("--json", action="store_true", help="print JSON lines")
    _add_precision(predict)
    predict.set_defaults(handler=_predict)

    analyze = commands.add_parser("analyze", help="label every comment of a CSV, XLSX or TXT file")
    analyze.add_argument("input", type=Path, help="CSV, XLSX or one-comment-per-line TXT")
    analyze.add_argument("--text-column", default=None, help="comment column (not for TXT)")
    analyze.add_argument("--output", type=Path, required=True, help="results CSV to write")
    analyze.add_argument("--model", default=None, help="model name, directory or s3:// URI")
    _add_precision(analyze)
    analyze.set_defaults(handler=_analyze)


def _add_precision(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=None,
        help="model arithmetic; auto (default, or PIPELINE_PRECISION) picks the fastest one at "
        "label parity with fp32 on this machine",
    )


def _train(args: argparse.Namespace) -> int:
    from pipeline.model.card import metrics_table
    from pipeline.model.train import TrainOptions, train

    options = options_from_namespace(TrainOptions, args)
    result = train(options, progress=lambda p: print(json.dumps(p), file=sys.stderr, flush=True))
    print(f"model written to {result.output_dir} (version {result.card['version']})")
    print(metrics_table(result.card["validation"]))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.model.card import metrics_table
    from pipeline.model.evaluate import EvaluateOptions, evaluate

    print(metrics_table(evaluate(options_from_namespace(EvaluateOptions, args))))
    return 0


def _predictor(model: str | None, precision: str | None) -> Any:
    from pipeline.model.predictor import Predictor
    from pipeline.settings import Settings

    settings = Settings.from_env(model=model, precision=precision)
    return Predictor.load(
        settings.model,
        batch_size=settings.batch_size,
        device=settings.device,
        precision=settings.precision,
    )


def _predict(args: argparse.Namespace) -> int:
    predictor = _predictor(args.model, args.precision)
    for text, result in zip(args.texts, predictor.predict(args.texts), strict=True):
        if args.json:
            print(json.dumps({"text": text, **result.__dict__}))
        elif result.label is None:
            print(f"-\t{result.error}\t{text}")
        else:
            print(f"{result.label}\t{result.scores[result.label]:.3f}\t{text}")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from pipeline.analyze import analyze_file

    rows = analyze_file(
        args.input, args.output, _predictor(args.model, args.precision), args.text_column
    )
    print(f"{rows} rows written to {args.output}", file=sys.stderr)
    return 0
