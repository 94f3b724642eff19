"""Pure batching logic for the predictor: length-sorted batches and window averaging."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def plan_batches(
    lengths: Sequence[int] | np.ndarray,
    batch_size: int,
    max_tokens: int | None = None,
    width: Callable[[int], int] | None = None,
    max_waste: int | None = None,
) -> list[np.ndarray]:
    """Group row indices into batches of similar length so dynamic padding wastes little.

    Longest first, so a batch that runs out of memory fails at once rather than at the end.
    With ``max_tokens``, a batch also stops before its padded size (rows x its padded width)
    exceeds it: long rows go in small batches, which pad less and cost the same per token.
    ``width``: a batch's padded width from its longest row (default: that row's length).
    With ``max_waste`` (and ``max_tokens``), a batch also stops before the row that would
    bring its padding (its width less each row's own width, summed) past that many tokens:
    for a few rows of scattered lengths, where a batch sized for its longest row is mostly
    padding.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ordered = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-ordered, kind="stable")
    if max_tokens is None:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    batches = []
    start = 0
    while start < len(order):
        longest = int(ordered[order[start]])
        padded = width(longest) if width is not None else longest
        rows = batch_rows(batch_size, max_tokens, padded)
        if max_waste is not None:
            wasted = np.cumsum(padded - ordered[order[start : start + rows]])
            rows = max(1, int(np.searchsorted(wasted, max_waste, side="right")))
        batches.append(order[start : start + rows])
        start += rows
    return batches


def batch_rows(batch_size: int, max_tokens: int | None, width: int) -> int:
    """The rows of a full batch ``width`` tokens wide: ``batch_size``, or as many as
    ``max_tokens`` holds where that is fewer (at least one)."""
    if max_tokens is None:
        return batch_size
    return min(batch_size, max(1, max_tokens // max(1, width)))


def pad_batch(
    sequences: Sequence[Sequence[int]], pad_id: int, width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists to the longest one (or to ``width``); returns (input_ids,
    attention_mask)."""
    width = max(len(s) for s in sequences) if width is None else width
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return ids, mask


def length_buckets(lengths: Sequence[int] | np.ndarray, step: int, most: int) -> np.ndarray:
    """Each row's padded width: its length rounded up to a multiple of ``step``, at most
    ``most``. Rows padded to a fixed width per bucket give the same numbers whatever batch they
    share (see pipeline.model.embeddings)."""
    rounded = -(-np.asarray(lengths, dtype=np.int64) // step) * step
    return np.minimum(rounded, max(most, 1))


def average_windows(
    window_probs: np.ndarray, owners: Sequence[int] | np.ndarray, n_texts: int
) -> np.ndarray:
    """Mean of the class probabilities of every window that belongs to the same text."""
    owners_arr = np.asarray(owners, dtype=np.int64)
    sums = np.zeros((n_texts, window_probs.shape[1]), dtype=np.float64)
    np.add.at(sums, owners_arr, window_probs)
    counts = np.bincount(owners_arr, minlength=n_texts).astype(np.float64)
    counts[counts == 0] = 1.0
    return sums / counts[:, None]


def pad_slices(
    flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, pad_id: int, width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``pad_batch`` for sequences stored back to back in ``flat`` (``lengths[i]`` ids from
    ``starts[i]``), in a few array operations instead of a Python loop over the rows; padded
    to the longest or to ``width`` (at least the longest)."""
    longest = int(lengths.max())
    columns = np.arange(longest if width is None else max(width, longest), dtype=np.int64)
    mask = columns[None, :] < lengths[:, None]
    last = np.maximum(lengths - 1, 0)[:, None]
    ids = np.where(mask, flat[starts[:, None] + np.minimum(columns[None, :], last)], pad_id)
    return ids.astype(np.int64, copy=False), mask.astype(np.int64)


def score_sequences(
    sequences: Sequence[Sequence[int]] | Sequence[np.ndarray],
    score: Callable[[np.ndarray, np.ndarray], np.ndarray],
    pad_id: int,
    batch_size: int,
    max_tokens: int | None = None,
) -> np.ndarray:
    """``score(input_ids, attention_mask)`` of every token id sequence, in length-sorted padded
    batches (``plan_batches``); one row per sequence, in the sequences' order."""
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    flat = np.fromiter((i for seq in sequences for i in seq), np.int64, int(lengths.sum()))
    starts = np.zeros(len(sequences), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    scored: np.ndarray | None = None
    for rows in plan_batches(lengths, batch_size, max_tokens):
        ids, mask = pad_slices(flat, starts[rows], lengths[rows], pad_id)
        probs = np.asarray(score(ids, mask), dtype=np.float64)
        if scored is None:
            scored = np.zeros((len(sequences), probs.shape[1]), dtype=np.float64)
        scored[rows] = probs
    return scored if scored is not None else np.zeros((0, 0), dtype=np.float64)
