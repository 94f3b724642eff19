"""On SQS too (moto's), a running job whose message is gone (the queue purged, or the database
restored from a backup) gets a new one from the master once the window has passed, and
resumes from its committed rows, each row once; a job whose message waits in the queue is
never sent a second one. SQS cannot list the messages in flight: only the workers' beats,
the job's own times and the queue's count of visible messages are read."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.aws import ensure_queues
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.master import Master, ScalingLimits
from pipeline.service import unsent
from pipeline.worker import Worker

LIMITS = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
COMMENTS = [f"comment {n} was {'good' if n % 2 else 'bad'}" for n in range(10)]


class Killed(BaseException):
    """Stands in for kill -9."""


@pytest.fixture
def backend(sqs: Any, tmp_path: Path) -> Backend:
    url, dead_letter_url = ensure_queues(sqs, "jobs", "jobs-dlq", 60, 10)
    queue = SQSJobQueue(sqs, url, dead_letter_url, visibility_timeout_s=60)
    return dataclasses.replace(make_backend(tmp_path), queue=queue)


def past_the_window(backend: Backend) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=unsent.stranded_after_s(backend.settings) + 5)


def test_a_running_job_whose_sqs_message_is_gone_resumes(
    backend: Backend, sqs: Any, tmp_path: Path
) -> None:
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id

    def die(_rows: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        Worker(backend, lambda _ref: FakePredictor(), "w0", on_rows=die).run(burst=True)
    assert backend.repository.jobs.get(request_id).rows_done == 4
    url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)  # the message in flight is gone
    report = Master(backend, FakeFleet(), LIMITS, calendar=lambda: past_the_window(backend)).tick()
    assert report.stranded_jobs == (request_id,) and report.observed.backlog == 1
    Worker(backend, lambda _ref: FakePredictor(), "w1").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED
    rows = [
        row.row_index for batch in backend.repository.results.batches(request_id) for row in batch
    ]
    assert rows == list(range(len(COMMENTS)))


def test_a_job_whose_sqs_message_waits_is_not_sent_another(
    backend: Backend, tmp_path: Path
) -> None:
    source = comments_csv(tmp_path / "c.csv", COMMENTS)
    service.submit(backend, source, "comment")
    master = Master(backend, FakeFleet(), LIMITS, calendar=lambda: past_the_window(backend))
    assert master.tick().stranded_jobs == ()
    assert backend.queue.depth().visible == 1
