"""``python -m pipeline.model.aspects train|evaluate``: the aspect model's two commands.

train    fit on student_feedback/aspects.csv, write the model (the shipped one by default)
evaluate print a model's held-out figures as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.model.aspects.categories import GRANULARITIES
from pipeline.model.aspects.data import AUTHORED_ASPECTS
from pipeline.model.aspects.encoders import real_encoders
from pipeline.model.aspects.evaluation import evaluate
from pipeline.model.aspects.fitting import HeadOptions, PolarityOptions
from pipeline.model.aspects.training import (
    EVIDENCE_RULE,
    SHIPPED_AUTHORED_WEIGHT,
    AspectTrainOptions,
    train,
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m pipeline.model.aspects", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    fit = commands.add_parser("train", help="train and write an aspect model")
    fit.add_argument("--data-dir", type=Path, required=True, help="the shared data directory")
    fit.add_argument("--output-dir", type=Path, help="default: the shipped model's directory")
    fit.add_argument("--granularity", choices=list(GRANULARITIES), default="merged")
    fit.add_argument("--sentiment-model", default="default", help="name, path or s3:// URI")
    fit.add_argument("--c", type=float, default=HeadOptions.c, help="inverse L2 strength")
    fit.add_argument("--cache", type=Path, help="an .npz to keep the encoder outputs in")
    fit.add_argument(
        "--authored",
        type=Path,
        default=AUTHORED_ASPECTS,
        help="an aspects.csv-shaped file of authored comments, added to the training part only "
        "(default: the shipped one, comments praising one aspect and criticising another)",
    )
    fit.add_argument(
        "--no-authored", action="store_true", help="train on the annotated comments alone"
    )
    fit.add_argument(
        "--authored-weight",
        type=float,
        default=SHIPPED_AUTHORED_WEIGHT,
        help="how much an authored comment's aspect weighs in the polarity heads",
    )
    fit.add_argument(
        "--min-aspects",
        type=int,
        default=EVIDENCE_RULE.min_aspects,
        help="read clauses with the sentiment model only in comments with this many aspects",
    )
    fit.add_argument(
        "--read-below",
        type=float,
        default=EVIDENCE_RULE.read_below,
        help="... and only in comments whose top label probability is under this",
    )
    check = commands.add_parser("evaluate", help="print a model's held-out figures")
    check.add_argument("--data-dir", type=Path, required=True)
    check.add_argument("--model-dir", type=Path, help="default: the shipped aspect model")
    check.add_argument(
        "--sentiment-model",
        default=None,
        help="the sentiment model whose scores the aspects read, as a worker running it would "
        "(default: the one the aspect model was trained with, named in its card)",
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "train":
        options = AspectTrainOptions(
            data_dir=args.data_dir,
            granularity=args.granularity,
            sentiment_model=args.sentiment_model,
            head=HeadOptions(c=args.c),
            polarity=PolarityOptions(authored_weight=args.authored_weight),
            cache=args.cache,
            authored=None if args.no_authored else args.authored,
            rule=replace(EVIDENCE_RULE, min_aspects=args.min_aspects, read_below=args.read_below),
            **({"output_dir": args.output_dir} if args.output_dir else {}),
        )
        card = train(options)
        print(f"aspect model {card['version']} written to {options.output_dir}")
        print(json.dumps({k: card[k] for k in ("held_out", "zero_shot_baseline")}, indent=2))
        return 0
    encoders = real_encoders(args.sentiment_model) if args.sentiment_model else None
    print(json.dumps(evaluate(args.data_dir, args.model_dir, encoders), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
