"""Model commands: train, distill, evaluate, calibrate, behaviour, predict, analyze."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from pipeline.cli.job_commands import SHEET_HELP
from pipeline.cli.output import cuts_told, table_file
from pipeline.errors import InputError
from pipeline.model.options import add_dataclass_arguments, options_from_namespace
from pipeline.model.precision import PRECISIONS
from pipeline.release.screen import ReleaseScreen

OPTIONS = {
    "train": ("pipeline.model.train", "TrainOptions"),
    "distill": ("pipeline.model.distill", "DistillOptions"),
    "evaluate": ("pipeline.model.evaluate", "EvaluateOptions"),
    "calibrate": ("pipeline.model.calibrate", "CalibrateOptions"),
    "behaviour": ("pipeline.model.behaviour", "BehaviourOptions"),
}
"""Each model command's options dataclass, read when the command is parsed (``fill``)."""
MODEL_HELP = "model: default, fast (its distilled student, faster), a directory or an s3:// URI"


def _options_command(commands: Any, name: str, summary: str, handler: Any) -> None:
    """A command whose options are a dataclass's fields, added once the command is used."""
    parser = commands.add_parser(name, help=summary)
    parser.set_defaults(handler=handler)

    def fill(late: argparse.ArgumentParser) -> None:
        module, options = OPTIONS[name]
        add_dataclass_arguments(late, getattr(importlib.import_module(module), options))

    parser.fill = fill


def register(commands: Any) -> None:
    _options_command(commands, "train", "fine-tune the sentiment model (LoRA)", _train)
    _options_command(
        commands,
        "distill",
        "distil the sentiment model into a faster student with fewer layers",
        _distill,
    )
    _options_command(commands, "evaluate", "validation figures on text,label CSVs", _evaluate)
    _options_command(
        commands,
        "calibrate",
        "fit the model's temperature and review threshold on validation data",
        _calibrate,
    )
    _options_command(
        commands,
        "behaviour",
        "score a model on the behavioural test suite, per category",
        _behaviour,
    )

    predict = commands.add_parser("predict", help="label texts given on the command line")
    predict.add_argument("texts", nargs="+", help="one or more comments")
    predict.add_argument("--model", default=None, help=MODEL_HELP)
    predict.add_argument("--json", action="store_true", help="print JSON lines")
    _add_precision(predict)
    _add_languages(predict)
    predict.set_defaults(handler=_predict)

    analyze = commands.add_parser(
        "analyze", help="label every comment of a CSV, XLSX, ODS or TXT file"
    )
    analyze.add_argument("input", type=Path, help="CSV, XLSX, ODS or one-comment-per-line TXT")
    analyze.add_argument(
        "--text-column",
        action="append",
        default=[],
        metavar="COLUMN",
        help="comment column (default: the one column named like comments; not for TXT); "
        "repeat it for several open questions: one row per comment, with a question column",
    )
    analyze.add_argument(
        "--sheet",
        default=None,
        help=SHEET_HELP,
    )
    analyze.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="results file to write: an Excel workbook if it ends in .xlsx, else CSV",
    )
    analyze.add_argument("--model", default=None, help=MODEL_HELP)
    analyze.add_argument(
        "--raw",
        action="store_true",
        help="cells as read: no apostrophe before =, +, -, @ (unsafe to open in a spreadsheet)",
    )
    analyze.add_argument(
        "--explain",
        action="store_true",
        help="add an explanation column: the words that drove each label (slower)",
    )
    _add_precision(analyze)
    _add_languages(analyze)
    analyze.set_defaults(handler=_analyze)


def _add_precision(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=None,
        help="model arithmetic; auto (default, or PIPELINE_PRECISION) picks the fastest one at "
        "label parity with fp32 on this machine",
    )


def _add_languages(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--languages",
        default=None,
        help="languages to label, e.g. en (default, or PIPELINE_LANGUAGES) or en,de; 'all' "
        "labels every comment: otherwise a comment told to be in another language gets no label",
    )


