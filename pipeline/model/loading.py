"""Load a classifier from a model directory: a LoRA adapter over a base, or a full checkpoint."""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ModelLoadError
from pipeline.model.locate import resolve_model_dir

TOKENIZER_FILE = "tokenizer.json"
CARD_FILE = "model_card.json"
DEFAULT_MAX_LENGTH = 256
ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")
CHECKPOINT_WEIGHTS = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
"""The weights files a model folder may hold (the first one found is read), per kind."""


@dataclass
class LoadedModel:
    """A ready classifier with its tokenizer and the facts the predictor needs."""

    model: Any
    tokenizer: Any
    labels: tuple[str, ...]
    version: str
    max_length: int
    directory: Path
    temperature: float = 1.0
    """Logits are divided by this before the softmax (``calibration`` in the card)."""
    low_confidence: float | None = None
    """The calibrated review threshold (``calibration.low_confidence`` in the card)."""


def read_card(model_dir: Path) -> dict[str, Any]:
    path = model_dir / CARD_FILE
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def quiet_transformers() -> None:
    """Offline, no load reports or progress bars: users see our progress, not the library's."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)


def load_model(reference: str | os.PathLike[str]) -> LoadedModel:
    """Load any supported model reference into an eval-mode classifier on the CPU."""
    quiet_transformers()
    from safetensors import SafetensorError
    from transformers import AutoTokenizer

    directory = resolve_model_dir(reference)
    card = read_card(directory)
    check_weights(directory)
    try:
        if (directory / "adapter_config.json").exists():
            model, tokenizer_folder = _load_adapter(directory, card)
        else:
            model, tokenizer_folder = _load_checkpoint(directory, card)
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_folder)
    except (OSError, ValueError, KeyError, SafetensorError) as exc:
        raise ModelLoadError(f"cannot load a classifier from {reference}: {exc}") from exc
    return assemble(model.eval(), tokenizer, card, directory)


def check_weights(directory: Path) -> None:
    """ModelLoadError naming the file when ``directory`` has no weights file, or a
    safetensors one that cannot be opened (damaged, cut short by a copy): the libraries'
    own errors name neither ("Repo id must be a string", "header too large")."""
    from safetensors import SafetensorError, safe_open

    adapter = (directory / "adapter_config.json").exists()
    names = ADAPTER_WEIGHTS if adapter else CHECKPOINT_WEIGHTS
    found = next((directory / name for name in names if (directory / name).is_file()), None)
    if found is None:
        raise ModelLoadError(
            f"{directory} holds no weights: {names[0]} is missing "
            f"({'a LoRA adapter' if adapter else 'a checkpoint'}); copy the model folder again"
        )
    if found.suffix != ".safetensors":
        return
    try:
        with safe_open(str(found), framework="numpy"):
            pass
    except (SafetensorError, OSError) as exc:
        raise ModelLoadError(
            f"{found} is damaged or cut short ({exc}); copy the model folder again"
        ) from exc


def assemble(model: Any, tokenizer: Any, card: dict[str, Any], directory: Path) -> LoadedModel:
    """A ``LoadedModel`` of an eval-mode ``model`` (whose ``config`` has ``id2label`` and
    ``num_labels``) and ``tokenizer``, with the facts of ``directory``'s ``card``."""
    labels = tuple(model.config.id2label[i] for i in range(model.config.num_labels))
    return LoadedModel(
        model=model,
        tokenizer=tokenizer,
        labels=labels,
        version=str(card.get("version") or f"{directory.name}"),
        max_length=_max_length(card, model, tokenizer),
        directory=directory,
        **_calibration(card, directory),
    )


def library_version() -> str:
    """The installed transformers version (part of the merged-model cache key), read from
    its metadata: importing transformers costs a second the predictor no longer pays."""
    from importlib.metadata import version

    return version("transformers")


