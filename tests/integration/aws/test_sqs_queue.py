"""SQSJobQueue against moto, which honours visibility timeouts and redrive policies; and the
worker on it: the redrive's receive count never fails a job that progresses, a job that
crashes twice on one chunk is failed by the worker with the rows named."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.aws import build_aws_queue, ensure_queues
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import ConfigError, ReceiptExpired
from pipeline.settings import Settings
from pipeline.worker import Worker

MAX_RECEIVES = 2
VISIBILITY_S = 1
PAST_VISIBILITY_S = 1.3


@pytest.fixture
def queue(sqs: Any) -> SQSJobQueue:
    url, dead_letter_url = ensure_queues(sqs, "jobs", "jobs-dlq", VISIBILITY_S, MAX_RECEIVES)
    return SQSJobQueue(sqs, url, dead_letter_url, visibility_timeout_s=VISIBILITY_S)


def test_send_receive_delete(queue: SQSJobQueue) -> None:
    message_id = queue.send({"request_id": "r1", "attempt": 1})

    message = queue.receive()
    assert message is not None
    assert (message.message_id, dict(message.body), message.receive_count) == (
        message_id,
        {"request_id": "r1", "attempt": 1},
        1,
    )
    queue.delete(message.receipt)
    assert queue.depth().total == 0


def test_received_message_reappears_after_the_visibility_timeout(queue: SQSJobQueue) -> None:
    queue.send({"request_id": "r1"})
    first = queue.receive()
    assert first is not None
    assert queue.receive() is None

    time.sleep(PAST_VISIBILITY_S)

    again = queue.receive()
    assert again is not None
    assert again.message_id == first.message_id
    assert again.receive_count == 2
    assert again.receipt != first.receipt


def test_extend_keeps_it_hidden_and_release_shows_it_at_once(queue: SQSJobQueue) -> None:
    queue.send({"request_id": "r1"})
    message = queue.receive()
    assert message is not None

    queue.extend(message.receipt, 10)
    time.sleep(PAST_VISIBILITY_S)
    assert queue.receive() is None

    queue.release(message.receipt)
    again = queue.receive()
    assert again is not None and again.message_id == message.message_id


def test_after_max_receives_the_message_is_a_dead_letter(queue: SQSJobQueue, sqs: Any) -> None:
    message_id = queue.send({"request_id": "poison"})
    for _ in range(MAX_RECEIVES):
        message = queue.receive()
        assert message is not None
        queue.release(message.receipt)

    assert queue.receive() is None
    dead = queue.dead_letters()
    assert [(d.message_id, dict(d.body)) for d in dead] == [(message_id, {"request_id": "poison"})]
    assert dead[0].receive_count > MAX_RECEIVES

    queue.delete_dead_letter(dead[0].receipt)
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue.dead_letter_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_dead_letters_come_oldest_first_and_respect_the_limit(queue: SQSJobQueue) -> None:
    for index in range(3):
        queue.send({"n": index})
        time.sleep(0.01)
    for _ in range(MAX_RECEIVES):
        for _ in range(3):
            message = queue.receive()
            assert message is not None
            queue.release(message.receipt)
    assert queue.receive() is None

    assert [m.body["n"] for m in queue.dead_letters(limit=2)] == [0, 1]
    assert [m.body["n"] for m in queue.dead_letters(limit=10)] == [2]


def test_depth_counts_visible_and_in_flight(queue: SQSJobQueue) -> None:
    for index in range(3):
        queue.send({"n": index})
    assert queue.receive() is not None

    depth = queue.depth()
    assert (depth.visible, depth.in_flight, depth.total) == (2, 1, 3)


def test_a_receipt_of_a_deleted_message_cannot_extend_it(queue: SQSJobQueue) -> None:
    queue.send({"request_id": "r1"})
    message = queue.receive()
    assert message is not None
    queue.delete(message.receipt)

    with pytest.raises(ReceiptExpired):
        queue.extend(message.receipt, 30)


def test_waiting_on_an_empty_queue_returns_none(queue: SQSJobQueue) -> None:
    assert queue.receive(wait_s=0.5) is None


def test_a_body_that_is_not_a_json_object_is_handed_over_not_raised(
    queue: SQSJobQueue, sqs: Any
) -> None:
    sqs.send_message(QueueUrl=queue.queue_url, MessageBody="not json")
    message = queue.receive()
    assert message is not None
    assert message.body == {"undecodable_body": "not json"}


def test_visibility_is_sent_in_whole_seconds_rounded_up(sqs: Any) -> None:
    url, dead = ensure_queues(sqs, "jobs", "jobs-dlq", 30, MAX_RECEIVES)
    queue = SQSJobQueue(sqs, url, dead, visibility_timeout_s=0.2)
    assert queue.visibility_timeout_s == 1


def test_ensure_queues_is_idempotent_and_applies_new_settings(sqs: Any) -> None:
    first = ensure_queues(sqs, "jobs", "jobs-dlq", 300, 3)
    second = ensure_queues(sqs, "jobs", "jobs-dlq", 900, 5)

    assert first == second
    attributes = sqs.get_queue_attributes(QueueUrl=first[0], AttributeNames=["All"])["Attributes"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=first[1], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    assert attributes["VisibilityTimeout"] == "900"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dead_arn
    assert int(redrive["maxReceiveCount"]) == 5
    assert len(sqs.list_queues()["QueueUrls"]) == 2


def test_max_receives_below_one_is_refused(sqs: Any) -> None:
    with pytest.raises(ConfigError, match="MAX_RECEIVES"):
        ensure_queues(sqs, "jobs", "jobs-dlq", 30, 0)


def test_building_the_queue_before_init_names_the_fix(mocked_aws: None) -> None:
    settings = Settings(backend="aws", queue_name="never-created", aws_region="us-east-1")
    with pytest.raises(ConfigError, match="sentiment-pipeline init"):
        build_aws_queue(settings)


class Killed(BaseException):
    """Stands in for kill -9: nothing in the worker catches it, nothing is cleaned up."""


def sqs_backend(tmp_path: Path, queue: SQSJobQueue) -> Backend:
    """The embedded repository and store with the job queue on (moto's) SQS, whose redrive
    policy dead-letters a message on its third receive."""
    settings = {"visibility_timeout_s": VISIBILITY_S, "max_receives": MAX_RECEIVES}
    return dataclasses.replace(make_backend(tmp_path, **settings), queue=queue)


def test_a_job_killed_after_every_chunk_outlives_the_redrive_count(
    tmp_path: Path, queue: SQSJobQueue
) -> None:
    backend = sqs_backend(tmp_path, queue)
    comments = [f"good comment {n}" for n in range(10)]  # three chunks of 4
    source = comments_csv(tmp_path / "c.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id

    def killed(_rows: int) -> None:
        raise Killed

    kills = 0
    while not backend.repository.jobs.get(request_id).is_terminal:
        worker = Worker(backend, lambda _ref: FakePredictor(), f"w{kills}", on_rows=killed)
        try:
            worker.run(burst=True)
        except Killed:
            kills += 1
            time.sleep(PAST_VISIBILITY_S)  # the dead worker's message shows up again
    job = backend.repository.jobs.get(request_id)
    assert kills == 3 and job.attempts == 4  # four deliveries; SQS alone would stop at two
    assert (job.status, job.rows_done) == (JobStatus.SUCCEEDED, 10)
    texts = [row.text for batch in backend.repository.results.batches(request_id) for row in batch]
    assert texts == comments
    assert queue.dead_letters() == [] and queue.depth().total == 0


def test_a_job_crashing_twice_on_one_chunk_fails_with_the_rows_not_in_the_dlq(
    tmp_path: Path, queue: SQSJobQueue
) -> None:
    backend = sqs_backend(tmp_path, queue)
    comments = ["good", "bad", "fine", "good", "good", "poison pill", "bad", "good", "fine"]
    source = comments_csv(tmp_path / "c.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id

    class DiesOnPoison(FakePredictor):
        def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
            if "poison pill" in texts:
                raise Killed
            return super().predict_proba(texts)

    for name in ("w1", "w2"):
        with pytest.raises(Killed):
            Worker(backend, lambda _ref: DiesOnPoison(), name).run(burst=True)
        time.sleep(PAST_VISIBILITY_S)
    assert Worker(backend, lambda _ref: DiesOnPoison(), "w3").run(burst=True) >= 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.attempts, job.rows_done) == (JobStatus.FAILED, 2, 4)
    assert (job.error or "").startswith("the worker crashed twice on rows 5–8 without committing")
    assert queue.dead_letters() == [] and queue.depth().total == 0


def test_a_dead_lettered_job_names_the_queues_limit_however_often_it_was_read(
    tmp_path: Path, sqs: Any
) -> None:
    """SQS's ApproximateReceiveCount survives the redrive and grows with each read of the
    dead-letter queue, so the reason names the configured limit, as the SQLite queue's does."""
    url, dead_letter_url = ensure_queues(sqs, "jobs", "jobs-dlq", VISIBILITY_S, MAX_RECEIVES)
    queue = SQSJobQueue(
        sqs, url, dead_letter_url, visibility_timeout_s=VISIBILITY_S, dead_letter_hold_s=1
    )
    backend = sqs_backend(tmp_path, queue)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    request_id = service.submit(backend, source, "comment").request_id
    for _ in range(MAX_RECEIVES):  # deliveries that died before a worker could judge them
        message = queue.receive()
        assert message is not None
        queue.release(message.receipt)
    assert queue.receive() is None
    (letter,) = queue.dead_letters()  # a master that read it, then stopped before settling
    assert letter.receive_count > MAX_RECEIVES
    time.sleep(PAST_VISIBILITY_S)  # past the dead letter's hold: it shows up again
    assert service.settle_dead_letters(backend) == [request_id]
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.error) == (
        JobStatus.FAILED,
        f"gave up after the queue's limit of {MAX_RECEIVES} deliveries (PIPELINE_MAX_RECEIVES) "
        "before the job could finish",
    )
    assert queue.dead_letters() == []
