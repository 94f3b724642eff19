"""A distilled student's checkpoint: fewer layers, its word embeddings read from its base.

The student (pipeline/model/distill.py) keeps the base encoder's word embeddings frozen, so
they are the base's to the bit. Storing them again would be 11.7 M of the student's 17 M
parameters; instead ``model_card.json`` names them under ``shared_with_base`` and every loader
reads them from the base encoder the card names, which is installed anyway. The rest is stored
in float16 (half the size; the validation figures are those of the stored weights) and read
back as float32.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import ModelLoadError
from pipeline.model.locate import resolve_model_dir

SHARED_FIELD = "shared_with_base"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
_BASE_PREFIX = "bert."
"""A classifier's encoder tensors are named ``bert.…``; the base (a ``BertModel``) names them
without it."""


def shared_names(card: dict[str, Any]) -> list[str]:
    """The tensors ``card``'s checkpoint takes from its base (none for an ordinary one)."""
    names = card.get(SHARED_FIELD) or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ModelLoadError(f"{SHARED_FIELD} in the model card must be a list of tensor names")
    return names


def base_tensors(card: dict[str, Any], directory: Path) -> dict[str, Any]:
    """The tensors ``card`` shares with its base, read from the base's ``model.safetensors``
    (empty for an ordinary checkpoint). A base that lacks one, or holds it in another shape,
    is an error: a student on the wrong base would label every comment wrongly."""
    names = shared_names(card)
    if not names:
        return {}
    from safetensors import safe_open

    base_ref = card.get("base_model")
    if not base_ref:
        raise ModelLoadError(f"{directory}: {SHARED_FIELD} needs the card's base_model")
    base_file = resolve_model_dir(base_ref) / "model.safetensors"
    if not base_file.is_file():
        raise ModelLoadError(f"{directory}: its base {base_ref} has no model.safetensors")
    expected = card.get("shared_shapes") or {}
    found: dict[str, Any] = {}
    with safe_open(str(base_file), "pt") as weights:
        available = set(weights.keys())
        for name in names:
            key = next((k for k in (name, name.removeprefix(_BASE_PREFIX)) if k in available), None)
            if key is None:
                raise ModelLoadError(f"{directory}: its base {base_ref} lacks {name}")
            tensor = weights.get_tensor(key).float()
            if name in expected and list(tensor.shape) != list(expected[name]):
                raise ModelLoadError(
                    f"{directory}: {name} of base {base_ref} is {list(tensor.shape)}, "
                    f"the student was trained on {expected[name]}"
                )
            found[name] = tensor
    return found


def save_student(model: Any, out: Path, shared: list[str]) -> dict[str, list[int]]:
    """Write ``model`` (a transformers BERT classifier) as ``config.json`` and
    ``model.safetensors`` in float16 without the ``shared`` tensors; returns their shapes for
    the card (``shared_shapes``), so a loader can tell a wrong base."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    shapes = {name: list(state[name].shape) for name in shared}
    kept = {
        name: (tensor.half() if tensor.is_floating_point() else tensor).contiguous()
        for name, tensor in state.items()
        if name not in shared
    }
    weights = out / "model.safetensors"
    save_file(kept, str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors writes it owner-only; a model is package data
    config = model.config.to_dict()
    config["architectures"] = [type(model).__name__]
    config["dtype"] = "float32"
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return shapes
