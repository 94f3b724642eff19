"""The errors of the S3 object store and the SQS queue name no bucket, ``s3://`` address,
queue URL, endpoint or local path: they reach clients, in an API answer or a job's error
(``pipeline.model_fault.service_note``), and ``pipeline.faults`` keeps such details from
them. What they leave out is in the log.

Before, every S3 error named ``s3://bucket/key`` and quoted AWS's message, which for an
``AccessDenied`` names the resource's ARN; a managed upload that S3 refused raised boto3's own
error naming the bucket and the server's temporary file, and a read timeout the endpoint's
URL, both as crashes of the job rather than faults of the moment; SQS's errors quoted AWS's
message with the queue's ARN."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from jobfakes import FakePredictor, comments_csv, make_backend
from moto import mock_aws

from pipeline import service
from pipeline.adapters.s3_store import S3ObjectStore
from pipeline.adapters.sqs_queue import SQSJobQueue
from pipeline.db import JobStatus
from pipeline.errors import PipelineError, QueueUnavailableError, StoreUnavailableError
from pipeline.model_fault import SERVICE_PREFIX
from pipeline.worker import Worker

BUCKET = "private-bucket-7f3a"
QUEUE = "private-queue-7f3a"
QUEUE_URL = f"https://sqs.eu-west-1.amazonaws.com/123456789012/{QUEUE}"
KEY = "uploads/job-1/input.csv"
PRIVATE = (BUCKET, QUEUE, "s3://", "arn:", "https://", "123456789012", "amazonaws")


def refused(code: str, status: int, resource: str) -> ClientError:
    """AWS's answer as it comes: its message names the resource's ARN."""
    message = f"User: arn:aws:iam::123456789012:user/w is not authorized on {resource}"
    response = {"Error": {"Code": code, "Message": message}}
    return ClientError({**response, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


class Failing:
    """A boto3 client whose every call raises ``error`` (its paginators too)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*_args: Any, **_kwargs: Any) -> Any:
            raise self.error

        return call


def s3_calls(store: S3ObjectStore, tmp_path: Path) -> dict[str, Callable[[], object]]:
    source = tmp_path / "results.csv"
    source.write_text("a\n")
    return {
        "put_file": lambda: store.put_file(KEY, source),
        "put_bytes": lambda: store.put_bytes(KEY, b"a"),
        "get_file": lambda: store.get_file(KEY, tmp_path / "in.csv"),
        "get_file of a version": lambda: store.get_file(KEY, tmp_path / "in.csv", '"etag"'),
        "get_bytes": lambda: store.get_bytes(KEY),
        "stat": lambda: store.stat(KEY),
        "copy": lambda: store.copy(KEY, "uploads/job-2/input.csv"),
        "delete": lambda: store.delete(KEY),
        "delete_under": lambda: store.delete_under("uploads/job-1"),
    }


def told(error: BaseException | str) -> str:
    text = str(error)
    assert not [word for word in PRIVATE if word in text], text
    return text


ARN = f"arn:aws:s3:::{BUCKET}/{KEY}"
S3_FAULTS = {
    "refused": (refused("AccessDenied", 403, ARN), PipelineError),
    "throttled": (refused("SlowDown", 503, ARN), StoreUnavailableError),
    "unreachable": (
        EndpointConnectionError(endpoint_url=f"https://{BUCKET}.s3.amazonaws.com/{KEY}"),
        StoreUnavailableError,
    ),
    "timed out": (
        ReadTimeoutError(endpoint_url=f"https://{BUCKET}.s3.amazonaws.com/{KEY}"),
        StoreUnavailableError,
    ),
}


@pytest.mark.parametrize("fault", sorted(S3_FAULTS))
def test_no_s3_error_names_the_bucket_and_the_log_does(
    fault: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    error, kind = S3_FAULTS[fault]
    store = S3ObjectStore(Failing(error), BUCKET)
    for name, call in s3_calls(store, tmp_path).items():
        caplog.clear()
        with caplog.at_level(logging.WARNING), pytest.raises(PipelineError) as caught:
            call()
        assert type(caught.value) is kind, (name, caught.value)
        text = told(caught.value)
        assert "uploads/job-1" in text, (name, text)
        if kind is PipelineError:
            assert "(AccessDenied)" in text, text
        assert f"s3://{BUCKET}/uploads/job-1" in caplog.text, (name, caplog.text)


class Uploads(Failing):
    """A client whose managed upload is refused as boto3 tells it: S3UploadFailedError, its
    message naming the bucket and the local file, S3's error as its context."""

    def upload_file(self, filename: str, bucket: str, key: str, **_options: Any) -> None:
        try:
            raise self.error
        except ClientError as exc:
            failed = f"Failed to upload {filename} to {bucket}/{key}: {exc}"
            raise S3UploadFailedError(failed)  # noqa: B904 - as boto3 raises it


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (refused("AccessDenied", 403, ARN), PipelineError),
        (refused("SlowDown", 503, ARN), StoreUnavailableError),
    ],
)
def test_a_refused_upload_is_told_as_s3s_error_naming_no_bucket_or_file(
    error: ClientError, kind: type[PipelineError], tmp_path: Path
) -> None:
    store = S3ObjectStore(Uploads(error), BUCKET)
    source = tmp_path / "spooled-results.csv"
    source.write_text("a\n")
    with pytest.raises(PipelineError) as caught:
        store.put_file(KEY, source)
    assert type(caught.value) is kind
    assert str(tmp_path) not in told(caught.value)


