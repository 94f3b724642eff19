"""Chunks sized by time: a small first chunk, a doubling ramp until a rate is measured, then
about ``target_s`` of work per chunk, bounded by rows and by growth; fixed chunks when off."""

from __future__ import annotations

import threading
from collections import deque

import pytest

from pipeline.chunk_sizing import (
    OVERHEAD_FACTOR,
    ROW_WORK,
    ChunkLimit,
    ChunkSizer,
    ChunkTimes,
    Cost,
    chunk_work,
    row_work,
)
from pipeline.errors import ConfigError
from pipeline.settings import Settings


def test_a_row_costs_its_characters_plus_a_fixed_part() -> None:
    assert row_work("") == ROW_WORK
    assert row_work("x" * 50) == ROW_WORK + 50
    assert row_work(None) == ROW_WORK  # an empty XLSX cell
    assert chunk_work(["ab", "", "abcd"]) == 3 * ROW_WORK + 6


def test_a_limit_ends_a_chunk_at_its_rows_or_its_work() -> None:
    by_rows = ChunkLimit(3)
    assert [by_rows.full(rows, 10**9) for rows in (1, 2, 3)] == [False, False, True]
    by_work = ChunkLimit(100, work=500)
    assert not by_work.full(1, 499) and by_work.full(1, 500) and by_work.full(100, 0)
    with pytest.raises(ValueError, match="at least one row"):
        ChunkLimit(0)


def test_limits_double_from_the_first_chunk_until_a_rate_is_measured() -> None:
    sizer = ChunkSizer(max_rows=500, target_s=1.0, first_rows=32)
    assert [sizer.next_limit() for _ in range(6)] == [
        ChunkLimit(32), ChunkLimit(64), ChunkLimit(128), ChunkLimit(256), ChunkLimit(500),
        ChunkLimit(500),
    ]  # fmt: skip
    assert sizer.cost() is None and sizer.first_rows == 32


def test_measured_chunks_give_chunks_of_the_target_time() -> None:
    sizer = ChunkSizer(max_rows=10_000, target_s=1.5, first_rows=32)
    sizer.next_limit()
    sizer.record(work=10_000, seconds=0.5)
    sizer.record(work=20_000, seconds=1.0)
    assert sizer.cost() == Cost(0.0, 1 / 20_000)
    assert sizer.next_limit() == ChunkLimit(10_000, work=30_000)


def test_until_the_parts_can_be_told_apart_half_the_time_counts_as_fixed() -> None:
    sizer = ChunkSizer(max_rows=10_000, target_s=1.5)
    sizer.next_limit()
    sizer.record(work=20_000, seconds=1.0)  # one size: the fixed part cannot be fitted
    assert sizer.cost() == Cost(0.5, 0.5 / 20_000)
    # 2 s of work, four times the fixed part: a larger chunk, whose time tells the parts apart
    assert sizer.next_limit() == ChunkLimit(10_000, work=80_000)
    sizer.record(work=80_000, seconds=4.0)  # it took four times as long: no fixed part
    cost = sizer.cost()
    assert cost is not None and cost.overhead_s == pytest.approx(0.0, abs=1e-9)


def test_the_fixed_part_of_a_chunks_time_is_found_and_left_out() -> None:
    sizer = ChunkSizer(max_rows=100_000, target_s=6.0)
    sizer.next_limit()
    sizer.record(work=10_000, seconds=1.5)  # 0.5 s fixed + 1e-4 s per unit of work
    sizer.record(work=40_000, seconds=4.5)
    cost = sizer.cost()
    assert cost is not None
    assert cost.overhead_s == pytest.approx(0.5) and cost.seconds_per_work == pytest.approx(1e-4)
    limit = sizer.next_limit()
    assert limit.work == pytest.approx(55_000)  # 5.5 s of work after the 0.5 s fixed part


