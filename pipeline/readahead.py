"""Run an iterator one or more items ahead in a background thread.

The worker reads and parses the next chunk of the input, and the predictor tokenizes the next
batches, while the model is busy with the current ones: file parsing and the Rust tokenizer
release the GIL for most of their work, so the two overlap instead of taking turns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_PUT_TIMEOUT_S = 0.1


class _End:
    """Marks the end of the items, carrying the producer's exception if it failed."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order while a thread produces up to ``depth`` of them in advance.

    An exception raised while producing an item is raised here, at that item's place. When
    the consumer stops early (``close()``, an exception, garbage collection) the thread stops
    after the item it is producing and the source iterator is closed from that thread.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    ready: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: T | _End) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=_PUT_TIMEOUT_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not offer(item):
                    return
            offer(_End())
        except BaseException as exc:  # handed to the consumer, who re-raises it
            offer(_End(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        thread.join()
