"""Chunk sizes when the machine's pace changes under the sizer (hunt 1, finding 2): a worker
that ended a job with chunks of 2,048 rows in 2 s each took 41, 32 and 23 s per chunk of 2,048
rows on its next job, its machine ten times slower. A new job's chunks now grow from its own
first chunk, and a chunk far slower than the times before it predict shrinks the next ones at
once. No clock: the chunks' times are given."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import pytest

from pipeline.chunk_sizing import ChunkLimit, ChunkSizer, row_work

TARGET_S = 2.0
ROW = row_work("x" * 60)
"""The work of one row of a 60-character comment."""
Pace = Callable[[int], tuple[float, float]]
"""Chunk number -> (seconds per row, seconds per chunk)."""


def label(sizer: ChunkSizer, rows: int, pace: Pace, lag: int = 2) -> list[tuple[int, float]]:
    """One delivery of ``rows`` rows at ``pace``, with limits asked ``lag`` chunks ahead of the
    measurements, as under read-ahead: each chunk's rows and seconds."""
    sizer.restart(rows)
    ahead: deque[int] = deque()
    chunks: list[tuple[int, float]] = []
    left, number = rows, 0
    while left or ahead:
        while left and len(ahead) <= lag:
            limit = sizer.next_limit()
            size = min(limit.max_rows, left)
            if limit.work is not None:
                size = min(size, max(1, -(-int(limit.work) // ROW)))
            ahead.append(size)
            left -= size
        size = ahead.popleft()
        per_row, per_chunk = pace(number)
        number += 1
        seconds = per_chunk + size * per_row
        chunks.append((size, seconds))
        sizer.record(size * ROW, seconds, size)
    return chunks


def fast(_number: int) -> tuple[float, float]:
    return 1 / 1000, 0.05  # 1,000 rows a second: 2,048-row chunks of about 2 s


def ten_times_slower(_number: int) -> tuple[float, float]:
    return 1 / 50, 0.3


def warm_sizer() -> ChunkSizer:
    """A worker's sizer after a job on a fast stretch, its chunks at the 2,048-row maximum."""
    sizer = ChunkSizer(max_rows=2048, target_s=TARGET_S, first_rows=32)
    chunks = label(sizer, 18_000, fast)
    assert max(rows for rows, _ in chunks) >= 1900
    return sizer


def test_a_new_jobs_chunks_grow_from_its_own_first_one() -> None:
    sizer = warm_sizer()
    sizer.restart(rows_left=18_000)
    assert sizer.next_limit() == ChunkLimit(32)
    second = sizer.next_limit()  # asked while the first is labelled: nothing of this job timed
    assert second.work is not None and second.work <= 4 * 32 * ROW  # not the last job's 2,048


def test_a_new_job_on_a_slower_machine_gets_chunks_of_seconds() -> None:
    sizer = warm_sizer()
    chunks = label(sizer, 18_000, ten_times_slower)
    seconds = [taken for _, taken in chunks]
    assert max(seconds) <= 1.5 * TARGET_S  # was 39-41 s per chunk of 2,048 rows
    assert all(taken <= 1.6 * TARGET_S for taken in seconds[6:-1])  # settled at the target
    assert len(chunks) < 200  # and not a few rows each


def test_a_chunk_far_slower_than_predicted_shrinks_the_next_limit_at_once() -> None:
    sizer = ChunkSizer(max_rows=100_000, target_s=TARGET_S)
    sizer.next_limit()
    sizer.record(work=10_000, seconds=0.5)  # 20,000 work a second, no fixed part
    sizer.record(work=20_000, seconds=1.0)
    assert sizer.next_limit().work == pytest.approx(40_000)
    sizer.record(work=40_000, seconds=40.0)  # 1,000 work a second now
    # the target at that pace, not half the last chunk (20,000 work: 20 s)
    assert sizer.next_limit().work == pytest.approx(2_000)


def test_mid_job_a_slowdown_shrinks_the_chunks_sized_after_it() -> None:
    sizer = ChunkSizer(max_rows=2048, target_s=TARGET_S, first_rows=32)
    chunks = label(sizer, 40_000, lambda n: fast(n) if n < 15 else ten_times_slower(n))
    slow = [taken for _, taken in chunks[15:]]
    assert slow[0] > 30  # the chunk that found the machine slower
    assert all(taken > 30 for taken in slow[1:3])  # read ahead, sized before it was measured
    assert all(taken <= 1.6 * TARGET_S for taken in slow[3:-1])  # then chunks of seconds


def test_one_slow_chunk_shrinks_chunks_for_a_while_then_they_grow_back() -> None:
    sizer = ChunkSizer(max_rows=2048, target_s=TARGET_S, first_rows=32)
    chunks = label(sizer, 60_000, lambda n: (3.5 / 1000, 0.05) if n == 15 else fast(n))
    after = [rows for rows, _ in chunks[18:-1]]
    assert min(after) >= 400  # shrunk to that chunk's pace, never to a few rows
    assert all(rows >= 1500 for rows in after[-5:])  # back to about the target at full pace


def test_a_small_job_after_a_large_one_still_takes_its_rest_in_one_chunk() -> None:
    sizer = warm_sizer()
    sizer.restart(rows_left=300)
    assert sizer.next_limit() == ChunkLimit(32)
    assert sizer.next_limit().max_rows == 268
