"""py3langid's probabilities for a whole chunk of texts at once, the same to the last bit.

py3langid walks its byte automaton one byte at a time in Python (about half a millisecond a
comment). Its automaton is Aho-Corasick's: the state after a byte depends only on the last
``depth`` bytes, so every byte's state is found in ``depth`` array steps over all the chunk's
bytes together. Each text's naive-Bayes sum is then the same NumPy product py3langid computes
(same features in the same order, so the same float32 rounding), and the normalisation runs
on all texts at once. tests/integration/test_langid_fast.py holds the result against py3langid.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Sequence

import numpy as np

from pipeline.model.langid_cache import LangidArrays

GROUP_BYTES = 1 << 16
"""The bytes scored together: bounds the model rows gathered at once (570 bytes a feature)."""


def encode(text: str) -> bytes:
    """A text as py3langid reads it: lower case when all in capitals, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


def probabilities(arrays: LangidArrays, texts: Sequence[str]) -> np.ndarray:
    """texts × classes (float32), as py3langid's ``rank`` with ``norm_probs`` scores them: a
    label's duplicate column (a script alias) adds into its first one and holds 0."""
    encoded = [encode(text) for text in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    scores = np.zeros((len(texts), len(arrays.classes)), dtype=np.float32)
    for start, end in groups(lengths.tolist(), GROUP_BYTES):
        scores[start:end] = naive_bayes(arrays, encoded[start:end], lengths[start:end])
    return normalise(scores, lengths, alias_pairs(arrays.classes))


def groups(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Consecutive texts of at most ``budget`` bytes together (a longer text alone)."""
    bounds, used = [0], 0
    for i, length in enumerate(lengths):
        if used + length > budget and i > bounds[-1]:
            bounds.append(i)
            used = 0
        used += length
    bounds.append(len(lengths))
    return [(a, b) for a, b in itertools.pairwise(bounds) if a < b]


def naive_bayes(arrays: LangidArrays, encoded: Sequence[bytes], lengths: np.ndarray) -> np.ndarray:
    """Each text's raw score: py3langid's product, 0 where a text has no feature."""
    features, counts, bounds = feature_counts(arrays, b"".join(encoded), lengths)
    scores = np.zeros((len(encoded), len(arrays.classes)), dtype=np.float32)
    weights = np.log1p(counts.astype(np.float32))
    rows = arrays.ptc[features]
    for i, (start, end) in enumerate(itertools.pairwise(bounds.tolist())):
        if start < end:
            scores[i] = weights[start:end] @ rows[start:end] + arrays.pc
    return scores


def feature_counts(
    arrays: LangidArrays, data: bytes, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each text's features and counts in the order py3langid first meets them; text ``i``'s
    are ``[bounds[i]:bounds[i + 1]]``."""
    stream = np.frombuffer(data, dtype=np.uint8)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    offset = np.arange(len(stream)) - (np.cumsum(lengths) - lengths)[owner]
    state = states(arrays, stream, offset)
    feature = arrays.output[state]
    hit = feature >= 0
    width = np.int64(len(arrays.ptc))
    keys, first, counts = np.unique(
        owner[hit] * width + feature[hit], return_index=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")
    keys, counts = keys[order], counts[order]
    bounds = np.searchsorted(keys // width, np.arange(len(lengths) + 1))
    return keys % width, counts, bounds


def states(arrays: LangidArrays, stream: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """The automaton's state after every byte: a walk from the start state over the last
    ``depth`` bytes (the first two in one look-up), or over all of a text's first bytes."""
    depth = arrays.depth
    state = np.zeros(len(stream), dtype=np.int64)
    whole = np.flatnonzero(offset >= depth - 1)
    pair = stream[whole - (depth - 1)].astype(np.int64) << 8 | stream[whole - (depth - 2)]
    current = arrays.root2[pair]
    for back in range(depth - 3, -1, -1):
        current = arrays.nextmove[arrays.rowbase[current] + stream[whole - back]]
    state[whole] = current
    for back in range(depth - 2, -1, -1):
        early = np.flatnonzero((offset >= back) & (offset < depth - 1))
        state[early] = arrays.nextmove[arrays.rowbase[state[early]] + stream[early - back]]
    return state


def normalise(
    scores: np.ndarray, lengths: np.ndarray, aliases: list[tuple[int, int]]
) -> np.ndarray:
    """Scale by 1/sqrt(bytes), softmax, merge aliases: py3langid's float32 steps, in bulk."""
    scale = (1.0 / np.sqrt(np.maximum(lengths, 1).astype(np.float64))).astype(np.float32)
    scores *= scale[:, None]
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    for first, duplicate in aliases:
        scores[:, first] += scores[:, duplicate]
        scores[:, duplicate] = 0.0
    return scores


def alias_pairs(classes: Sequence[str]) -> list[tuple[int, int]]:
    """(first, duplicate) columns of a label that appears twice (a script alias: srl → sr)."""
    columns = label_columns(tuple(classes))
    return [(columns[code], i) for i, code in enumerate(classes) if columns[code] != i]


@functools.cache
def label_columns(classes: tuple[str, ...]) -> dict[str, int]:
    """Each label's first column (a script alias's second column holds 0 after ``normalise``)."""
    columns: dict[str, int] = {}
    for i, code in enumerate(classes):
        columns.setdefault(code, i)
    return columns
