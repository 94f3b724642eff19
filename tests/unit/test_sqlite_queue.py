"""SQS semantics of the SQLite queue, with a hand-moved clock instead of sleeping."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from jobfakes import FakeClock

from pipeline.adapters.sqlite_queue import POLL_INTERVAL_S, SqliteJobQueue
from pipeline.errors import ReceiptExpired


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(tmp_path: Path, clock: FakeClock) -> SqliteJobQueue:
    return SqliteJobQueue(
        tmp_path / "q.db", visibility_timeout_s=30, max_receives=3, clock=clock, sleep=clock.advance
    )


def test_a_received_message_is_hidden_until_its_visibility_timeout_expires(
    queue: SqliteJobQueue, clock: FakeClock
) -> None:
    message_id = queue.send({"request_id": "a"})
    first = queue.receive()
    assert first is not None and first.message_id == message_id
    assert first.body == {"request_id": "a"} and first.receive_count == 1
    assert queue.receive() is None
    assert (queue.depth().visible, queue.depth().in_flight) == (0, 1)
    clock.advance(29.9)
    assert queue.receive() is None
    clock.advance(0.2)
    again = queue.receive()
    assert again is not None and again.message_id == message_id
    assert again.receive_count == 2 and again.receipt != first.receipt


def test_extend_keeps_the_message_hidden_from_now(queue: SqliteJobQueue, clock: FakeClock) -> None:
    queue.send({"n": 1})
    message = queue.receive()
    assert message is not None
    clock.advance(25)
    queue.extend(message.receipt, 30)
    clock.advance(25)
    assert queue.receive() is None
    clock.advance(6)
    assert queue.receive() is not None


def test_only_a_message_in_flight_can_be_extended(queue: SqliteJobQueue, clock: FakeClock) -> None:
    """As on SQS: a heartbeat that lands after the message was released (by its worker, or
    by the master for a worker taken for dead) or after its visibility lapsed must not hide
    it again."""
    queue.send({"n": 1})
    message = queue.receive()
    assert message is not None
    queue.release(message.receipt)
    with pytest.raises(ReceiptExpired):
        queue.extend(message.receipt, 30)
    assert queue.depth().visible == 1
    again = queue.receive()
    assert again is not None
    clock.advance(31)
    with pytest.raises(ReceiptExpired):
        queue.extend(again.receipt, 30)
    assert queue.depth().visible == 1


def test_release_makes_the_message_visible_at_once(queue: SqliteJobQueue) -> None:
    queue.send({"n": 1})
    message = queue.receive()
    assert message is not None
    queue.release(message.receipt)
    assert queue.depth().visible == 1
    assert queue.receive() is not None


def test_delete_acknowledges_and_stale_receipts_are_refused(
    queue: SqliteJobQueue, clock: FakeClock
) -> None:
    queue.send({"n": 1})
    first = queue.receive()
    assert first is not None
    clock.advance(31)
    second = queue.receive()
    assert second is not None
    with pytest.raises(ReceiptExpired):
        queue.extend(first.receipt, 30)
    with pytest.raises(ReceiptExpired):
        queue.delete(first.receipt)
    queue.delete(second.receipt)
    clock.advance(100)
    assert queue.receive() is None
    assert queue.depth().total == 0
    with pytest.raises(ReceiptExpired):
        queue.release(second.receipt)


def test_a_message_received_max_receives_times_moves_to_the_dead_letter_table(
    queue: SqliteJobQueue, clock: FakeClock
) -> None:
    queue.send({"request_id": "poison"})
    queue.send({"request_id": "fine"})
    for attempt in (1, 2, 3):
        message = queue.receive()
        assert message is not None and message.body["request_id"] == "poison"
        assert message.receive_count == attempt
        clock.advance(31)  # the worker died: no delete, no release
    nxt = queue.receive()
    assert nxt is not None and nxt.body["request_id"] == "fine"
    letters = queue.dead_letters()
    assert [(m.body["request_id"], m.receive_count) for m in letters] == [("poison", 3)]
    assert queue.depth().visible == 0
    queue.delete_dead_letter(letters[0].receipt)
    assert queue.dead_letters() == []


def test_receive_waits_up_to_wait_s_for_a_message(queue: SqliteJobQueue, clock: FakeClock) -> None:
    start = clock.now
    assert queue.receive(wait_s=2.0) is None
    assert clock.now - start == pytest.approx(2.0)


def test_messages_come_out_oldest_first_and_a_released_one_keeps_its_place(
    queue: SqliteJobQueue, clock: FakeClock
) -> None:
    for n in range(3):
        queue.send({"n": n})
        clock.advance(1)
    first = queue.receive()
    assert first is not None and first.body == {"n": 0}
    queue.release(first.receipt)
    order = []
    while (message := queue.receive()) is not None:
        order.append(message.body["n"])
    assert order == [0, 1, 2]


def test_the_queue_survives_a_new_instance_on_the_same_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    SqliteJobQueue(tmp_path / "q.db", clock=clock).send({"n": 7})
    message = SqliteJobQueue(tmp_path / "q.db", clock=clock).receive()
    assert message is not None and message.body == {"n": 7}


def test_a_message_sent_while_a_receive_waits_is_taken_at_the_next_look(
    tmp_path: Path, clock: FakeClock
) -> None:
    sent_at: list[float] = []

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        if not sent_at and clock.now >= start + 0.51:
            sent_at.append(clock.now)
            queue.send({"request_id": "late"})

    queue = SqliteJobQueue(tmp_path / "q.db", clock=clock, sleep=sleep)
    start = clock.now
    message = queue.receive(wait_s=5.0)
    assert message is not None and message.body["request_id"] == "late"
    assert clock.now - sent_at[0] <= POLL_INTERVAL_S <= 0.05  # tens of ms, not a second


def test_an_idle_receive_only_reads_and_never_waits_for_the_write_lock(tmp_path: Path) -> None:
    queue = SqliteJobQueue(tmp_path / "q.db", busy_timeout_s=0.05)
    queue.initialize()
    writer = sqlite3.connect(tmp_path / "q.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock meanwhile
    try:
        assert queue.receive(wait_s=0.2) is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