def test_a_large_fixed_part_makes_chunks_longer_not_tiny() -> None:
    times = ChunkTimes()
    for work, seconds in [(10_000, 3.0), (40_000, 6.0), (20_000, 4.0)]:  # 2 s fixed
        times.add(work, seconds)
    assert times.cost().overhead_s == pytest.approx(2.0)
    sizer = ChunkSizer(max_rows=1_000_000, target_s=2.0, max_growth=100)
    sizer.next_limit()
    for work, seconds in [(10_000, 3.0), (40_000, 6.0), (20_000, 4.0)]:
        sizer.record(work, seconds)
    limit = sizer.next_limit()  # the fixed part alone is over the target: work 9 times as long
    assert limit.work == pytest.approx(OVERHEAD_FACTOR * 2.0 / 1e-4)


def test_one_freak_fast_chunk_cannot_make_the_next_one_huge() -> None:
    sizer = ChunkSizer(max_rows=10_000, target_s=1.0)
    sizer.next_limit()
    sizer.record(work=3_200, seconds=0.0)  # blank comments never reach the model
    assert sizer.next_limit() == ChunkLimit(10_000, work=4 * 3_200)


def test_noise_that_tilts_the_fit_cannot_make_the_fixed_part_more_than_chunks_take() -> None:
    times = ChunkTimes()
    for work, seconds in [(10_000, 6.0), (40_000, 1.0), (20_000, 5.0)]:  # a busy spell, then not
        times.add(work, seconds)
    assert times.cost().overhead_s == pytest.approx(0.9 * 5.0)  # the line itself says > 6 s


def test_a_chunk_never_aims_at_more_than_ten_times_the_target() -> None:
    sizer = ChunkSizer(max_rows=10**9, target_s=1.0, max_growth=10**6)
    sizer.next_limit()
    for work, seconds in [(20_000, 7.0), (80_000, 13.0), (40_000, 9.0)]:  # 5 s fixed
        sizer.record(work, seconds)
    assert sizer.next_limit().work == pytest.approx(10.0 / 1e-4)  # not 4 x 5 s of work


def test_a_slow_machine_gets_smaller_chunks_halving_at_most_each_time() -> None:
    sizer = ChunkSizer(max_rows=10_000, target_s=1.0)
    sizer.next_limit()
    sizer.record(work=8_000, seconds=4.0)  # 2,000 a second
    sizer.record(work=4_000, seconds=2.0)
    assert sizer.next_limit() == ChunkLimit(10_000, work=2_000)
    sizer.record(work=16_000, seconds=8.0)
    assert sizer.next_limit() == ChunkLimit(10_000, work=8_000)  # half the last one


def test_a_new_delivery_starts_small_and_keeps_the_times() -> None:
    sizer = ChunkSizer(max_rows=10_000, target_s=1.0, first_rows=16)
    sizer.next_limit()
    sizer.record(work=10_000, seconds=0.5)
    sizer.record(work=20_000, seconds=1.0)
    sizer.restart()
    assert sizer.next_limit() == ChunkLimit(16)
    assert sizer.next_limit() == ChunkLimit(10_000, work=20_000)  # no ramp: the times are known


def measured_sizer() -> ChunkSizer:
    """A sizer that has measured 200 work a row at 20,000 work a second, no fixed part."""
    sizer = ChunkSizer(max_rows=2048, target_s=1.0, first_rows=32)
    sizer.record(work=10_000, seconds=0.5, rows=50)
    sizer.record(work=20_000, seconds=1.0, rows=100)
    return sizer


def test_a_small_jobs_second_chunk_is_all_its_rest() -> None:
    sizer = measured_sizer()
    sizer.restart(rows_left=300)
    assert sizer.next_limit() == ChunkLimit(32)  # progress at once, as for any job
    # 268 rows of 200 work: 2.7 s, within three times the target; never more than 3 s of work
    assert sizer.next_limit() == ChunkLimit(268, work=60_000)


def test_a_rest_longer_than_three_targets_is_cut_into_target_chunks() -> None:
    sizer = measured_sizer()
    sizer.restart(rows_left=400)  # 368 rows left after the first chunk: 3.7 s
    sizer.next_limit()
    assert sizer.next_limit() == ChunkLimit(2048, work=20_000)


