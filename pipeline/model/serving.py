"""What the predictor loads: the classifier and its tokenizer, without importing transformers.

A worker or ``analyze`` needs a BERT forward pass and a fast tokenizer. Both exist without
transformers: the merged checkpoint (pipeline/model/merged_cache.py) is read with safetensors
into pipeline/model/bert.py's model, and ``tokenizer.json`` is read by the ``tokenizers``
library transformers itself wraps (identical token ids). That takes the start-up from
"import torch + transformers + BERT's modules + load" to "import torch + load"
(docs/performance.md). Transformers is still used when there is no merged checkpoint yet
(the first load of an adapter merges and saves it; ``load_model`` does that) and for models
of other architectures, which are loaded as they always were.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.errors import ModelLoadError
from pipeline.model import merged_cache, student
from pipeline.model.loading import (
    CARD_FILE,
    TOKENIZER_FILE,
    LoadedModel,
    assemble,
    check_weights,
    library_version,
    load_model,
    read_card,
    tokenizer_dir,
)
from pipeline.model.locate import resolve_model_dir

log = logging.getLogger(__name__)

TOKENIZER_CONFIG = "tokenizer_config.json"
NO_LIMIT = 1_000_000
"""``model_max_length`` when a tokenizer config names none (the model's limit then rules)."""


@dataclass(frozen=True)
class TokenizerFile:
    """The three facts of a Hugging Face fast tokenizer the package reads."""

    backend_tokenizer: Any
    pad_token_id: int
    model_max_length: int


def load_for_inference(reference: str | os.PathLike[str]) -> LoadedModel:
    """The classifier ``reference`` names, ready for the predictor (eval mode, CPU, fp32):
    the merged or full BERT checkpoint read directly when there is one, else ``load_model``'s
    (which merges an adapter and saves the merge for the next start)."""
    from pipeline.model import bert

    directory = resolve_model_dir(reference)
    check_weights(directory)
    card = read_card(directory)
    checkpoint, tokenizer_folder = _checkpoint_dirs(directory, card)
    shared = student.base_tensors(card, directory) if checkpoint == directory else None
    load = partial(bert.load_checkpoint, shared=shared)
    model = read_plain(load, checkpoint) if checkpoint else None
    tokenizer = read_tokenizer(tokenizer_folder) if model is not None else None
    if model is None or tokenizer is None:
        return _converted(load_model(reference))
    _check_labels(model.config.id2label, card, directory)
    if checkpoint is not None and checkpoint != directory:
        merged_cache.touch(checkpoint)
    return assemble(model, tokenizer, card, directory)


def read_tokenizer(directory: Path) -> TokenizerFile | None:
    """``directory``'s ``tokenizer.json`` with its pad token and length limit from
    ``tokenizer_config.json``, or None when there is no tokenizer.json."""
    from tokenizers import Tokenizer

    path = directory / TOKENIZER_FILE
    if not path.is_file():
        return None
    config_path = directory / TOKENIZER_CONFIG
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    backend = Tokenizer.from_file(str(path))
    pad_token = config.get("pad_token") or "[PAD]"
    pad_id = backend.token_to_id(pad_token if isinstance(pad_token, str) else "[PAD]")
    return TokenizerFile(
        backend_tokenizer=backend,
        pad_token_id=int(pad_id or 0),
        model_max_length=int(config.get("model_max_length") or NO_LIMIT),
    )


def _checkpoint_dirs(directory: Path, card: dict[str, Any]) -> tuple[Path | None, Path]:
    """(the folder holding the full checkpoint or None, the folder holding the tokenizer)."""
    if not (directory / "adapter_config.json").exists():
        return directory, tokenizer_dir(directory, card)
    labels, base_ref = card.get("labels"), card.get("base_model")
    if not labels or not base_ref:
        raise ModelLoadError(
            f"{directory} is an adapter but its {CARD_FILE} lacks 'labels' or 'base_model'"
        )
    base_dir = resolve_model_dir(base_ref)
    key = merged_cache.merged_key(directory, base_dir, labels, library_version())
    entry = merged_cache.merged_dir(key)
    return (entry if (entry / "config.json").exists() else None), tokenizer_dir(directory, card)


def read_plain(load: Callable[[Path], Any], directory: Path) -> Any:
    """bert.py's model of ``directory`` by ``load`` (``bert.load_checkpoint`` or
    ``load_encoder``); None when it is another architecture or cannot be read (a damaged cache
    entry: ``load_model`` then merges again and replaces it, pipeline/model/merged_cache.py),
    so that the caller loads it with transformers."""
    try:
        return load(directory)
    except Exception as exc:  # SafetensorError is no OSError
        log.warning("cannot read %s (%s); loading it with transformers", directory, exc)
        return None


def _check_labels(id2label: dict[int, str], card: dict[str, Any], directory: Path) -> None:
    """A checkpoint whose classes are not the card's would label every comment wrongly."""
    expected = card.get("labels")
    found = [id2label[i] for i in range(len(id2label))]
    if expected and list(expected) != found:
        raise ModelLoadError(
            f"{directory}: the checkpoint's labels {found} are not the card's {list(expected)}"
        )


def _converted(loaded: LoadedModel) -> LoadedModel:
    """``loaded`` with its transformers BERT replaced by bert.py's (same weights), so that a
    first start and every later one run the same arithmetic; other models are kept."""
    from pipeline.model import bert

    config = loaded.model.config.to_dict()
    kind = type(loaded.model).__name__  # a fresh merge's config still names the base's class
    shape = bert.read_shape({**config, "architectures": [kind]})
    if shape is None:
        return loaded
    return replace(loaded, model=bert.from_module(loaded.model, shape))
