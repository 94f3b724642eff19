"""The poison policy as pure functions: failures without progress count, deliveries do not."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.poison import (
    DeliveryTrace,
    PoisonPolicy,
    after_failure,
    needs_fresh_message,
    on_delivery,
    poison_reason,
)

POLICY = PoisonPolicy(max_failures=2, chunk_rows=512)
NEW = DeliveryTrace(rows_done=0, open_at=None, stalled_at=None, stalls=0)


def crash_after(trace: DeliveryTrace, committed: int) -> DeliveryTrace:
    """The worker of the open delivery commits ``committed`` more rows, then dies silently."""
    return DeliveryTrace(trace.rows_done + committed, trace.open_at, trace.stalled_at, trace.stalls)


def test_a_first_delivery_is_opened_at_the_committed_row() -> None:
    trace, poisoned = on_delivery(NEW, POLICY)
    assert not poisoned and trace == DeliveryTrace(0, open_at=0, stalled_at=None, stalls=0)


def test_a_job_killed_many_times_while_progressing_is_never_poison() -> None:
    trace, _ = on_delivery(NEW, POLICY)
    for _ in range(50):  # every worker commits a chunk, then is killed
        trace, poisoned = on_delivery(crash_after(trace, 512), POLICY)
        assert not poisoned and trace.stalls == 1
    assert trace.rows_done == 50 * 512 and trace.open_at == trace.rows_done


def test_two_crashes_at_the_same_row_are_poison_even_after_progress_before() -> None:
    trace, _ = on_delivery(NEW, POLICY)
    trace, poisoned = on_delivery(crash_after(trace, 1024), POLICY)  # crashed on rows 1024+
    assert not poisoned and (trace.stalled_at, trace.stalls) == (1024, 1)
    trace, poisoned = on_delivery(crash_after(trace, 0), POLICY)  # crashed there again
    assert poisoned and (trace.stalled_at, trace.stalls, trace.open_at) == (1024, 2, None)


def test_the_limit_is_configurable() -> None:
    patient = PoisonPolicy(max_failures=3)
    trace, _ = on_delivery(NEW, patient)
    for expected in (False, False, True):
        trace, poisoned = on_delivery(trace, patient)  # never a committed row
        assert poisoned is expected
    with pytest.raises(ConfigError, match="MAX_FAILURES_PER_CHUNK"):
        PoisonPolicy(max_failures=0)


def test_a_raised_error_counts_like_a_crash_and_closes_the_delivery() -> None:
    trace, _ = on_delivery(NEW, POLICY)
    trace = after_failure(trace)  # the worker caught an exception and released the message
    assert trace == DeliveryTrace(0, open_at=None, stalled_at=0, stalls=1)
    trace, poisoned = on_delivery(trace, POLICY)  # nothing left open: not counted twice
    assert not poisoned and trace.stalls == 1
    trace, poisoned = on_delivery(after_failure(trace), POLICY)
    assert poisoned


def test_a_delivery_handed_back_on_request_is_not_a_failure() -> None:
    trace, _ = on_delivery(NEW, POLICY)
    trace, _ = on_delivery(crash_after(trace, 0), POLICY)  # one crash at row 0
    handed_back = DeliveryTrace(trace.rows_done, None, trace.stalled_at, trace.stalls)
    for _ in range(5):  # stopped on request before any chunk, five times
        trace, poisoned = on_delivery(handed_back, POLICY)
        assert not poisoned and trace.stalls == 1


def test_judging_without_opening_leaves_no_delivery_open() -> None:
    trace, _ = on_delivery(NEW, POLICY)
    trace, poisoned = on_delivery(crash_after(trace, 100), POLICY, opening=False)
    assert not poisoned and trace.open_at is None and trace.stalls == 1
    assert on_delivery(trace, POLICY) == (DeliveryTrace(100, 100, 100, 1), False)


@pytest.mark.parametrize(
    ("rows_done", "stalls", "rows_total", "expected"),
    [
        (1024, 2, 3000, "crashed twice on rows 1,025–1,536 without committing a row"),
        (2560, 3, 3000, "crashed 3 times on rows 2,561–3,000 without"),
        (2999, 2, 3000, "crashed twice on row 3,000 without"),
        (3000, 2, 3000, "after all 3,000 rows were labelled (while working out what they"),
        (4024, 2, 3000, "labelled, while working out what the comments on rows 1,025–1,536 are"),
        (5999, 2, 3000, "labelled, while working out what the comments on row 3,000 are about"),
        (6000, 2, 3000, "labelled and analysed (while finding their themes or publishing"),
    ],
)
def test_the_reason_names_the_rows_counted_from_one(
    rows_done: int, stalls: int, rows_total: int, expected: str
) -> None:
    trace = DeliveryTrace(rows_done, None, rows_done, stalls)
    reason = poison_reason(trace, POLICY, rows_total, None)
    assert expected in reason and reason.startswith("the worker crashed")
    assert "last error" not in reason


def test_the_reason_carries_the_last_error_when_one_was_raised() -> None:
    trace = DeliveryTrace(0, None, 0, 2)
    reason = poison_reason(trace, POLICY, 9, "RuntimeError: cannot score 'x'")
    assert reason.endswith("(last error: RuntimeError: cannot score 'x')")
    assert "rows 1–9" in reason


def test_with_chunks_sized_by_time_the_reason_names_the_chunk_the_worker_died_in() -> None:
    sized = PoisonPolicy(max_failures=2, chunk_rows=2048, first_chunk_rows=32)
    twice = DeliveryTrace(1000, None, 1000, 2)  # the last delivery died in its first chunk
    assert "on rows 1,001–1,032 " in poison_reason(twice, sized, 10_000, None)
    impatient = PoisonPolicy(max_failures=1, chunk_rows=2048, first_chunk_rows=32)
    once = DeliveryTrace(1000, None, 1000, 1)  # it may have died in any chunk
    assert "on rows 1,001–3,048 " in poison_reason(once, impatient, 10_000, None)
    assert sized.suspect_rows(2) == 32 and POLICY.suspect_rows(2) == 512
    with pytest.raises(ConfigError, match="PIPELINE_FIRST_CHUNK_ROWS"):
        PoisonPolicy(first_chunk_rows=0)


@pytest.mark.parametrize(
    ("receive_count", "max_receives", "expected"),
    [
        (1, 10, False),  # a first delivery is never re-sent, whatever the limit
        (1, 1, False),
        (1, 2, False),
        (2, 10, False),
        (8, 10, False),
        (9, 10, True),  # one short of the last allowed: SQS's count is approximate
        (10, 10, True),
        (2, 3, True),
        (2, 2, True),
    ],
)
def test_a_message_is_re_sent_only_as_it_nears_the_queues_limit(
    receive_count: int, max_receives: int, expected: bool
) -> None:
    assert needs_fresh_message(receive_count, max_receives) is expected