def _calibration(card: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Temperature and review threshold from the card's ``calibration`` (written by
    ``sentiment-pipeline calibrate``); an uncalibrated model has T = 1 and no threshold."""
    section = card.get("calibration") or {}
    temperature = section.get("temperature", 1.0)
    threshold = section.get("low_confidence")
    if (
        not isinstance(temperature, int | float)
        or not math.isfinite(temperature)
        or (temperature <= 0)
    ):
        raise ModelLoadError(
            f"{directory / CARD_FILE}: calibration.temperature must be a positive number, "
            f"not {temperature!r}; run sentiment-pipeline calibrate again"
        )
    if threshold is not None and not (isinstance(threshold, int | float) and 0 <= threshold <= 1):
        raise ModelLoadError(
            f"{directory / CARD_FILE}: calibration.low_confidence must be between 0 and 1, "
            f"not {threshold!r}; run sentiment-pipeline calibrate again"
        )
    return {
        "temperature": float(temperature),
        "low_confidence": None if threshold is None else float(threshold),
    }


def tokenizer_dir(directory: Path, card: dict[str, Any]) -> Path:
    """Where ``directory``'s tokenizer is: its own ``tokenizer.json``, else the base its card
    names (an adapter's, a distilled student's), else the folder itself."""
    base_ref = card.get("base_model")
    if (directory / TOKENIZER_FILE).exists() or not base_ref:
        return directory
    return resolve_model_dir(str(base_ref))


def _load_adapter(directory: Path, card: dict[str, Any]) -> tuple[Any, Path]:
    """The adapter merged into its base: from the merged-model cache when it holds this
    merge (pipeline/model/merged_cache.py), else merged now and saved there."""
    from transformers import AutoModelForSequenceClassification

    from pipeline.model import merged_cache

    labels = card.get("labels")
    base_ref = card.get("base_model")
    if not labels or not base_ref:
        raise ModelLoadError(
            f"{directory} is an adapter but its {CARD_FILE} lacks 'labels' or 'base_model'"
        )
    base_dir = resolve_model_dir(base_ref)
    key = merged_cache.merged_key(directory, base_dir, labels, library_version())
    model = merged_cache.load_or_merge(
        merged_cache.merged_dir(key),
        AutoModelForSequenceClassification.from_pretrained,
        lambda: merge_adapter(directory, base_dir, labels),
    )
    return model, tokenizer_dir(directory, card)


def _load_checkpoint(directory: Path, card: dict[str, Any]) -> tuple[Any, Path]:
    """A full checkpoint in fp32, and the folder of its tokenizer (its base's when it has
    none). A distilled student (pipeline/model/student.py) is built from its config and its
    stored weights read back as fp32, with the tensors it shares with its base filled in."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from pipeline.model.student import as_float32, base_tensors, shared_names

    if shared_names(card):
        from safetensors.torch import load_file

        weights = as_float32(load_file(directory / "model.safetensors"))
        model = AutoModelForSequenceClassification.from_config(
            AutoConfig.from_pretrained(directory), dtype=torch.float32
        )
        found = model.load_state_dict({**weights, **base_tensors(card, directory)}, strict=False)
        absent = [name for name in found.missing_keys if not name.endswith("position_ids")]
        if absent:
            raise ModelLoadError(f"{directory}: the student lacks {', '.join(absent[:3])}")
    else:
        model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32)
    return model, tokenizer_dir(directory, card)


def merge_adapter(directory: Path, base_dir: Path, labels: list[str]) -> Any:
    """Load the base with a head for ``labels`` and merge the adapter in ``directory`` into it
    (without peft when the adapter is plain LoRA, pipeline/model/lora.py)."""
    from transformers import AutoModelForSequenceClassification

    from pipeline.model.lora import merge_plain_lora

    base = AutoModelForSequenceClassification.from_pretrained(
        base_dir,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    if not merge_plain_lora(base, directory):
        from peft import PeftModel

        base = PeftModel.from_pretrained(base, directory).merge_and_unload()
    return base


def _max_length(card: dict[str, Any], model: Any, tokenizer: Any) -> int:
    limits = [
        int(card.get("max_length") or DEFAULT_MAX_LENGTH),
        int(model.config.max_position_embeddings),
        int(min(tokenizer.model_max_length, 1_000_000)),
    ]
    return min(limits)
