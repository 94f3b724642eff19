"""Length-sorted batch plans, padding and window averaging."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.batching import (
    average_windows,
    length_buckets,
    pad_batch,
    pad_slices,
    plan_batches,
)


def test_plan_batches_puts_the_longest_first() -> None:
    batches = plan_batches([3, 10, 1, 7, 5], batch_size=2)

    assert [b.tolist() for b in batches] == [[1, 3], [4, 0], [2]]


def test_plan_batches_keeps_input_order_among_equal_lengths() -> None:
    batches = plan_batches([4, 4, 9, 4], batch_size=3)

    assert [b.tolist() for b in batches] == [[2, 0, 1], [3]]


def test_plan_batches_covers_every_index_exactly_once() -> None:
    lengths = np.random.default_rng(0).integers(1, 300, size=103).tolist()

    batches = plan_batches(lengths, batch_size=10)

    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(103))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    ordered = [lengths[i] for i in flat]
    assert ordered == sorted(lengths, reverse=True)


def test_plan_batches_of_nothing_is_empty() -> None:
    assert plan_batches([], batch_size=4) == []


@pytest.mark.parametrize("batch_size", [0, -1])
def test_plan_batches_refuses_a_batch_size_below_one(batch_size: int) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        plan_batches([1, 2], batch_size)


def test_pad_batch_right_pads_and_masks() -> None:
    ids, mask = pad_batch([[5, 6, 7], [8], [9, 10]], pad_id=99)

    assert ids.tolist() == [[5, 6, 7], [8, 99, 99], [9, 10, 99]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [1, 1, 0]]
    assert ids.dtype == np.int64
    assert mask.dtype == np.int64


def test_pad_batch_of_equal_lengths_needs_no_padding() -> None:
    ids, mask = pad_batch([[1, 2], [3, 4]], pad_id=0)

    assert ids.tolist() == [[1, 2], [3, 4]]
    assert mask.all()


def test_average_windows_means_the_windows_of_each_text() -> None:
    window_probs = np.array(
        [
            [0.2, 0.2, 0.6],  # text 0
            [0.4, 0.2, 0.4],  # text 0
            [0.1, 0.8, 0.1],  # text 1
            [0.7, 0.2, 0.1],  # text 2
            [0.1, 0.2, 0.7],  # text 2
            [0.4, 0.2, 0.4],  # text 2
        ]
    )

    averaged = average_windows(window_probs, [0, 0, 1, 2, 2, 2], n_texts=3)

    np.testing.assert_allclose(
        averaged, [[0.3, 0.2, 0.5], [0.1, 0.8, 0.1], [0.4, 0.2, 0.4]], atol=1e-12
    )
    np.testing.assert_allclose(averaged.sum(axis=1), 1.0)


def test_average_windows_leaves_a_text_without_windows_at_zero() -> None:
    averaged = average_windows(np.array([[0.5, 0.5]]), [1], n_texts=2)

    assert averaged.tolist() == [[0.0, 0.0], [0.5, 0.5]]


def test_pad_slices_pads_sequences_stored_back_to_back_like_pad_batch() -> None:
    sequences = [[5, 6, 7], [8], [9, 10], [11, 12, 13, 14]]
    flat = np.array([token for seq in sequences for token in seq], dtype=np.int64)
    lengths = np.array([len(seq) for seq in sequences], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    rows = np.array([3, 1, 2])

    ids, mask = pad_slices(flat, starts[rows], lengths[rows], pad_id=0)

    expected_ids, expected_mask = pad_batch([sequences[i] for i in rows], pad_id=0)
    assert ids.tolist() == expected_ids.tolist()
    assert mask.tolist() == expected_mask.tolist()
    assert ids.dtype == np.int64 and mask.dtype == np.int64


def test_length_buckets_round_up_to_the_step_and_stop_at_the_window() -> None:
    assert length_buckets([1, 16, 17, 250, 256], 16, 256).tolist() == [16, 16, 32, 256, 256]
    assert length_buckets([300], 16, 256).tolist() == [256]


def test_pad_batch_pads_to_a_given_width() -> None:
    ids, mask = pad_batch([[5, 6], [7]], pad_id=0, width=4)
    assert ids.tolist() == [[5, 6, 0, 0], [7, 0, 0, 0]]
    assert mask.tolist() == [[1, 1, 0, 0], [1, 0, 0, 0]]


def test_plan_batches_budgets_tokens_on_the_padded_width() -> None:
    lengths = [40] * 100
    exact = plan_batches(lengths, 64, max_tokens=2048)
    rounded = plan_batches(lengths, 64, max_tokens=2048, width=lambda n: -(-n // 16) * 16)
    assert [len(b) for b in exact][:1] == [51]  # 2,048 // 40
    assert [len(b) for b in rounded][:1] == [42]  # 2,048 // 48
    assert sorted(np.concatenate(rounded).tolist()) == list(range(100))


def test_pad_slices_pads_to_a_given_width_and_never_cuts_a_row() -> None:
    flat = np.array([5, 6, 7, 8, 9], dtype=np.int64)
    starts, lengths = np.array([0, 3]), np.array([3, 2])
    ids, mask = pad_slices(flat, starts, lengths, 0, width=6)
    assert ids.tolist() == [[5, 6, 7, 0, 0, 0], [8, 9, 0, 0, 0, 0]]
    assert mask.tolist() == [[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0]]
    assert pad_slices(flat, starts, lengths, 0, width=2)[0].shape == (2, 3)


def test_plan_batches_ends_a_batch_before_its_padding_passes_max_waste() -> None:
    """A chunk's re-scored comments: one long, the rest short. Filled to the budget, one batch
    96 wide would hold all 21, half of it padding; with max_waste, the long rows go alone."""
    lengths = [83, 74, 70, 58, 54, 53, 53, 52, 51, 46, 43, 39, 38, 38, 36, 32, 30, 23, 21, 18, 16]
    filled = plan_batches(lengths, 64, max_tokens=2048)
    assert [len(b) for b in filled] == [21]
    batches = plan_batches(lengths, 64, max_tokens=2048, max_waste=64)
    assert sorted(np.concatenate(batches).tolist()) == list(range(21))
    for batch in batches:
        widest = max(lengths[i] for i in batch)
        wasted = sum(widest - lengths[i] for i in batch)
        assert wasted <= 64 or len(batch) == 1
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded < 0.75 * 21 * 83


def test_plan_batches_max_waste_keeps_equal_rows_together_and_the_budget() -> None:
    batches = plan_batches([40] * 100, 64, max_tokens=2048, max_waste=0)
    assert [len(b) for b in batches] == [51, 49]
    assert [len(b) for b in plan_batches([90, 10], 64, max_tokens=2048, max_waste=0)] == [1, 1]