def test_an_upload_to_a_missing_bucket_names_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    source = tmp_path / "spooled-results.csv"
    source.write_text("a\n")
    with mock_aws():
        import boto3

        store = S3ObjectStore(boto3.client("s3", region_name="us-east-1"), BUCKET)
        with pytest.raises(PipelineError) as caught:
            store.put_file(KEY, source)
    assert "(NoSuchBucket)" in told(caught.value)
    assert str(tmp_path) not in str(caught.value)


class Body:
    """A GET's body that breaks off after its first block."""

    def iter_chunks(self, _size: int) -> Iterator[bytes]:
        from botocore.exceptions import IncompleteReadError

        yield b"course,comment\n"
        raise IncompleteReadError(actual_bytes=15, expected_bytes=900)


class BreaksOff(Failing):
    def get_object(self, **_params: Any) -> dict[str, Any]:
        return {"Body": Body()}


def test_a_download_cut_off_names_no_bucket(tmp_path: Path) -> None:
    store = S3ObjectStore(BreaksOff(RuntimeError("unused")), BUCKET)
    with pytest.raises(StoreUnavailableError) as caught:
        store.get_file(KEY, tmp_path / "in.csv", '"etag"')
    assert "broke off" in told(caught.value)


class PartlyDeleting(Failing):
    def get_paginator(self, _name: str) -> Any:
        class Pages:
            def paginate(self, **_params: Any) -> list[dict[str, Any]]:
                return [{"Contents": [{"Key": KEY}]}]

        return Pages()

    def delete_objects(self, **_params: Any) -> dict[str, Any]:
        return {"Errors": [{"Key": KEY, "Code": "AccessDenied", "Message": f"on {ARN}"}]}


def test_objects_s3_would_not_delete_are_named_by_key_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = S3ObjectStore(PartlyDeleting(RuntimeError("unused")), BUCKET)
    with caplog.at_level(logging.WARNING), pytest.raises(PipelineError) as caught:
        store.delete_under("uploads/job-1")
    assert KEY in told(caught.value) and "(AccessDenied)" in str(caught.value)
    assert ARN in caplog.text


SQS_FAULTS = {
    "refused": (refused("AccessDenied", 403, f"arn:aws:sqs:eu-west-1:123456789012:{QUEUE}"),
                PipelineError),
    "throttled": (refused("ThrottlingException", 400, QUEUE_URL), QueueUnavailableError),
    "unreachable": (EndpointConnectionError(endpoint_url=QUEUE_URL), QueueUnavailableError),
    "timed out": (ReadTimeoutError(endpoint_url=QUEUE_URL), QueueUnavailableError),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(SQS_FAULTS))
def test_no_sqs_error_names_the_queue_and_the_log_does(
    fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    error, kind = SQS_FAULTS[fault]
    queue = SQSJobQueue(Failing(error), QUEUE_URL, f"{QUEUE_URL}-dead", 60)
    calls: dict[str, Callable[[], object]] = {
        "send": lambda: queue.send({"request_id": "job-1"}),
        "receive": lambda: queue.receive(),
        "extend": lambda: queue.extend("receipt", 30),
        "release": lambda: queue.release("receipt"),
        "delete": lambda: queue.delete("receipt"),
        "depth": lambda: queue.depth(),
        "dead_letters": lambda: queue.dead_letters(),
        "delete_dead_letter": lambda: queue.delete_dead_letter("receipt"),
    }
    for name, call in calls.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING), pytest.raises(PipelineError) as caught:
            call()
        assert type(caught.value) is kind, (name, caught.value)
        told(caught.value)
        assert QUEUE_URL in caplog.text, (name, caplog.text)


def test_a_job_waiting_for_s3_says_so_naming_no_bucket(tmp_path: Path) -> None:
    """The job's error every client reads while S3 throttles its worker."""
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["good course", "bad labs"])
    request_id = service.submit(backend, source, "comment").request_id
    failing = S3ObjectStore(Failing(refused("SlowDown", 503, ARN)), BUCKET)
    throttled = dataclasses.replace(backend, store=failing)

    Worker(throttled, lambda _ref: FakePredictor(), "w").run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert job.status == JobStatus.RUNNING, "waiting, not failed"
    assert (job.error or "").startswith(SERVICE_PREFIX)
    assert "StoreUnavailableError" in told(job.error or "")
