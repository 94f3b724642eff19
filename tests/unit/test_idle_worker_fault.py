"""An idle worker survives a fault of the service's storage: a beat or a receive that fails
(a connection cut for an instant, a database down for a while) is logged once, and the worker
rests a beat and tries again. It used to exit, and the master started a replacement that
loaded its model from scratch (hunt 3)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.db import JobStatus
from pipeline.errors import DatabaseUnavailableError, QueueUnavailableError
from pipeline.ports import QueueMessage
from pipeline.worker import Worker


def test_an_idle_worker_outlives_failed_beats_and_receives_then_takes_the_job(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backend = make_backend(tmp_path, heartbeat_s=0.01)
    worker = Worker(backend, lambda _ref: FakePredictor(), "w1")
    beat, receive, handle = backend.repository.workers.beat, backend.queue.receive, worker.handle
    faults: list[Exception] = [
        DatabaseUnavailableError("the database cannot be reached; try again later"),
        DatabaseUnavailableError("the database cannot be reached; try again later"),
        QueueUnavailableError("the job queue cannot be reached"),
    ]

    def beating(*args: Any, **kwargs: Any) -> None:
        if len(faults) > 1:
            raise faults.pop(0)
        beat(*args, **kwargs)

    def receiving(wait_s: float = 0.0) -> QueueMessage | None:
        if faults:
            raise faults.pop(0)
        return receive(wait_s)

    def handling(message: QueueMessage) -> None:
        handle(message)
        worker.request_stop()

    backend.repository.workers.beat = beating
    backend.queue.receive = receiving
    worker.handle = handling  # type: ignore[method-assign]
    request_id = service.submit(
        backend, comments_csv(tmp_path / "in.csv", ["good", "bad"]), "comment"
    ).request_id

    with caplog.at_level(logging.INFO, logger="pipeline.worker"):
        assert worker.run() == 1

    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    failed = [record for record in caplog.records if "storage failed" in record.message]
    assert len(failed) == 2, "logged once per fault, not at every try"
    assert any("answers again" in record.message for record in caplog.records)
