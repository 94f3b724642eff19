"""The SQLite queue and the worker as real processes: every message is delivered to exactly
one; a job whose workers are killed with SIGKILL again and again while it progresses finishes
with every row exactly once; a row that kills the worker fails the job after two attempts with
the rows named."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jobfakes import FakePredictor, comments_csv

from pipeline import service
from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.bootstrap import Backend, init_backend, open_backend
from pipeline.db import JobStatus
from pipeline.settings import Settings
from pipeline.worker import Worker

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


ROWS = 3000
CRASH = "CRASH"
SPAWN = multiprocessing.get_context("spawn")


class PacedPredictor(FakePredictor):
    """Pauses on every batch so a kill lands in the middle of a chunk, and kills its own
    process (SIGKILL: nothing is cleaned up) on a comment that holds CRASH."""

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        if any(CRASH in str(text) for text in texts):
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.2)
        return super().predict_proba(texts)


def _work(settings: dict[str, Any]) -> None:
    backend = open_backend(Settings(**settings))
    worker = Worker(
        backend, lambda _ref: PacedPredictor(), f"w{os.getpid()}", parent_pid=os.getppid()
    )
    worker.run()


def job_settings(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "data_dir": tmp_path / "data",
        "model": "fake",
        "chunk_rows": 512,
        # How long a killed worker's message stays hidden: shorter than starting a worker
        # process, longer than a chunk even on a busy machine.
        "visibility_timeout_s": 5.0,
        "worker_poll_s": 0.1,
        **overrides,
    }


def start_worker(settings: dict[str, Any]) -> BaseProcess:
    process = SPAWN.Process(target=_work, args=(settings,))
    process.start()
    return process


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def stop(process: BaseProcess) -> None:
    process.terminate()
    process.join(timeout=60)


def stored_rows(backend: Backend, request_id: str) -> list[tuple[int, str]]:
    batches = backend.repository.results.batches(request_id)
    return [(row.row_index, row.text) for batch in batches for row in batch]


@pytest.mark.slow
def test_a_job_killed_again_and_again_while_progressing_finishes_every_row_once(
    tmp_path: Path,
) -> None:
    # max_receives=3: the old rule (a third crash fails the job) would have given up
    settings = job_settings(tmp_path, max_receives=3)
    backend = init_backend(Settings(**settings))
    comments = [f"the lectures were {'good' if n % 3 else 'bad'}, number {n}" for n in range(ROWS)]
    source = comments_csv(tmp_path / "c.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id
    jobs = backend.repository.jobs

    def progress_beyond(rows: int) -> Callable[[], bool]:
        return lambda: jobs.get(request_id).rows_done > rows

    for _ in range(5):  # six chunks of 512: each worker commits at least one, then dies
        process = start_worker(settings)
        wait_until(progress_beyond(jobs.get(request_id).rows_done), "a committed chunk")
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(timeout=60)
        assert process.exitcode == -signal.SIGKILL
    assert jobs.get(request_id).status is JobStatus.RUNNING
    last = start_worker(settings)
    try:
        wait_until(lambda: jobs.get(request_id).is_terminal, "the job to finish")
        wait_until(lambda: backend.queue.depth().total == 0, "every message acknowledged")
    finally:
        stop(last)
    job = jobs.get(request_id)
    assert (job.status, job.rows_done, job.error) == (JobStatus.SUCCEEDED, ROWS, None)
    assert job.attempts >= 6
    assert stored_rows(backend, request_id) == list(enumerate(comments))
    results = backend.store.get_bytes(job.result_key or "").decode("utf-8").splitlines()
    assert len(results) == ROWS + 1
    assert backend.queue.dead_letters() == []


@pytest.mark.slow
def test_a_row_that_kills_the_worker_fails_the_job_after_two_attempts(tmp_path: Path) -> None:
    settings = job_settings(tmp_path, chunk_target_s=0)  # fixed chunks of 512, as named below
    backend = init_backend(Settings(**settings))
    comments = [f"comment number {n} was fine" for n in range(ROWS)]
    comments[1100] = f"this one makes the worker {CRASH}"  # in rows 1,025-1,536 (from 1)
    source = comments_csv(tmp_path / "c.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id
    jobs = backend.repository.jobs
    for _ in range(2):
        process = start_worker(settings)
        process.join(timeout=120)
        assert process.exitcode == -signal.SIGKILL  # it killed itself on the CRASH row
    assert jobs.get(request_id).status is JobStatus.RUNNING
    judge = start_worker(settings)
    try:
        wait_until(lambda: jobs.get(request_id).is_terminal, "the job to be failed")
        wait_until(lambda: backend.queue.depth().total == 0, "every message acknowledged")
    finally:
        stop(judge)
    job = jobs.get(request_id)
    assert (job.status, job.attempts, job.rows_done) == (JobStatus.FAILED, 2, 1024)
    assert (job.error or "").startswith(
        "the worker crashed twice on rows 1,025–1,536 without committing a row"
    )
    assert stored_rows(backend, request_id) == list(enumerate(comments[:1024]))
    assert backend.queue.dead_letters() == []
