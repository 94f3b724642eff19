"""TrainOptions validation and the dataclass-to-argparse bridge."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.model.evaluate import EvaluateOptions
from pipeline.model.options import parse_options
from pipeline.model.train import TrainOptions


@dataclass(frozen=True)
class _Sample:
    name: str = field(default="x", metadata={"help": "a name"})
    count: int = field(default=2, metadata={"help": "a count"})
    ratio: float = field(default=0.5, metadata={"help": "a ratio"})
    verbose: bool = field(default=False, metadata={"help": "talk more"})
    cache: bool = field(default=True, metadata={"help": "use the cache"})
    folder: Path = field(default=Path("out"), metadata={"help": "a folder"})
    report: Path | None = field(default=None, metadata={"help": "an optional file"})
    inputs: tuple[Path, ...] = field(default=(), metadata={"help": "input files"})
    tags: tuple[str, ...] = field(default=("a",), metadata={"help": "tags"})


def _argv(options: object) -> list[str]:
    """The command line that should parse back into ``options``."""
    argv: list[str] = []
    for f in dataclasses.fields(options):  # type: ignore[arg-type]
        flag = "--" + f.name.replace("_", "-")
        value = getattr(options, f.name)
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, tuple):
            argv += [flag, *map(str, value)]
        elif value is not None:
            argv += [flag, str(value)]
    return argv


# --- TrainOptions validation --------------------------------------------------------------


def test_default_train_options_are_valid() -> None:
    options = TrainOptions()
    assert options.epochs > 0
    spec = options.corpus_spec()
    assert spec.seed == options.seed
    assert spec.data_dir == Path(options.data_dir)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"max_length": 0}, "max_length"),
        ({"lora_r": 0}, "lora_r"),
        ({"lora_alpha": 0}, "lora_alpha"),
        ({"log_every": 0}, "log_every"),
        ({"student_repeat": 0}, "student_repeat"),
        ({"epochs": 0.0, "max_steps": 0}, "epochs"),
        ({"val_fraction": 0.0}, "val_fraction"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"warmup_ratio": 1.0}, "warmup_ratio"),
        ({"warmup_ratio": -0.1}, "warmup_ratio"),
        ({"learning_rate": 0.0}, "learning_rate"),
    ],
)
def test_train_options_refuse_bad_values(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TrainOptions(**changes)  # type: ignore[arg-type]


def test_max_steps_alone_is_enough() -> None:
    assert TrainOptions(epochs=0.0, max_steps=5).max_steps == 5


# --- parse_options ------------------------------------------------------------------------


def test_parse_options_without_arguments_gives_the_defaults() -> None:
    assert parse_options(TrainOptions, [], "train") == TrainOptions()
    assert parse_options(_Sample, [], "sample") == _Sample()


def test_parse_options_converts_paths_tuples_and_numbers() -> None:
    options = parse_options(
        TrainOptions,
        ["--data-dir", "/data", "--extra-data", "a.csv", "b.csv", "--epochs", "0.5", "--seed", "3"],
        "train",
    )

    assert options.data_dir == Path("/data")
    assert isinstance(options.data_dir, Path)
    assert options.extra_data == (Path("a.csv"), Path("b.csv"))
    assert isinstance(options.extra_data, tuple)
    assert options.epochs == 0.5
    assert options.seed == 3


def test_parse_options_round_trips_bool_tuple_and_path_fields() -> None:
    original = _Sample(
        name="run",
        count=7,
        ratio=0.25,
        verbose=True,
        cache=False,
        folder=Path("/tmp/folder"),
        report=Path("report.json"),
        inputs=(Path("x.csv"), Path("dir/y.csv")),
        tags=("one", "two"),
    )

    parsed = parse_options(_Sample, _argv(original), "sample")

    assert parsed == original
    assert isinstance(parsed.folder, Path)
    assert isinstance(parsed.report, Path)
    assert all(isinstance(p, Path) for p in parsed.inputs)


def test_parse_options_round_trips_train_options() -> None:
    original = TrainOptions(
        data_dir=Path("/d"),
        output_dir=Path("out/m"),
        extra_data=(Path("c.csv"),),
        limit_per_source=48,
        max_steps=6,
        learning_rate=1e-4,
    )

    assert parse_options(TrainOptions, _argv(original), "train") == original


def test_parse_options_bool_flags_switch_both_ways() -> None:
    assert parse_options(_Sample, ["--verbose", "--no-cache"], "s").verbose is True
    assert parse_options(_Sample, ["--verbose", "--no-cache"], "s").cache is False


def test_parse_options_empty_tuple_flag() -> None:
    assert parse_options(_Sample, ["--tags"], "s").tags == ()


def test_parse_options_validation_runs_on_parsed_values() -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        parse_options(TrainOptions, ["--batch-size", "0"], "train")
    with pytest.raises(InputError, match="--data"):
        parse_options(EvaluateOptions, [], "evaluate")


def test_parse_options_rejects_unknown_flags_and_bad_numbers() -> None:
    with pytest.raises(SystemExit):
        parse_options(TrainOptions, ["--no-such-flag"], "train")
    with pytest.raises(SystemExit):
        parse_options(TrainOptions, ["--seed", "many"], "train")


def test_evaluate_options_parse_data_and_output() -> None:
    options = parse_options(
        EvaluateOptions, ["--data", "a.csv", "--output", "r.json", "--batch-size", "8"], "e"
    )

    assert options.data == (Path("a.csv"),)
    assert options.output == Path("r.json")
    assert options.batch_size == 8
