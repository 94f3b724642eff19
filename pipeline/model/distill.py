"""Distil the sentiment model into a student with fewer layers; ``main(argv)`` backs
``sentiment-pipeline distill``.

Labelling time is the encoder's layers: a 3-layer student of the 6-layer model does half the
work per comment. The student starts as a copy of the teacher (the LoRA merged into its base)
keeping every other layer, and learns on the training mix from three signals at once: the
teacher's softened probabilities, the gold labels, and the teacher's hidden states at the
layers it skips to. Word embeddings stay frozen, so the student stores only what it changed
(pipeline/model/student.py). Its validation figures are written beside the teacher's, on the
same held-out sets, so whether it keeps the quality is read off its card.
"""

from __future__ import annotations

import copy
import hashlib
import json
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
from pipeline.model.loading import load_model, read_card
from pipeline.model.locate import BASE_PACKAGE_NAME, DEFAULT_MODEL, resolve_model_dir
from pipeline.model.options import parse_options
from pipeline.model.predictor import Predictor
from pipeline.model.student import SHARED_FIELD, WORD_EMBEDDINGS, check_shared, save_student
from pipeline.model.train import bucketed_batches, cpu_name, plan_training, seed_everything

STUDENT_TAG = "distilled"


@dataclass(frozen=True)
class DistillOptions:
    """Everything that decides the student; the defaults reproduce the shipped ``fast``."""

    data_dir: Path = field(
        default=Path("../shared/data"), metadata={"help": "folder with the labelled data sets"}
    )
    output_dir: Path = field(
        default=Path("artifacts/student"), metadata={"help": "where the student is written"}
    )
    teacher: str = field(
        default=DEFAULT_MODEL, metadata={"help": "model to distil: name, path or s3:// URI"}
    )
    keep_layers: tuple[int, ...] = field(
        default=(0, 1, 3, 5), metadata={"help": "the teacher's layers the student starts from"}
    )
    seed: int = field(default=13, metadata={"help": "seed for the split, sampling and training"})
    val_fraction: float = field(
        default=0.2, metadata={"help": "share of student feedback held out (as training's)"}
    )
    professor_val_fraction: float = field(
        default=0.1, metadata={"help": "share of professor reviews held out (as training's)"}
    )
    student_repeat: int = field(
        default=3, metadata={"help": "times the student-feedback training rows are repeated"}
    )
    authored_repeat: int = field(
        default=4, metadata={"help": "times the authored course comments are repeated"}
    )
    sst_phrase_rows: int = field(
        default=40000, metadata={"help": "SST train-tree phrases sampled (0 = all 159,140)"}
    )
    professor_rows: int = field(
        default=8000, metadata={"help": "professor-review training rows sampled (0 = all)"}
    )
    limit_per_source: int = field(
        default=0, metadata={"help": "cap rows per source (0 = no cap); for smoke runs"}
    )
    epochs: float = field(default=2.0, metadata={"help": "passes over the training mix"})
    max_steps: int = field(default=0, metadata={"help": "stop after this many steps (0 = no cap)"})
    batch_size: int = field(default=32, metadata={"help": "training batch size"})
    learning_rate: float = field(default=8e-5, metadata={"help": "peak AdamW learning rate"})
    warmup_ratio: float = field(default=0.06, metadata={"help": "share of steps spent warming up"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    max_length: int = field(default=128, metadata={"help": "tokens per training example"})
    soft_weight: float = field(
        default=0.5, metadata={"help": "weight of the teacher's probabilities (rest: gold labels)"}
    )
    temperature: float = field(default=2.0, metadata={"help": "softening of both distributions"})
    hidden_weight: float = field(
        default=1.0, metadata={"help": "weight of matching the teacher's hidden states"}
    )
    log_every: int = field(default=100, metadata={"help": "record the losses every N steps"})

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_length", "log_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1")
        if not self.keep_layers or list(self.keep_layers) != sorted(set(self.keep_layers)):
            raise ConfigError("keep_layers must be increasing layer numbers, at least one")
        if min(self.keep_layers) < 0:
            raise ConfigError("keep_layers are numbered from 0")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ConfigError("set epochs > 0 or max_steps > 0")
        if not 0.0 <= self.soft_weight <= 1.0:
            raise ConfigError("soft_weight must be between 0 and 1")
        if self.temperature <= 0 or self.learning_rate <= 0 or self.hidden_weight < 0:
            raise ConfigError("temperature and learning_rate must be positive, hidden_weight >= 0")

    def corpus_spec(self) -> CorpusSpec:
        return spec_of(self)


@dataclass
class DistillResult:
    output_dir: Path
    card: dict[str, Any]
    history: list[dict[str, float]]


def distill(
    options: DistillOptions, progress: Callable[[dict[str, float]], None] | None = None
) -> DistillResult:
    """Train the student, save it, and validate it and its teacher on the same sets."""
    import torch

    seed_everything(options.seed)
    corpus = build_corpus(options.corpus_spec())
    teacher = load_model(options.teacher)
    teacher_card = read_card(resolve_model_dir(options.teacher))
    base_ref = str(teacher_card.get("base_model") or BASE_PACKAGE_NAME)
    check_shared(teacher.model, base_ref, [WORD_EMBEDDINGS])
    student = prune(teacher.model, options.keep_layers)
    started = time.perf_counter()
    history = _fit(teacher.model, student, teacher.tokenizer, corpus, options, progress)
    seconds = time.perf_counter() - started
    out = Path(options.output_dir)
    shapes = save_student(student, out, [WORD_EMBEDDINGS])
    card = _card(options, teacher_card, base_ref, corpus, seconds, torch)
    card["shared_shapes"] = shapes
    write_card(out, card)
    card["validation"] = evaluate_frames(Predictor.load(out, precision="fp32"), corpus.validation)
    card["teacher_validation"] = evaluate_frames(
        Predictor(teacher, precision="fp32"), corpus.validation
    )
    write_card(out, card)
    (out / "training_log.json").write_text(json.dumps(history) + "\n")
    return DistillResult(output_dir=out, card=card, history=history)


def prune(teacher: Any, keep_layers: Sequence[int]) -> Any:
    """A trainable copy of ``teacher`` (a transformers BERT classifier) with only the
    encoder layers ``keep_layers``, its word embeddings frozen."""
    import torch

    layers = teacher.bert.encoder.layer
    if max(keep_layers) >= len(layers):
        raise ConfigError(f"the teacher has {len(layers)} layers; cannot keep {max(keep_layers)}")
    student = copy.deepcopy(teacher)
    student.bert.encoder.layer = torch.nn.ModuleList(copy.deepcopy(layers[i]) for i in keep_layers)
    student.config.num_hidden_layers = len(keep_layers)
    student.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return student


def imitated_layers(keep_layers: Sequence[int], teacher_layers: int) -> list[int]:
    """For each student layer, the teacher hidden state (0 = embeddings) its output learns to
    match: the input of the next kept teacher layer, the last layer's output for the last."""
    return [*keep_layers[1:], teacher_layers]


def _fit(
    teacher: Any,
    student: Any,
    tokenizer: Any,
    corpus: Corpus,
    options: DistillOptions,
    progress: Callable[[dict[str, float]], None] | None,
) -> list[dict[str, float]]:
    import torch

    from pipeline.model.batching import pad_batch

    trainable = [p for p in student.parameters() if p.requires_grad]
    plan = plan_training(corpus, tokenizer, options, trainable)
    targets_at = imitated_layers(options.keep_layers, len(teacher.bert.encoder.layer))
    rng = np.random.default_rng(options.seed)
    teacher.eval()
    student.train()
    history: list[dict[str, float]] = []
    sums, seen, step = np.zeros(3), 0, 0
    while step < plan.total:
        for batch in bucketed_batches([len(x) for x in plan.ids], options.batch_size, rng):
            input_ids, mask = pad_batch([plan.ids[i] for i in batch], tokenizer.pad_token_id)
            inputs = {
                "input_ids": torch.from_numpy(input_ids),
                "attention_mask": torch.from_numpy(mask),
                "output_hidden_states": True,
            }
            with torch.no_grad():
                taught = teacher(**inputs)
            learnt = student(**inputs)
            gold = plan.targets[batch]
            losses = _losses(taught, learnt, gold, inputs["attention_mask"], targets_at, options)
            loss = (
                options.soft_weight * losses[0]
                + (1 - options.soft_weight) * losses[1]
                + options.hidden_weight * losses[2]
            )
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            plan.optimizer.step()
            plan.scheduler.step()
            plan.optimizer.zero_grad(set_to_none=True)
            sums += [float(part.detach()) for part in losses]
            seen, step = seen + 1, step + 1
            if step % options.log_every == 0 or step == plan.total:
                soft, gold, hidden = sums / seen
                point = {"step": step, "epoch": step / plan.steps_per_epoch, "soft": soft,
                         "gold": gold, "hidden": hidden}  # fmt: skip
                history.append(point)
                if progress:
                    progress(point)
                sums, seen = np.zeros(3), 0
            if step >= plan.total:
                break
    student.eval()
    return history


def _losses(
    taught: Any,
    learnt: Any,
    gold: np.ndarray,
    mask: Any,
    targets_at: Sequence[int],
    options: DistillOptions,
) -> tuple[Any, Any, Any]:
    """(the teacher's softened probabilities, the gold labels, the hidden states) as losses."""
    import torch
    from torch.nn import functional

    t = options.temperature
    soft = functional.kl_div(
        torch.log_softmax(learnt.logits / t, -1),
        torch.softmax(taught.logits / t, -1),
        reduction="batchmean",
    ) * (t * t)
    gold_loss = functional.cross_entropy(learnt.logits, torch.from_numpy(gold))
    weight = mask.unsqueeze(-1).float()
    hidden = sum(
        (((learnt.hidden_states[j + 1] - taught.hidden_states[at]) ** 2) * weight).sum()
        / (weight.sum() * learnt.hidden_states[j + 1].shape[-1])
        for j, at in enumerate(targets_at)
    ) / len(targets_at)
    return soft, gold_loss, hidden


def _card(
    options: DistillOptions,
    teacher_card: dict[str, Any],
    base_ref: str,
    corpus: Corpus,
    seconds: float,
    torch: Any,
) -> dict[str, Any]:
    teacher_version = str(teacher_card.get("version") or options.teacher)
    layers = len(options.keep_layers)
    weights = (Path(options.output_dir) / "model.safetensors").read_bytes()
    digest = hashlib.sha256(weights).hexdigest()[:10]
    paths = ("data_dir", "output_dir")
    hyper = {k: v for k, v in asdict(options).items() if k not in paths}
    return {
        "version": f"{teacher_version}-{STUDENT_TAG}{layers}-{digest}",
        "labels": list(LABELS),
        "base_model": base_ref,
        "architecture": f"BertForSequenceClassification, {layers} layers, distilled",
        "max_length": teacher_card.get("max_length") or 256,
        "seed": options.seed,
        "teacher": teacher_version,
        SHARED_FIELD: [WORD_EMBEDDINGS],
        "hyperparameters": {k: (list(v) if isinstance(v, tuple) else v) for k, v in hyper.items()},
        "data": corpus.sources,
        "training": {
            "seconds": round(seconds, 1),
            "hardware": f"CPU {cpu_name()} x{torch.get_num_threads()} threads",
            "torch": torch.__version__,
            "train_rows": len(corpus.train),
        },
        "validation": {},
    }


def run(options: DistillOptions) -> int:
    """Distil with progress on stderr, then print where the student went and both tables."""
    result = distill(options, progress=lambda p: print(json.dumps(p), file=sys.stderr, flush=True))
    card = result.card
    print(f"student written to {result.output_dir} (version {card['version']})")
    print("student:\n" + metrics_table(card["validation"]))
    print("teacher:\n" + metrics_table(card["teacher_validation"]))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_options(DistillOptions, argv, "Distil the sentiment model into a student."))
