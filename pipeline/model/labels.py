"""The product's three sentiment classes and the mapping of source labels onto them.

Accepted spellings of a label column (``text,label`` CSVs: ``evaluate --data``, ``train
--extra-data``, the app's corrections):

- names, in any case: ``negative``/``neg``, ``neutral``/``neu``, ``positive``/``pos``;
- numbers, read by the numbers the whole column holds, since one number means different
  classes under the common conventions:

  - ``-1`` among them: -1 = negative, 0 = neutral, 1 = positive;
  - ``2`` among them: 0 = negative, 1 = neutral, 2 = positive (SST-3, TweetEval);
  - exactly ``0`` and ``1``: 0 = negative, 1 = positive (SST-2, a binary set);
  - only ``0`` or only ``1``: refused, as is ``-1`` beside ``2``, or any other number
    (a 1-5 star rating): the numbers alone cannot say what they mean, so write the names.

A column of 0s and 1s is therefore read as negative/positive even when it was meant as the
neutral/positive rows of a -1/0/1 file: write names where that is the meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pipeline.errors import InputError

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")

_NAMES = {
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
}
_NUMBER = re.compile(r"[+-]?\d+(?:\.0*)?")
"""A whole number, also as a spreadsheet writes it (``1.0``, ``+1``)."""

SCHEMES: dict[str, dict[int, str]] = {
    "-1/0/1": {-1: "negative", 0: "neutral", 1: "positive"},
    "0/1/2": {0: "negative", 1: "neutral", 2: "positive"},
    "0/1": {0: "negative", 1: "positive"},
}
"""The numeric conventions a label column may follow (see the module's docstring)."""
_SPELLINGS = (
    "names (negative, neutral, positive, or neg, neu, pos) or numbers "
    "-1/0/1, 0/1/2 (negative/neutral/positive) or 0/1 (negative/positive)"
)


def label_name(raw: object) -> str | None:
    """The class a label *name* spells (``"POSITIVE"``, ``"neg"``), or None: a model's own
    label names read the same whatever their case."""
    return _NAMES.get(str(raw).strip().lower())


def normalise_labels(values: Iterable[object]) -> list[str]:
    """Each value of one label column as one of LABELS; numbers are read by the scheme the
    column's numbers pick (``numeric_scheme``). InputError names a value that is neither."""
    raws = list(values)
    keys = [str(value).strip().lower() for value in raws]
    numbers = {_as_number(key) for key in keys if key not in _NAMES and _NUMBER.fullmatch(key)}
    scheme = numeric_scheme(numbers) if numbers else {}
    out = []
    for raw, key in zip(raws, keys, strict=True):
        if key in _NAMES:
            out.append(_NAMES[key])
        elif _NUMBER.fullmatch(key):
            out.append(scheme[_as_number(key)])
        else:
            raise InputError(f"unknown label {raw!r}: expected {_SPELLINGS}")
    return out


def normalise_label(raw: object) -> str:
    """One label on its own (a name, or a number no convention reads otherwise: ``-1``,
    ``2``); see ``normalise_labels`` for a column."""
    return normalise_labels([raw])[0]


def numeric_scheme(numbers: set[int]) -> dict[int, str]:
    """The convention a label column's numbers follow, or InputError saying why none fits."""
    unknown = sorted(numbers - {-1, 0, 1, 2})
    if unknown:
        raise InputError(f"unknown label {str(unknown[0])!r}: expected {_SPELLINGS}")
    if {-1, 2} <= numbers:
        raise InputError(
            "the label column holds both -1 and 2, which no convention has together "
            "(-1/0/1 or 0/1/2): write the labels as names (negative, neutral, positive)"
        )
    if -1 in numbers:
        return SCHEMES["-1/0/1"]
    if 2 in numbers:
        return SCHEMES["0/1/2"]
    if numbers == {0, 1}:
        return SCHEMES["0/1"]
    (only,) = numbers
    meanings = {
        0: "negative under 0/1 (SST-2) or 0/1/2 but neutral under -1/0/1",
        1: "positive under 0/1 (SST-2) or -1/0/1 but neutral under 0/1/2 (SST-3, TweetEval)",
    }
    raise InputError(
        f"the label column's only number is {only}, which reads as {meanings[only]}: "
        "write the labels as names (negative, neutral, positive)"
    )


def _as_number(key: str) -> int:
    return int(float(key))


def label_order(labels: Sequence[str]) -> tuple[int, ...] | None:
    """Where each of LABELS is among a model's ``labels`` (its probabilities' columns), found
    by name in any case; None when the labels are not exactly those three classes (a binary
    or a 5-star model, names such as ``LABEL_0``)."""
    names = [label_name(label) for label in labels]
    if len(names) != len(LABELS) or sorted(n or "" for n in names) != sorted(LABELS):
        return None
    return tuple(names.index(name) for name in LABELS)
