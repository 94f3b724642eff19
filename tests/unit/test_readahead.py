"""read_ahead: same items in the same order, errors at their place, and a clean early stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from pipeline.readahead import read_ahead


def test_items_come_out_in_order() -> None:
    assert list(read_ahead(range(100), depth=3)) == list(range(100))


def test_an_empty_source_gives_nothing() -> None:
    assert list(read_ahead([])) == []


def test_items_are_produced_in_another_thread_ahead_of_the_consumer() -> None:
    produced: list[int] = []
    third_ready = threading.Event()

    def source() -> Iterator[int]:
        for i in range(5):
            produced.append(i)
            if i == 2:
                third_ready.set()
            yield i

    items = read_ahead(source(), depth=2)
    assert next(items) == 0
    assert third_ready.wait(timeout=10)  # made while the consumer sat on item 0
    assert list(items) == [1, 2, 3, 4]


def test_an_error_in_the_source_is_raised_at_its_place() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is broken")

    seen = []
    with pytest.raises(ValueError, match="row 3 is broken"):
        for item in read_ahead(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_closes_the_source_and_ends_the_thread() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    before = threading.active_count()
    items = read_ahead(source(), depth=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()
    assert closed.is_set()
    assert threading.active_count() == before


@pytest.mark.parametrize("depth", [0, -1])
def test_depth_below_one_is_refused(depth: int) -> None:
    with pytest.raises(ValueError, match="depth"):
        list(read_ahead([1], depth=depth))