def _train(args: argparse.Namespace) -> int:
    from pipeline.model.card import metrics_table
    from pipeline.model.train import TrainOptions, train

    options = options_from_namespace(TrainOptions, args)
    result = train(options, progress=lambda p: print(json.dumps(p), file=sys.stderr, flush=True))
    print(f"model written to {result.output_dir} (version {result.card['version']})")
    print(metrics_table(result.card["validation"]))
    return 0


def _distill(args: argparse.Namespace) -> int:
    from pipeline.model.distill import DistillOptions, run

    return run(options_from_namespace(DistillOptions, args))


def _evaluate(args: argparse.Namespace) -> int:
    from pipeline.model.evaluate import EvaluateOptions, evaluate, report_text

    print(report_text(evaluate(options_from_namespace(EvaluateOptions, args))))
    return 0


def _settings(args: argparse.Namespace) -> Any:
    from pipeline.settings import Settings

    return Settings.from_env(model=args.model, precision=args.precision, languages=args.languages)


def _calibrate(args: argparse.Namespace) -> int:
    from pipeline.model.calibrate import CalibrateOptions, calibrate
    from pipeline.model.card import calibration_text

    print(calibration_text(calibrate(options_from_namespace(CalibrateOptions, args))))
    return 0


def _behaviour(args: argparse.Namespace) -> int:
    from pipeline.model.behaviour import BehaviourOptions, behaviour, report_text

    print(report_text(behaviour(options_from_namespace(BehaviourOptions, args))))
    return 0


def _predictor(settings: Any) -> Any:
    from pipeline.model.predictor import Predictor

    return Predictor.load(
        settings.model,
        batch_size=settings.batch_size,
        device=settings.device,
        precision=settings.precision,
    )


def _predict(args: argparse.Namespace) -> int:
    """A line per text: label, score and the text, tab-separated, the text (and an error)
    made inert (pipeline.terminal_text), so a line break in it starts no line of its own, a
    tab shifts no column and an escape sequence does nothing; ``--json`` keeps it as given."""
    from pipeline.model.screening import CommentScreen
    from pipeline.terminal_text import inert

    settings = _settings(args)
    predictor = _predictor(settings)
    screen = CommentScreen.from_settings(settings)
    verdicts = screen.check_many(args.texts, predictor.version)
    kept = ["" if verdicts[i].reason else text for i, text in enumerate(args.texts)]
    for text, verdict, result in zip(args.texts, verdicts, predictor.predict(kept), strict=True):
        error = verdict.reason or result.error
        if args.json:
            fields = {**result.__dict__, "error": error, "language": verdict.language}
            print(json.dumps({"text": text, **fields}))
        elif result.label is None:
            print(f"-\t{inert(str(error))}\t{inert(text)}")
        else:
            print(f"{result.label}\t{result.scores[result.label]:.3f}\t{inert(text)}")
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from pipeline.analyze import analyze_file, check_output, themes_file

    if not args.input.is_file():
        raise InputError(f"{args.input} is not a file")
    check_output(args.output, args.raw)  # before the model loads (seconds)
    if args.output.exists() and args.output.samefile(args.input):
        raise InputError(
            f"-o {args.output} is the input file: the results would replace the comments they "
            "were read from; name another file"
        )
    settings = _settings(args)
    ReleaseScreen.from_settings(settings)  # a names or words file it cannot read: before any work
    themes_file(table_file(args.output), settings.insights)  # both before the model loads
    with cuts_told():  # a workbook's comment longer than a cell holds: its rows named
        rows = analyze_file(
            args.input,
            table_file(args.output),
            lambda: _predictor(settings),
            args.text_column,
            raw=args.raw,
            screening=settings,
            sheet=args.sheet,
            explain=args.explain,
        )
    print(f"{rows} rows written to {args.output}", file=sys.stderr)
    return 0
