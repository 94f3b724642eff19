"""Fine-tune the base BERT encoder with LoRA for 3-class sentiment; ``main(argv)`` backs the CLI.

The result is a small model directory (LoRA adapter + pooler + classifier head + model card)
that loads on top of the base encoder named in its card.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.card import metrics_table, write_card
from pipeline.model.corpus import Corpus, CorpusSpec, build_corpus, spec_of
from pipeline.model.evaluate import evaluate_frames
from pipeline.model.labels import LABELS
from pipeline.model.loading import quiet_transformers, read_card
from pipeline.model.locate import BASE_PACKAGE_NAME, resolve_model_dir
from pipeline.model.options import parse_options
from pipeline.model.predictor import Predictor
from pipeline.model.textprep import prepare_text

LORA_TARGETS = (
    "query",
    "key",
    "value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
FIGURES = ("training_curve.png", "confusion_matrices.png")
"""The figures notebook 01 saves beside the model it trained."""
_AT_LEAST_ONE = ("batch_size", "max_length", "lora_r", "lora_alpha", "log_every", "student_repeat")


@dataclass(frozen=True)
class TrainOptions:
    """Everything that decides the trained model; the defaults reproduce the shipped one."""

    data_dir: Path = field(
        default=Path("../shared/data"), metadata={"help": "folder with the labelled data sets"}
    )
    output_dir: Path = field(
        default=Path("artifacts/model"), metadata={"help": "where the model directory is written"}
    )
    base_model: str = field(
        default=BASE_PACKAGE_NAME, metadata={"help": "base encoder: package, path or s3:// URI"}
    )
    init_from: str = field(
        default="",
        metadata={"help": "continue training this LoRA model (name, path or s3://); '' = fresh"},
    )
    extra_data: tuple[Path, ...] = field(
        default=(), metadata={"help": "extra text,label CSVs (e.g. corrections from the app)"}
    )
    seed: int = field(default=13, metadata={"help": "seed for the split, sampling and training"})
    val_fraction: float = field(
        default=0.2, metadata={"help": "share of student feedback held out for validation"}
    )
    student_repeat: int = field(
        default=3, metadata={"help": "times the student-feedback training rows are repeated"}
    )
    authored_repeat: int = field(
        default=3,
        metadata={"help": "times the authored course comments are repeated (0 = not used)"},
    )
    sst_phrase_rows: int = field(
        default=0, metadata={"help": "SST train-tree phrases sampled (0 = all 159,140)"}
    )
    professor_rows: int = field(
        default=0, metadata={"help": "professor-review training rows sampled (0 = all)"}
    )
    professor_val_fraction: float = field(
        default=0.1, metadata={"help": "share of professor reviews held out for validation"}
    )
    limit_per_source: int = field(
        default=0, metadata={"help": "cap rows per source (0 = no cap); for smoke runs"}
    )
    epochs: float = field(default=2.0, metadata={"help": "passes over the training mix"})
    max_steps: int = field(default=0, metadata={"help": "stop after this many steps (0 = no cap)"})
    batch_size: int = field(default=32, metadata={"help": "training batch size"})
    learning_rate: float = field(default=5e-4, metadata={"help": "peak AdamW learning rate"})
    warmup_ratio: float = field(default=0.06, metadata={"help": "share of steps spent warming up"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    max_length: int = field(default=128, metadata={"help": "tokens per training example"})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA scaling numerator"})
    lora_dropout: float = field(default=0.1, metadata={"help": "dropout on the LoRA path"})
    log_every: int = field(default=25, metadata={"help": "record the loss every N steps"})

    def __post_init__(self) -> None:
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ConfigError("set epochs > 0 or max_steps > 0")
        for name in ("val_fraction", "professor_val_fraction"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be between 0 and 1")
        if min(self.sst_phrase_rows, self.professor_rows, self.authored_repeat) < 0:
            raise ConfigError("sst_phrase_rows, professor_rows and authored_repeat must be >= 0")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ConfigError("warmup_ratio must be in [0, 1)")
        if self.learning_rate <= 0:
            raise ConfigError("learning_rate must be positive")

    def corpus_spec(self) -> CorpusSpec:
        return spec_of(self)


@dataclass
class TrainResult:
    output_dir: Path
    card: dict[str, Any]
    history: list[dict[str, float]]


def train(
    options: TrainOptions, progress: Callable[[dict[str, float]], None] | None = None
) -> TrainResult:
    """Fine-tune, save the adapter, validate the saved model and write its card."""
    import torch

    seed_everything(options.seed)
    corpus = build_corpus(options.corpus_spec())
    for note in corpus.notes:
        print(note, file=sys.stderr, flush=True)
    started = time.perf_counter()
    model, tokenizer = _build_lora_model(options)
    history = _fit(model, tokenizer, corpus, options, progress)
    seconds = time.perf_counter() - started
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _remove_figures(out)
    model.save_pretrained(out)
    _portable_adapter_config(out, options.base_model)
    (out / "training_log.json").write_text(json.dumps(history) + "\n")
    card = _card(options, corpus, seconds, torch, out)
    write_card(out, card)
    predictor = Predictor.load(out, precision="fp32")  # the model's own figures, not a runtime's
    card["validation"] = evaluate_frames(predictor, corpus.validation)
    write_card(out, card)
    return TrainResult(output_dir=out, card=card, history=history)


def _remove_figures(out: Path) -> None:
    """Delete the figures an earlier run saved in the model folder (notebook 01's
    ``FIGURES``): the model written there now replaces the one they describe."""
    for name in FIGURES:
        (out / name).unlink(missing_ok=True)


def _build_lora_model(options: TrainOptions) -> tuple[Any, Any]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    quiet_transformers()
    base_dir = resolve_model_dir(options.base_model)
    model = AutoModelForSequenceClassification.from_pretrained(
        base_dir,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
    )
    if options.init_from:
        from peft import PeftModel

        start = resolve_model_dir(options.init_from)
        model = PeftModel.from_pretrained(model, start, is_trainable=True)
        return model, AutoTokenizer.from_pretrained(base_dir)
    config = LoraConfig(
        r=options.lora_r,
        lora_alpha=options.lora_alpha,
        lora_dropout=options.lora_dropout,
        target_modules=list(LORA_TARGETS),
        modules_to_save=["classifier", "pooler"],
        task_type="SEQ_CLS",
    )
    return get_peft_model(model, config), AutoTokenizer.from_pretrained(base_dir)


def _fit(
    model: Any,
    tokenizer: Any,
    corpus: Corpus,
    options: TrainOptions,
    progress: Callable[[dict[str, float]], None] | None,
) -> list[dict[str, float]]:
    import torch

    from pipeline.model.batching import pad_batch

    trainable = [p for p in model.parameters() if p.requires_grad]
    plan = plan_training(corpus, tokenizer, options, trainable)
    rng = np.random.default_rng(options.seed)
    model.train()
    history: list[dict[str, float]] = []
    running, seen, step = 0.0, 0, 0
    while step < plan.total:
        for batch in bucketed_batches([len(x) for x in plan.ids], options.batch_size, rng):
            input_ids, mask = pad_batch([plan.ids[i] for i in batch], tokenizer.pad_token_id)
            out = model(
                input_ids=torch.from_numpy(input_ids),
                attention_mask=torch.from_numpy(mask),
                labels=torch.from_numpy(plan.targets[batch]),
            )
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            plan.optimizer.step()
            plan.scheduler.step()
            plan.optimizer.zero_grad(set_to_none=True)
            running, seen, step = running + out.loss.item(), seen + 1, step + 1
            if step % options.log_every == 0 or step == plan.total:
                point = {"step": step, "epoch": step / plan.steps_per_epoch, "loss": running / seen}
                history.append(point)
                if progress:
                    progress(point)
                running, seen = 0.0, 0
            if step >= plan.total:
                break
    model.eval()
    return history


@dataclass
class TrainingPlan:
    """What a training loop runs on: the examples' token ids and label indices, the number
    of steps, and AdamW with a linear warm-up and decay over them."""

    ids: list[list[int]]
    targets: np.ndarray
    steps_per_epoch: int
    total: int
    optimizer: Any
    scheduler: Any


def plan_training(
    corpus: Corpus, tokenizer: Any, options: Any, trainable: list[Any]
) -> TrainingPlan:
    """The plan for ``corpus``'s training mix under ``options`` (training's or distillation's:
    ``max_length``, ``batch_size``, ``epochs``, ``max_steps``, ``learning_rate``,
    ``weight_decay``, ``warmup_ratio``)."""
    import torch

    texts = [prepare_text(t) for t in corpus.train["text"]]
    ids = tokenizer(texts, truncation=True, max_length=options.max_length)["input_ids"]
    label_index = {name: i for i, name in enumerate(LABELS)}
    targets = np.array([label_index[v] for v in corpus.train["label"]], dtype=np.int64)
    steps_per_epoch = math.ceil(len(ids) / options.batch_size)
    total = options.max_steps or max(1, round(steps_per_epoch * options.epochs))
    optimizer = torch.optim.AdamW(
        trainable, lr=options.learning_rate, weight_decay=options.weight_decay
    )
    warmup = max(1, round(total * options.warmup_ratio))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    return TrainingPlan(ids, targets, steps_per_epoch, total, optimizer, scheduler)


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffle, then sort within pools of 50 batches: random order, little padding."""
    order = rng.permutation(len(lengths))
    pool = batch_size * 50
    batches: list[np.ndarray] = []
    lengths_arr = np.asarray(lengths)
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths_arr[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _portable_adapter_config(out: Path, base_reference: str) -> None:
    """peft records the base's absolute path; record the portable reference instead."""
    path = out / "adapter_config.json"
    config = json.loads(path.read_text())
    config["base_model_name_or_path"] = base_reference
    path.write_text(json.dumps(config, indent=2) + "\n")


def _card(
    options: TrainOptions, corpus: Corpus, seconds: float, torch: Any, out: Path
) -> dict[str, Any]:
    weights = (out / "adapter_model.safetensors").read_bytes()
    digest = hashlib.sha256(weights).hexdigest()[:10]
    hardware = (
        torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else f"CPU {cpu_name()} x{torch.get_num_threads()} threads"
    )
    paths = ("data_dir", "output_dir", "extra_data")
    hyper = {k: v for k, v in asdict(options).items() if k not in paths}
    return {
        "version": f"minilm-l6-lora-sentiment-{time.strftime('%Y%m%d')}-{digest}",
        "labels": list(LABELS),
        "base_model": options.base_model,
        "architecture": "BertForSequenceClassification + LoRA (peft)",
        "max_length": 256,
        "seed": options.seed,
        "hyperparameters": {k: (str(v) if isinstance(v, Path) else v) for k, v in hyper.items()},
        "data": corpus.sources,
        "training": {
            "init_from": _start_version(options.init_from),
            "seconds": round(seconds, 1),
            "hardware": hardware,
            "torch": torch.__version__,
            "train_rows": len(corpus.train),
        },
        "validation": {},
    }


def _start_version(reference: str) -> str | None:
    """The version of the model training continued from (None for a fresh adapter)."""
    if not reference:
        return None
    return str(read_card(resolve_model_dir(reference)).get("version", reference))


def cpu_name() -> str:
    """The CPU's model name where Linux tells it; the architecture elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(TrainOptions, argv, "Fine-tune the sentiment model with LoRA.")
    result = train(options, progress=lambda p: print(json.dumps(p), file=sys.stderr, flush=True))
    print(f"model written to {result.output_dir} (version {result.card['version']})")
    print(metrics_table(result.card["validation"]))
    return 0
