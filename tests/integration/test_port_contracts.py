"""One suite of JobQueue and ObjectStore behaviours, run against every adapter of each port.

The service, worker and master only see the ports, so the embedded and the AWS adapters must
behave alike. To cover a new adapter, add a factory to QUEUE_ADAPTERS or STORE_ADAPTERS: a
context manager that takes a scratch folder and yields a ready adapter (queues come in a
QueueHarness that also knows how to let a visibility timeout pass: a fake clock or a sleep).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from pipeline.adapters.aws import ensure_bucket, ensure_queues
from pipeline.adapters.local_store import LocalObjectStore
from pipeline.adapters.s3_store import MIB, S3ObjectStore
from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.errors import ConfigError, Conflict, NotFoundError, ReceiptExpired
from pipeline.ports import JobQueue, ObjectStore

VISIBILITY_S = 1.0
MAX_RECEIVES = 2
REGION = "us-east-1"


@dataclass
class QueueHarness:
    queue: JobQueue
    let_visibility_lapse: Callable[[], None]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def _moto() -> Iterator[None]:
    """moto in-process, with fake credentials and no endpoint override that would bypass it."""
    fake = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with mock.patch.dict(os.environ, fake):
        os.environ.pop("AWS_ENDPOINT_URL", None)
        with mock_aws():
            yield


@contextmanager
def sqs_queue(scratch: Path) -> Iterator[QueueHarness]:
    with _moto():
        sqs = boto3.client("sqs", region_name=REGION)
        url, dead = ensure_queues(sqs, "contract", "contract-dlq", VISIBILITY_S, MAX_RECEIVES)
        queue = SQSJobQueue(sqs, url, dead, visibility_timeout_s=VISIBILITY_S)
        yield QueueHarness(queue, lambda: time.sleep(VISIBILITY_S + 0.3))


@contextmanager
def sqlite_queue(scratch: Path) -> Iterator[QueueHarness]:
    clock = FakeClock()
    queue = SqliteJobQueue(
        scratch / "queue.db",
        visibility_timeout_s=VISIBILITY_S,
        max_receives=MAX_RECEIVES,
        clock=clock,
        sleep=clock.advance,
    )
    yield QueueHarness(queue, lambda: clock.advance(VISIBILITY_S + 0.3))


@contextmanager
def s3_store(scratch: Path) -> Iterator[ObjectStore]:
    with _moto():
        s3 = boto3.client("s3", region_name=REGION)
        ensure_bucket(s3, "contract-bucket")
        yield S3ObjectStore(
            s3, "contract-bucket", multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB
        )


@contextmanager
def local_store(scratch: Path) -> Iterator[ObjectStore]:
    yield LocalObjectStore(scratch / "objects")


QUEUE_ADAPTERS: dict[str, Callable[[Path], AbstractContextManager[QueueHarness]]] = {
    "sqs": sqs_queue,
    "sqlite": sqlite_queue,
}
STORE_ADAPTERS: dict[str, Callable[[Path], AbstractContextManager[ObjectStore]]] = {
    "s3": s3_store,
    "local": local_store,
}


@pytest.fixture(params=sorted(QUEUE_ADAPTERS))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueHarness]:
    with QUEUE_ADAPTERS[request.param](tmp_path) as ready:
        yield ready


@pytest.fixture(params=sorted(STORE_ADAPTERS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    with STORE_ADAPTERS[request.param](tmp_path) as ready:
        yield ready


# Queue behaviours


def test_a_sent_body_is_received_once_and_delete_ends_it(harness: QueueHarness) -> None:
    queue = harness.queue
    body = {"request_id": "r1", "columns": ["text", "course"], "note": "café ✓", "n": 3.5}
    message_id = queue.send(body)

    message = queue.receive()
    assert message is not None
    assert (message.message_id, dict(message.body), message.receive_count) == (message_id, body, 1)
    assert queue.receive() is None

    queue.delete(message.receipt)
    harness.let_visibility_lapse()
    assert queue.receive() is None
    assert queue.depth().total == 0


def test_an_empty_queue_gives_nothing_even_after_waiting(harness: QueueHarness) -> None:
    assert harness.queue.receive() is None
    assert harness.queue.receive(wait_s=0.5) is None


def test_a_received_message_is_redelivered_after_the_visibility_timeout(
    harness: QueueHarness,
) -> None:
    queue = harness.queue
    queue.send({"request_id": "r1"})
    first = queue.receive()
    assert first is not None
    assert queue.receive() is None

    harness.let_visibility_lapse()

    again = queue.receive()
    assert again is not None
    assert (again.message_id, again.receive_count) == (first.message_id, 2)
    assert again.receipt != first.receipt


def test_extend_keeps_the_message_hidden(harness: QueueHarness) -> None:
    queue = harness.queue
    queue.send({"request_id": "r1"})
    message = queue.receive()
    assert message is not None

    queue.extend(message.receipt, VISIBILITY_S * 10)
    harness.let_visibility_lapse()

    assert queue.receive() is None
    assert queue.depth().in_flight == 1


def test_release_makes_the_message_visible_at_once(harness: QueueHarness) -> None:
    queue = harness.queue
    queue.send({"request_id": "r1"})
    message = queue.receive()
    assert message is not None

    queue.release(message.receipt)

    again = queue.receive()
    assert again is not None and again.message_id == message.message_id


def test_after_max_receives_the_message_lands_in_dead_letters(harness: QueueHarness) -> None:
    queue = harness.queue
    message_id = queue.send({"request_id": "poison"})
    for _ in range(MAX_RECEIVES):
        message = queue.receive()
        assert message is not None
        harness.let_visibility_lapse()

    assert queue.receive() is None
    dead = queue.dead_letters()
    assert [(d.message_id, dict(d.body)) for d in dead] == [(message_id, {"request_id": "poison"})]
    assert dead[0].receive_count >= MAX_RECEIVES
    assert queue.depth().total == 0

    queue.delete_dead_letter(dead[0].receipt)
    assert queue.dead_letters() == []


def test_depth_counts_visible_and_in_flight(harness: QueueHarness) -> None:
    queue = harness.queue
    for index in range(3):
        queue.send({"n": index})
    assert queue.receive() is not None

    depth = queue.depth()
    assert (depth.visible, depth.in_flight, depth.total) == (2, 1, 3)


def test_a_deleted_message_cannot_be_extended(harness: QueueHarness) -> None:
    queue = harness.queue
    queue.send({"request_id": "r1"})
    message = queue.receive()
    assert message is not None
    queue.delete(message.receipt)

    with pytest.raises(ReceiptExpired):
        queue.extend(message.receipt, VISIBILITY_S * 10)


# Object store behaviours


def test_bytes_round_trip(store: ObjectStore) -> None:
    store.put_bytes("results/r1.csv", b"text,label\nfine,positive\n", content_type="text/csv")

    assert store.get_bytes("results/r1.csv") == b"text,label\nfine,positive\n"
    assert store.size("results/r1.csv") == 25
    assert store.exists("results/r1.csv")


def test_a_large_file_round_trip(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "upload.csv"
    payload = os.urandom(6 * MIB + 17)
    source.write_bytes(payload)

    store.put_file("uploads/r1/input.csv", source)
    copy = store.get_file("uploads/r1/input.csv", tmp_path / "fetched" / "input.csv")

    assert copy == tmp_path / "fetched" / "input.csv"
    assert copy.read_bytes() == payload
    assert store.size("uploads/r1/input.csv") == len(payload)


def test_writing_a_key_again_replaces_the_object(store: ObjectStore) -> None:
    store.put_bytes("k/v", b"first version")
    store.put_bytes("k/v", b"second")
    assert store.get_bytes("k/v") == b"second"
    assert store.size("k/v") == 6


def test_a_version_names_the_content_a_key_holds(store: ObjectStore, tmp_path: Path) -> None:
    """What ``stat`` reads (size, version) is what a read or copy given that version gets;
    once the key holds other content, both refuse the old version and write nothing."""
    store.put_bytes("uploads/u/upload", b"validated rows\n")
    seen = store.stat("uploads/u/upload")
    assert seen.size == 15 and seen.version == store.stat("uploads/u/upload").version

    read = store.get_file("uploads/u/upload", tmp_path / "read.csv", seen.version)
    assert read.read_bytes() == b"validated rows\n"
    store.copy("uploads/u/upload", "uploads/job/input.csv", seen.version)
    assert store.get_bytes("uploads/job/input.csv") == b"validated rows\n"
    store.copy("uploads/u/upload", "uploads/job/unconditional.csv")
    assert store.get_bytes("uploads/job/unconditional.csv") == b"validated rows\n"

    store.put_bytes("uploads/u/upload", b"other rows, put there later\n")
    assert store.stat("uploads/u/upload").version != seen.version
    with pytest.raises(Conflict):
        store.get_file("uploads/u/upload", tmp_path / "again.csv", seen.version)
    assert store.get_bytes("uploads/job/input.csv") == b"validated rows\n"
    with pytest.raises(NotFoundError):
        store.stat("uploads/u/missing")
    with pytest.raises(NotFoundError):
        store.copy("uploads/u/missing", "uploads/job/none.csv")
    assert not store.exists("uploads/job/none.csv")


def test_delete_removes_and_tolerates_a_missing_key(store: ObjectStore) -> None:
    store.put_bytes("k/v", b"x")
    store.delete("k/v")
    store.delete("k/v")
    assert not store.exists("k/v")


def test_a_missing_key_is_not_found(store: ObjectStore, tmp_path: Path) -> None:
    assert not store.exists("missing/key")
    with pytest.raises(NotFoundError):
        store.size("missing/key")
    with pytest.raises(NotFoundError):
        store.get_bytes("missing/key")
    with pytest.raises(NotFoundError):
        store.get_file("missing/key", tmp_path / "out")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "a/../../b", "a\\b"])
def test_keys_that_could_escape_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(ConfigError, match="invalid object key"):
        store.put_bytes(key, b"x")
