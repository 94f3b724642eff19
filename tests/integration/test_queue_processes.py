"""The SQLite queue shared by several processes: every message is delivered to exactly one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from pipeline.adapters.sqlite_queue import SqliteJobQueue

MESSAGES = 300


def _drain(path: str, out: multiprocessing.Queue[list[int]]) -> None:
    queue = SqliteJobQueue(Path(path), visibility_timeout_s=600)
    received = []
    while (message := queue.receive()) is not None:
        received.append(message.body["n"])
        queue.delete(message.receipt)
    out.put(received)


def test_four_processes_never_receive_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    queue = SqliteJobQueue(path, visibility_timeout_s=600)
    for n in range(MESSAGES):
        queue.send({"n": n})
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_drain, args=(str(path), results)) for _ in range(4)]
    for process in processes:
        process.start()
    received = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    everything = sorted(n for batch in received for n in batch)
    assert everything == list(range(MESSAGES))
    assert queue.depth().total == 0
