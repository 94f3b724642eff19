"""The product's three sentiment classes and the mapping of source labels onto them."""

from __future__ import annotations

from pipeline.errors import InputError

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")

_ALIASES = {
    "negative": "negative",
    "neg": "negative",
    "-1": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "0": "neutral",
    "positive": "positive",
    "pos": "positive",
    "1": "positive",
}


def normalise_label(raw: object) -> str:
    """Map a user-supplied label (name, short name or -1/0/1) to one of LABELS."""
    key = str(raw).strip().lower()
    if key not in _ALIASES:
        raise InputError(f"unknown label {raw!r}: expected one of {', '.join(LABELS)}")
    return _ALIASES[key]
