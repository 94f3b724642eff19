"""The shipped aspect model on disk: ``aspect_head.safetensors`` (weights, thresholds, idf),
``aspect_vocabulary.json`` (the word features' terms), ``aspect_card.json`` and a README.

The weights are plain arrays in safetensors (no pickle); the card holds what a program needs
(version, categories and their meanings, polarity rule, encoder) and what a person checks
(metrics on the held-out part, the command that trained it). A missing or damaged file is a
ModelLoadError that names the file and the command that rebuilds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError, ModelLoadError
from pipeline.model.aspects.head import AspectHead
from pipeline.model.aspects.polarity import AspectPolarity, PolarityHead, PolarityRule
from pipeline.model.aspects.readme import render_readme
from pipeline.model.aspects.words import WordFeatures

WEIGHTS_FILE = "aspect_head.safetensors"
VOCABULARY_FILE = "aspect_vocabulary.json"
CARD_FILE = "aspect_card.json"
README_FILE = "README.md"
FORMAT = 2
"""2: a second polarity head over the clauses' wording (format 1 had the sentiment head only)."""
_ARRAYS = (
    "embedding_weight",
    "word_weight",
    "bias",
    "thresholds",
    "idf",
    "polarity_weight",
    "polarity_bias",
    "wording_weight",
    "wording_bias",
)
REBUILD = "python -m pipeline.model.aspects train --data-dir ../shared/data"


@dataclass(frozen=True)
class AspectModel:
    """Everything the tagger needs, read from one directory."""

    version: str
    head: AspectHead
    polarity: PolarityRule
    polarity_head: AspectPolarity
    descriptions: dict[str, str]
    encoder: str
    card: dict[str, Any]

    @property
    def categories(self) -> tuple[str, ...]:
        return self.head.categories


def default_aspect_dir() -> Path:
    """Beside the shipped sentiment model (package data)."""
    from pipeline.model.locate import shipped_model_dir

    return shipped_model_dir() / "aspects"


def save_aspect_model(
    directory: Path, head: AspectHead, polarity_head: AspectPolarity, card: dict[str, Any]
) -> None:
    """Write the weights and the card (``card`` must already hold version, rule, meanings;
    the wording head's share is written into its ``polarity_head`` entry)."""
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        "embedding_weight": head.embedding_weight,
        "word_weight": head.word_weight,
        "bias": head.bias,
        "thresholds": head.thresholds,
        "idf": head.words.idf,
        "polarity_weight": polarity_head.sentiment.weight,
        "polarity_bias": polarity_head.sentiment.bias,
        "wording_weight": polarity_head.wording.weight,
        "wording_bias": polarity_head.wording.bias,
    }
    save_file(
        {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in arrays.items()},
        str(directory / WEIGHTS_FILE),
    )
    vocabulary = json.dumps(list(head.words.vocabulary), ensure_ascii=False)
    (directory / VOCABULARY_FILE).write_text(vocabulary + "\n", encoding="utf-8")
    full = {
        **card,
        "format": FORMAT,
        "categories": list(head.categories),
        "polarity_head": {
            **card.get("polarity_head", {}),
            "wording_share": polarity_head.wording_share,
        },
    }
    (directory / CARD_FILE).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
    (directory / README_FILE).write_text(render_readme(full), encoding="utf-8")
    (directory / WEIGHTS_FILE).chmod(0o644)


def load_aspect_model(directory: Path | None = None) -> AspectModel:
    """Read an aspect model directory (the shipped one by default)."""
    directory = default_aspect_dir() if directory is None else Path(directory)
    card = _read_card(directory)
    arrays = _read_weights(directory)
    try:
        categories = tuple(str(c) for c in card["categories"])
        descriptions = {str(k): str(v) for k, v in card["descriptions"].items()}
        rule = PolarityRule(**card["polarity_rule"])
        wording_share = float(card["polarity_head"]["wording_share"])
        version, encoder = str(card["version"]), str(card["encoder"])
    except (KeyError, TypeError, AttributeError, ValueError, ConfigError) as exc:
        raise _broken(directory / CARD_FILE, f"lacks or garbles {exc}") from exc
    if set(categories) - set(descriptions):
        raise _broken(directory / CARD_FILE, "has a category without a description")
    try:
        words = WordFeatures(vocabulary=_read_vocabulary(directory), idf=arrays["idf"])
    except ValueError as exc:
        raise _broken(directory / VOCABULARY_FILE, f"does not match the weights ({exc})") from exc
    try:
        head = AspectHead(
            categories=categories,
            embedding_weight=arrays["embedding_weight"],
            word_weight=arrays["word_weight"],
            bias=arrays["bias"],
            thresholds=arrays["thresholds"],
            words=words,
        )
        polarity_head = AspectPolarity(
            sentiment=PolarityHead(weight=arrays["polarity_weight"], bias=arrays["polarity_bias"]),
            wording=PolarityHead(weight=arrays["wording_weight"], bias=arrays["wording_bias"]),
            wording_share=wording_share,
        )
    except (ModelLoadError, ConfigError) as exc:
        raise _broken(directory / WEIGHTS_FILE, f"does not fit its card: {exc}") from exc
    classes = polarity_head.sentiment.bias.shape[0]
    if polarity_head.sentiment.width != 2 * classes + len(categories):
        raise _broken(directory / WEIGHTS_FILE, "has a sentiment head for other categories")
    if polarity_head.wording.width != head.dimension + len(categories) + words.size:
        raise _broken(directory / WEIGHTS_FILE, "has a wording head of another shape")
    return AspectModel(
        version=version,
        head=head,
        polarity=rule,
        polarity_head=polarity_head,
        descriptions=descriptions,
        encoder=encoder,
        card=card,
    )


def _read_card(directory: Path) -> dict[str, Any]:
    path = _require(directory, CARD_FILE)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _broken(path, f"is not JSON ({exc})") from exc
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise _broken(path, f"is not an aspect card of format {FORMAT}")
    return card


def _read_weights(directory: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = _require(directory, WEIGHTS_FILE)
    try:
        arrays = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise _broken(path, f"cannot be read ({exc})") from exc
    missing = set(_ARRAYS) - set(arrays)
    if missing:
        raise _broken(path, f"lacks {', '.join(sorted(missing))}")
    return arrays


def _read_vocabulary(directory: Path) -> tuple[str, ...]:
    path = _require(directory, VOCABULARY_FILE)
    try:
        terms = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _broken(path, f"is not JSON ({exc})") from exc
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise _broken(path, "is not a list of terms")
    return tuple(terms)


def _require(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.is_file():
        raise ModelLoadError(f"no aspect model at {directory}: {name} is missing; {REBUILD}")
    return path


def _broken(path: Path, problem: str) -> ModelLoadError:
    return ModelLoadError(f"the aspect model file {path} {problem}; rebuild it: {REBUILD}")
