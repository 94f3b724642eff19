"""An upload URL holds its file to the API's size limit at S3 itself. It used to be a
presigned PUT, which signs no size: its holder could store up to 5 GB under the key, whatever
``max_upload_bytes`` said. It is now a presigned POST whose signed policy names the exact key
and ``content-length-range`` 1 to the limit, which S3 enforces (EntityTooLarge).

moto_server (5.x) checks no POST policy, neither the size nor the key, so the policy the
form carries is asserted here as S3 reads it; a file over the limit that the emulator stores
anyway is still refused, and deleted, by the submit. Against moto_server over HTTP, the form
used as the product's own client uses it."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpfakes import serving_app
from jobfakes import FakePredictor

from pipeline import client as client_module
from pipeline import service
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.client import PipelineClient
from pipeline.db import JobStatus
from pipeline.errors import LimitExceededError
from pipeline.service.views import UploadTicket
from pipeline.worker import Worker

OWNER = "apigw:alice"
LIMIT = 2_000
WITHIN = b"course,comment\nC1,great course\nC2,awful labs\n"
OVER = b"course,comment\n" + b"C1,a long comment that is fine\n" * 100  # 3,115 bytes


@pytest.fixture
def backend(upload_backend: Backend) -> Backend:
    """The AWS backend with a small upload limit and no API keys."""
    settings = dataclasses.replace(upload_backend.settings, max_upload_bytes=LIMIT, auth="none")
    return dataclasses.replace(upload_backend, settings=settings)


def policy_of(ticket: UploadTicket) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(ticket.fields["policy"])))


def post_form(ticket: UploadTicket, content: bytes) -> httpx.Response:
    """As a browser or curl sends the form: its fields, then the file as ``file``."""
    assert ticket.method == "POST"
    return httpx.post(
        ticket.upload_url, data=ticket.fields, files={"file": ("comments.csv", content)}
    )


def test_the_upload_form_signs_the_size_limit_and_the_exact_key(backend: Backend) -> None:
    ticket = service.request_upload(backend, OWNER)

    conditions = policy_of(ticket)["conditions"]
    assert ["content-length-range", 1, LIMIT] in conditions
    assert {"key": ticket.upload_key} in conditions
    assert {"bucket": backend.settings.bucket} in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0] == "starts-with"]
    assert ticket.fields["key"] == ticket.upload_key
    assert (ticket.max_bytes, ticket.to_dict()["fields"]) == (LIMIT, ticket.fields)


def test_a_file_within_the_limit_goes_through_the_form_and_its_job_completes(
    backend: Backend,
) -> None:
    ticket = service.request_upload(backend, OWNER)
    assert post_form(ticket, WITHIN).is_success

    submitted = service.submit_stored(backend, ticket.upload_key, "comment", owner=OWNER)

    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    job = backend.repository.jobs.get(submitted.request_id)
    assert (job.status, job.rows_done) == (JobStatus.SUCCEEDED, 2), job.error


def test_a_file_over_the_limit_through_the_form_never_becomes_a_job(backend: Backend) -> None:
    ticket = service.request_upload(backend, OWNER)
    answer = post_form(ticket, OVER)

    if answer.is_success:  # the emulator stored it; S3 answers 400 EntityTooLarge instead
        with pytest.raises(LimitExceededError, match=f"3,115 bytes, over the limit of {LIMIT:,}"):
            service.submit_stored(backend, ticket.upload_key, "comment", owner=OWNER)
    else:
        assert "EntityTooLarge" in answer.text
    assert not backend.store.exists(ticket.upload_key)
    assert backend.queue.depth().total == 0


@pytest.fixture
def api(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real API on uvicorn over ``backend``; the client sends any file of over 16 bytes
    through an upload URL."""
    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 16)
    with serving_app(create_app(backend)) as url:
        yield url


def test_the_client_uploads_through_the_form_and_the_job_completes(
    backend: Backend, api: str
) -> None:
    with PipelineClient(api) as client:
        submitted = client.submit(WITHIN, "comments.csv", "comment")
        Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
        status = client.status(submitted.request_id)

    assert (status.status, status.rows_done) == ("succeeded", 2)


def test_the_client_refuses_a_file_over_the_limit_before_sending_it(
    backend: Backend, api: str
) -> None:
    with PipelineClient(api) as client, pytest.raises(LimitExceededError) as refused:
        client.submit(OVER, "comments.csv", "comment")

    assert f"3,115 bytes, over the limit of {LIMIT:,} bytes" in str(refused.value)
    assert backend.store.delete_under("uploads") == 0
    assert backend.queue.depth().total == 0