def test_without_a_measurement_or_the_rows_left_the_second_chunk_ramps_up() -> None:
    cold = ChunkSizer(max_rows=2048, target_s=1.0, first_rows=32)
    cold.restart(rows_left=300)
    assert [cold.next_limit(), cold.next_limit()] == [ChunkLimit(32), ChunkLimit(64)]
    unknown = measured_sizer()
    unknown.restart()
    unknown.next_limit()
    assert unknown.next_limit() == ChunkLimit(2048, work=20_000)


def test_target_zero_means_fixed_chunks_of_the_maximum() -> None:
    sizer = ChunkSizer(max_rows=512, target_s=0, first_rows=32)
    sizer.record(work=100, seconds=10.0)
    assert {sizer.next_limit() for _ in range(5)} == {ChunkLimit(512)}
    assert sizer.first_rows == 512


def test_the_first_chunk_is_never_over_the_maximum() -> None:
    sizer = ChunkSizer(max_rows=4, target_s=1.0, first_rows=32)
    assert sizer.first_rows == 4 and sizer.next_limit() == ChunkLimit(4)


@pytest.mark.parametrize(
    ("arguments", "setting"),
    [
        ({"max_rows": 0}, "PIPELINE_CHUNK_ROWS"),
        ({"max_rows": 10, "first_rows": 0}, "PIPELINE_FIRST_CHUNK_ROWS"),
        ({"max_rows": 10, "target_s": -1.0}, "PIPELINE_CHUNK_TARGET_S"),
        ({"max_rows": 10, "target_s": float("nan")}, "PIPELINE_CHUNK_TARGET_S"),
    ],
)
def test_wrong_settings_are_refused_by_name(arguments: dict[str, float], setting: str) -> None:
    with pytest.raises(ConfigError, match=setting):
        ChunkSizer(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["-1", "nan", "inf"])
@pytest.mark.parametrize("setting", ["PIPELINE_CHUNK_TARGET_S", "PIPELINE_INSIGHT_CHUNK_TARGET_S"])
def test_a_wrong_chunk_target_is_refused_by_name_when_settings_are_read(
    raw: str, setting: str
) -> None:
    with pytest.raises(ConfigError, match=setting):
        Settings.from_env({setting: raw})


def test_the_insight_chunk_target_is_its_own_setting() -> None:
    assert Settings().insight_chunk_target_s == 6.0
    assert Settings().chunk_target_s == 2.0
    settings = Settings.from_env({"PIPELINE_INSIGHT_CHUNK_TARGET_S": "0"})
    assert settings.insight_chunk_target_s == 0.0 and settings.chunk_target_s == 2.0


