"""The client sends a large file through the upload form the API hands out (a presigned POST
whose policy holds the size to the API's limit): a multipart/form-data POST of the ticket's
fields, then the file, last, as ``file``, with a Content-Length (S3 takes no chunked form).
A file over the ticket's ``max_bytes`` is refused before any of it is sent, as the API
refuses it, not with the object store's own error."""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

import httpx
import pytest

from pipeline import client as client_module
from pipeline.client import PipelineClient
from pipeline.errors import LimitExceededError

STORE = "http://store.test/bucket"
FIELDS = {
    "key": "uploads/abc.0123456789abcdef/upload",
    "policy": "cG9saWN5",
    "x-amz-signature": "s",
}
CSV = b"course,comment\n" + b"C1,a good course\n" * 40


class Api:
    """The API's two answers and the object store's, recording what reached the store."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.stored: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "store.test":
            request.read()
            self.stored.append(request)
            return httpx.Response(204)
        if request.url.path == "/v1/uploads":
            ticket = {
                "upload_key": FIELDS["key"],
                "upload_url": STORE,
                "method": "POST",
                "fields": FIELDS,
                "expires_in_s": 900,
                "max_bytes": self.max_bytes,
            }
            return httpx.Response(201, json=ticket)
        return httpx.Response(202, json={"request_id": "r1", "status": "queued"})


@pytest.fixture(autouse=True)
def small_direct_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 16)


def form_parts(request: httpx.Request) -> list[tuple[str, bytes]]:
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.append((str(part.get_param("name", header="content-disposition")), payload))
    return parts


def test_a_large_file_goes_through_the_upload_form_fields_first_file_last(
    tmp_path: Path,
) -> None:
    api = Api(max_bytes=len(CSV))
    path = tmp_path / "comments.csv"
    path.write_bytes(CSV)
    transport = httpx.MockTransport(api)

    with PipelineClient("http://api.test", transport=transport) as client, path.open("rb") as f:
        assert client.submit(f, "comments.csv", "comment").request_id == "r1"

    (sent,) = api.stored
    assert (sent.method, str(sent.url)) == ("POST", STORE)
    assert sent.headers["content-length"] == str(len(sent.content))
    parts = form_parts(sent)
    assert [name for name, _ in parts] == [*FIELDS, "file"]
    assert dict(parts[:-1]) == {name: value.encode() for name, value in FIELDS.items()}
    assert parts[-1][1] == CSV


def test_a_file_over_the_tickets_limit_is_refused_before_any_of_it_is_sent() -> None:
    api = Api(max_bytes=len(CSV) - 1)

    with (
        PipelineClient("http://api.test", transport=httpx.MockTransport(api)) as client,
        pytest.raises(LimitExceededError) as refused,
    ):
        client.submit(CSV, "comments.csv", "comment")

    assert f"{len(CSV):,} bytes, over the limit of {len(CSV) - 1:,} bytes" in str(refused.value)
    assert api.stored == []
