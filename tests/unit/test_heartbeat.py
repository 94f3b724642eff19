"""The delivery heartbeat: it extends and beats on its own thread while a delivery is held,
stops when the delivery ends, keeps beating (but stops extending) once the queue refuses the
receipt, and lives through a queue or database that fails for a moment; its settings never
let the master take a worker for dead between two beats. Then the worker with it: the beat
carries the receipt, and a job that outlasts the visibility timeout is never delivered
twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import ConfigError, QueueUnavailableError, ReceiptExpired
from pipeline.heartbeat import DeliveryHeartbeat
from pipeline.settings import Settings
from pipeline.worker import Worker


class Calls:
    """Records the heartbeat's calls; each one can be made to raise."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.extend_error: Exception | None = None
        self.beat_error: Exception | None = None
        self.seen = threading.Event()

    def extend(self) -> None:
        self.log.append("extend")
        if self.extend_error is not None:
            raise self.extend_error

    def beat(self) -> None:
        self.log.append("beat")
        self.seen.set()
        if self.beat_error is not None:
            raise self.beat_error

    def heartbeat(self, interval_s: float = 3600.0) -> DeliveryHeartbeat:
        return DeliveryHeartbeat(self.extend, self.beat, interval_s)


def wait_for(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return condition()


def test_each_pulse_extends_the_message_then_beats() -> None:
    calls = Calls()
    heartbeat = calls.heartbeat()
    heartbeat.pulse()
    heartbeat.pulse()
    assert calls.log == ["extend", "beat", "extend", "beat"]


def test_a_refused_receipt_stops_the_extending_but_not_the_beating() -> None:
    calls = Calls()
    heartbeat = calls.heartbeat()
    calls.extend_error = ReceiptExpired("handed back")
    heartbeat.pulse()
    assert not heartbeat.holding
    heartbeat.pulse()
    assert calls.log == ["extend", "beat", "beat"]  # the worker is alive: it still beats


def test_a_queue_or_database_that_fails_for_a_moment_is_tried_again() -> None:
    calls = Calls()
    heartbeat = calls.heartbeat()
    calls.extend_error = QueueUnavailableError("SQS throttled")
    calls.beat_error = RuntimeError("database locked")
    heartbeat.pulse()
    calls.extend_error = calls.beat_error = None
    heartbeat.pulse()
    assert heartbeat.holding
    assert calls.log == ["extend", "beat", "extend", "beat"]


def test_the_thread_beats_while_the_delivery_is_held_and_stops_with_it() -> None:
    calls = Calls()
    with calls.heartbeat(interval_s=0.01) as heartbeat:
        assert wait_for(lambda: calls.log.count("beat") >= 3), "the heartbeat never ran"
    assert not heartbeat._thread.is_alive()
    after = len(calls.log)
    time.sleep(0.1)  # ten intervals: a thread still running would have called again
    assert len(calls.log) == after
    assert calls.log[-2:] == ["extend", "beat"]  # leaving waited for the pulse in progress


def test_the_thread_stops_even_when_the_delivery_ends_in_an_error() -> None:
    calls = Calls()
    with pytest.raises(RuntimeError), calls.heartbeat(interval_s=0.01) as heartbeat:
        assert calls.seen.wait(30)
        raise RuntimeError("the job failed")
    assert not heartbeat._thread.is_alive()


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        DeliveryHeartbeat(lambda: None, lambda: None, 0)


@pytest.mark.parametrize(
    ("environ", "refused"),
    [
        ({}, None),  # 10 s beats, taken for dead after 30 s, hidden 60 s past the last beat
        ({"PIPELINE_HEARTBEAT_S": "15"}, None),
        # one late beat would look like a death
        ({"PIPELINE_HEARTBEAT_S": "20"}, r"WORKER_STALE_S=.* twice PIPELINE_HEARTBEAT_S"),
        ({"PIPELINE_HEARTBEAT_S": "0"}, r"PIPELINE_HEARTBEAT_S=0 must be more than 0"),
        ({"PIPELINE_WORKER_STALE_S": "12", "PIPELINE_HEARTBEAT_S": "5"}, None),
    ],
)
def test_a_working_worker_is_never_taken_for_dead_between_two_beats(
    environ: dict[str, str], refused: str | None
) -> None:
    if refused is None:
        settings = Settings.from_env(environ)
        assert settings.worker_stale_s >= 2 * settings.heartbeat_s > 0
        return
    with pytest.raises(ConfigError, match=refused):
        Settings.from_env(environ)


VISIBILITY_S = 2.0
HEARTBEAT_S = 0.25
"""Far inside the visibility timeout: a SQLite write on this loaded machine can take 0.5 s."""
LOOKS = 3


class SlowPredictor(FakePredictor):
    """Takes three visibility timeouts over the first chunk; meanwhile, after each timeout,
    looks at what the rest of the system sees: whether the message can be received again and
    what the worker's beat records."""

    def __init__(self, look: Callable[[], None]) -> None:
        super().__init__()
        self.look = look

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        if self.calls == 0:
            for _ in range(LOOKS):
                time.sleep(VISIBILITY_S * 1.2)
                self.look()
        return super().predict_proba(texts)


@pytest.mark.slow
def test_a_job_that_outlasts_the_visibility_timeout_is_never_delivered_twice(
    tmp_path: Path,
) -> None:
    backend = make_backend(
        tmp_path,
        visibility_timeout_s=VISIBILITY_S,
        heartbeat_s=HEARTBEAT_S,
        worker_stale_s=2 * HEARTBEAT_S,
        chunk_rows=64,
    )
    source = comments_csv(tmp_path / "in.csv", [f"good {n}" for n in range(100)])
    request_id = service.submit(backend, source, "comment").request_id
    second_deliveries = []
    beats = []

    def look() -> None:
        second_deliveries.append(backend.queue.receive())
        beats.extend(backend.repository.workers.all())

    worker = Worker(backend, lambda _ref: SlowPredictor(look), "w1")
    assert worker.run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.attempts, job.rows_done) == (JobStatus.SUCCEEDED, 1, 100)
    assert second_deliveries == [None] * LOOKS
    assert [(beat.worker_id, beat.current_job) for beat in beats] == [("w1", request_id)] * LOOKS
    (receipt,) = {beat.receipt for beat in beats}
    assert receipt  # the delivery's receipt, for the master to hand back if w1 died
    assert backend.repository.workers.all() == []