def simulate(
    sizer: ChunkSizer, rows: int, seconds_per_row: float, overhead_s: float = 0.0, lag: int = 2
) -> list[float]:
    """Label ``rows`` rows of 60-character comments at a steady speed plus ``overhead_s`` per
    chunk, with limits asked ``lag`` chunks ahead of the measurements (as under read-ahead);
    the chunks' durations."""
    ahead: deque[int] = deque()
    durations = []
    left = rows
    while left or ahead:
        while left and len(ahead) <= lag:
            limit = sizer.next_limit()
            size = min(limit.max_rows, left)
            if limit.work is not None:
                size = min(size, max(1, -(-int(limit.work) // row_work("x" * 60))))
            ahead.append(size)
            left -= size
        size = ahead.popleft()
        durations.append(overhead_s + size * seconds_per_row)
        sizer.record(size * row_work("x" * 60), durations[-1])
    return durations


@pytest.mark.parametrize(
    ("rows_per_s", "overhead_s"), [(100, 0.0), (270, 0.0), (270, 0.05), (270, 0.1), (5_000, 0.02)]
)
def test_chunks_settle_at_the_target_time_despite_read_ahead(
    rows_per_s: int, overhead_s: float
) -> None:
    sizer = ChunkSizer(max_rows=100_000, target_s=1.0, first_rows=32)
    durations = simulate(sizer, 20_000, 1 / rows_per_s, overhead_s)
    assert durations[0] == pytest.approx(overhead_s + 32 / rows_per_s)
    assert max(durations) <= 1.5  # the ramp before the first measurement overshoots a little
    first = next(i for i, seconds in enumerate(durations) if 0.8 <= seconds <= 1.25)
    assert sum(durations[:first]) <= 4.0  # settled within seconds, from 100 to 5,000 rows/s
    assert all(0.8 <= seconds <= 1.25 for seconds in durations[first:-1])


def test_on_a_loaded_machine_chunks_keep_the_overhead_small() -> None:
    """Measured here: 1-3 s per chunk whatever its size, under a load of 10-20 on 2 cores.
    Sized by a plain rate, chunks shrank to 1-3 rows and a 300-row job took five times as
    long."""
    sizer = ChunkSizer(max_rows=2048, target_s=1.0, first_rows=32)
    durations = simulate(sizer, 2_000, 1 / 20, overhead_s=1.0)
    labelling = [seconds - 1.0 for seconds in durations]
    assert min(labelling[4:-1]) >= OVERHEAD_FACTOR * 1.0 * 0.95  # a tenth of the time at most
    assert sum(durations) <= 1.15 * (2_000 / 20)
    heavier = simulate(ChunkSizer(max_rows=2048, target_s=1.0), 2_000, 1 / 8, overhead_s=2.5)
    assert max(heavier[4:]) <= 2.5 + 10.0 + 1e-9  # measured: never over ten times the target
    assert sum(heavier) <= 1.3 * (2_000 / 8)


def test_a_first_jobs_second_chunk_waits_for_the_first_chunks_time() -> None:
    """Under read-ahead the reader asks for the second chunk while the first is labelled; on a
    worker's first job nothing was timed yet, and the blind ramp cut a 300-row file into
    32 + 64 + 128 + 76 rows. With ``first_wait_s`` the request waits for the first chunk's
    time, so the rest comes in one chunk, as on every later job."""
    sizer = ChunkSizer(max_rows=2048, target_s=1.0, first_rows=32, first_wait_s=30.0)
    sizer.restart(rows_left=300)
    assert sizer.next_limit() == ChunkLimit(32)
    asked: list[ChunkLimit] = []
    reader = threading.Thread(target=lambda: asked.append(sizer.next_limit()))
    reader.start()
    reader.join(timeout=0.2)
    assert reader.is_alive() and not asked  # waiting for the first chunk's time
    sizer.record(work=6_400, seconds=0.32, rows=32)  # 200 work a row, 10 ms a row
    reader.join(timeout=5)
    assert asked and asked[0].max_rows == 268


def test_the_wait_ends_when_the_delivery_ends_and_never_happens_twice() -> None:
    sizer = ChunkSizer(max_rows=2048, target_s=1.0, first_rows=32, first_wait_s=30.0)
    sizer.restart(rows_left=300)
    sizer.next_limit()
    asked: list[ChunkLimit] = []
    reader = threading.Thread(target=lambda: asked.append(sizer.next_limit()))
    reader.start()
    reader.join(timeout=0.2)
    assert reader.is_alive()
    sizer.release()  # the first chunk failed: the reader must not hold the delivery up
    reader.join(timeout=5)
    assert asked == [ChunkLimit(64)]  # nothing timed: the ramp, as without waiting
    sizer.restart(rows_left=300)  # a later job: a chunk was timed, so nothing to wait for
    sizer.record(work=6_400, seconds=0.32, rows=32)
    again: list[ChunkLimit] = []
    later = threading.Thread(target=lambda: again.extend([sizer.next_limit(), sizer.next_limit()]))
    later.start()
    later.join(timeout=5)
    assert again[0] == ChunkLimit(32) and again[1].max_rows == 268
