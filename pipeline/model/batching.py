"""Pure batching logic for the predictor: length-sorted batches and window averaging."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def plan_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Group row indices into batches of similar length so dynamic padding wastes little.

    Longest first, so a batch that runs out of memory fails at once rather than at the end.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad token id lists to the longest one; returns (input_ids, attention_mask)."""
    width = max(len(s) for s in sequences)
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return ids, mask


def average_windows(window_probs: np.ndarray, owners: Sequence[int], n_texts: int) -> np.ndarray:
    """Mean of the class probabilities of every window that belongs to the same text."""
    owners_arr = np.asarray(owners, dtype=np.int64)
    sums = np.zeros((n_texts, window_probs.shape[1]), dtype=np.float64)
    np.add.at(sums, owners_arr, window_probs)
    counts = np.bincount(owners_arr, minlength=n_texts).astype(np.float64)
    counts[counts == 0] = 1.0
    return sums / counts[:, None]
