"""A distilled student's checkpoint: fewer layers, its word embeddings read from its base.

The student (pipeline/model/distill.py) keeps the base encoder's word embeddings frozen, so
they are the base's to the bit. Storing them again would be 11.7 M of the student's 17 M
parameters; instead ``model_card.json`` names them under ``shared_with_base`` and every loader
reads them from the base encoder the card names, which is installed anyway. The rest is stored
small (``stored``: the linear layers' weights in int8 with a scale per row, the rest in
float16; the validation figures are those of the stored weights) and read back as float32
(``as_float32``) by both loaders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import ModelLoadError
from pipeline.model.locate import resolve_model_dir

SHARED_FIELD = "shared_with_base"
WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
ROW_SCALE = ".row_scale"
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


def check_shared(model: Any, base_ref: str, names: list[str]) -> None:
    """Refuse to share ``names`` with the base ``base_ref`` unless ``model`` (a transformers
    classifier about to be distilled) holds exactly the base's values: a student stored without
    tensors its teacher had changed would be loaded with the wrong ones."""
    import torch

    card = {"base_model": base_ref, SHARED_FIELD: names}
    state = model.state_dict()
    for name, tensor in base_tensors(card, Path(base_ref)).items():
        if not torch.equal(state[name].float(), tensor):
            raise ModelLoadError(
                f"{name} of the teacher differs from its base {base_ref}'s: "
                "a student cannot share it and would be loaded with the base's"
            )


def save_student(model: Any, out: Path, shared: list[str]) -> dict[str, list[int]]:
    """Write ``model`` (a transformers BERT classifier) as ``config.json`` and
    ``model.safetensors`` without the ``shared`` tensors, in ``stored`` form; returns their
    shapes for the card (``shared_shapes``), so a loader can tell a wrong base."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = model.state_dict()
    shapes = {name: list(state[name].shape) for name in shared}
    kept = stored({name: t for name, t in state.items() if name not in shared})
    weights = out / "model.safetensors"
    save_file(kept, str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors writes it owner-only; a model is package data
    config = model.config.to_dict()
    config["architectures"] = [type(model).__name__]
    config["dtype"] = "float32"
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return shapes


def stored(state: dict[str, Any]) -> dict[str, Any]:
    """The tensors as a student stores them: each linear layer's weight matrix in int8 with
    one float32 scale per output row (``<name>.row_scale``; symmetric, the row's largest
    magnitude at 127), everything else in float16: a 4-layer student takes 7.7 MB instead of
    the 14.9 MB of float16 throughout."""
    import torch

    kept: dict[str, Any] = {}
    for name, tensor in state.items():
        if not tensor.is_floating_point():
            kept[name] = tensor.contiguous()
        elif _quantized(name, tensor):
            scale = tensor.abs().amax(dim=1).clamp(min=1e-12) / 127
            kept[name] = (tensor / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
            kept[name + ROW_SCALE] = scale.float().contiguous()
        else:
            kept[name] = tensor.half().contiguous()
    return kept


def as_float32(weights: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's tensors as float32, whatever form they were stored in: half precision
    widened, int8 rows multiplied back by their ``row_scale`` (``stored``). An ordinary fp32
    checkpoint comes back as it is, without copies."""
    found: dict[str, Any] = {}
    for name, tensor in weights.items():
        if name.endswith(ROW_SCALE):
            continue
        scale = weights.get(name + ROW_SCALE)
        if scale is not None:
            found[name] = tensor.float() * scale.float()[:, None]
        else:
            found[name] = tensor.float() if tensor.is_floating_point() else tensor
    return found


def _quantized(name: str, tensor: Any) -> bool:
    """Linear layers' weight matrices (not the embedding tables, which are looked up row by
    row and are a small share of a student)."""
    return tensor.dim() == 2 and name.endswith(".weight") and "embeddings" not in name
