"""An upload URL stays writable until it expires, also after its file was submitted: nothing
put there then reaches a job. The job labels the bytes that were validated, copied to a key of
its own, and a file replaced while it is being submitted is refused, not half-submitted.
Against moto_server over HTTP, the URL used as a client uses it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest
from jobfakes import FakePredictor

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import Conflict
from pipeline.service.views import UploadTicket
from pipeline.worker import Worker

REGION = "us-east-1"
OWNER = "apigw:alice"
VALIDATED = b"course,comment\nC1,great course\nC2,awful\n"
SWAPPED = b"course,comment\n" + b"".join(
    f"EVIL{i % 5},injected comment number {i} is wonderful\n".encode() for i in range(300)
)
NO_COMMENT_COLUMN = b"course,note\nC1,x\n"


@pytest.fixture
def backend(upload_backend: Backend) -> Backend:
    return upload_backend


def post_form(ticket: UploadTicket, content: bytes) -> int:
    """The upload form as a client sends it: its fields, then the file as ``file``."""
    files = {"file": ("upload.csv", content)}
    return httpx.post(ticket.upload_url, data=ticket.fields, files=files).status_code


def labelled_comments(backend: Backend, request_id: str) -> list[str]:
    raw = backend.store.get_bytes(f"results/{request_id}/results.csv").decode("utf-8")
    return [row["comment"] for row in csv.DictReader(io.StringIO(raw))]


@pytest.mark.parametrize("later", [SWAPPED, NO_COMMENT_COLUMN], ids=["other rows", "unreadable"])
def test_a_put_to_the_upload_url_after_the_submit_changes_nothing_the_job_labels(
    backend: Backend, later: bytes
) -> None:
    ticket = service.request_upload(backend, OWNER)
    assert post_form(ticket, VALIDATED) == 204
    submitted = service.submit_stored(
        backend, ticket.upload_key, "comment", ["course"], owner=OWNER, filename="x.csv"
    )

    # whoever holds the URL (it leaked: proxies, logs, shell history) writes to it again
    assert post_form(ticket, later) == 204
    Worker(backend, lambda _ref: FakePredictor(), "w1").run(burst=True)

    job = backend.repository.jobs.get(submitted.request_id)
    assert (job.status, job.rows_done, job.rows_total) == (JobStatus.SUCCEEDED, 2, 2), job.error
    assert labelled_comments(backend, job.request_id) == ["great course", "awful"]
    assert job.input_key == f"uploads/{job.request_id}/input.csv"  # the job's own copy
    assert backend.store.get_bytes(job.input_key) == VALIDATED
    assert backend.store.get_bytes(ticket.upload_key) == later  # where the URL writes


def test_an_upload_replaced_while_it_is_submitted_is_refused_and_nothing_is_queued(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replaced after its size was checked and before it is read: the read asks for the
    version whose size was checked (If-Match), so the submit fails and queues nothing."""
    ticket = service.request_upload(backend, OWNER)
    assert post_form(ticket, VALIDATED) == 204
    read = backend.store.get_file

    def replaced_first(key: str, destination: Path, version: str | None = None) -> Path:
        assert post_form(ticket, SWAPPED) == 204
        return read(key, destination, version)

    monkeypatch.setattr(backend.store, "get_file", replaced_first)
    with pytest.raises(Conflict, match="replaced or deleted while it was being submitted"):
        service.submit_stored(backend, ticket.upload_key, "comment", owner=OWNER)
    assert backend.repository.jobs.list_for(OWNER) == []
    assert backend.queue.depth().total == 0
