"""On S3, through a presigned URL as a client uses it: an upload key starts one job, whatever
is PUT to its URL (valid until it expires) after the submit, and the name sent with the key is
only the job's label. Against moto_server over HTTP."""

from __future__ import annotations

import httpx
import pytest

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.errors import InputError
from pipeline.service.views import UploadTicket

REGION = "us-east-1"
OWNER = "apigw:alice"
VALIDATED = b"course,comment\nC1,great\nC2,bad\n"
LATER = b"course,comment\nEVIL,injected wonderful comment\n"


@pytest.fixture
def backend(upload_backend: Backend) -> Backend:
    return upload_backend


def post_form(ticket: UploadTicket, content: bytes) -> int:
    """The upload form as a client sends it: its fields, then the file as ``file``."""
    files = {"file": ("upload.csv", content)}
    return httpx.post(ticket.upload_url, data=ticket.fields, files=files).status_code


def put_upload(backend: Backend, content: bytes) -> str:
    ticket = service.request_upload(backend, OWNER)
    assert post_form(ticket, content) == 204
    return ticket.upload_key


@pytest.mark.parametrize("fresh", [False, True])
def test_a_put_after_the_submit_does_not_make_the_key_submittable_again(
    backend: Backend, fresh: bool
) -> None:
    ticket = service.request_upload(backend, OWNER)
    assert post_form(ticket, VALIDATED) == 204
    first = service.submit_stored(backend, ticket.upload_key, "comment", owner=OWNER)

    assert post_form(ticket, LATER) == 204  # the form leaked
    with pytest.raises(InputError, match=rf"submitted already \(job {first.request_id}\)"):
        service.submit_stored(backend, ticket.upload_key, "comment", owner=OWNER, fresh=fresh)

    (job,) = backend.repository.jobs.list_for(OWNER)
    assert backend.store.get_bytes(job.input_key) == VALIDATED
    assert backend.queue.depth().total == 1


def test_a_long_non_ascii_file_name_is_only_the_jobs_label(backend: Backend) -> None:
    name = "课程评价" * 30 + ".csv"  # 363 bytes: no file system takes it as a name
    key = put_upload(backend, VALIDATED)
    submitted = service.submit_stored(backend, key, "comment", owner=OWNER, filename=name)
    job = backend.repository.jobs.get(submitted.request_id)
    assert (job.input_name, job.input_format, job.rows_total) == (name, "csv", 2)
