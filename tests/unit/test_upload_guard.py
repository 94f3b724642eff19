"""A submit's body is read only after its key is checked, and never far past the upload limit,
even sent with ``Transfer-Encoding: chunked`` (no Content-Length to refuse it by).

Through httpx's ASGI transport, which hands the app each chunk of an async generator only
when the app's ``receive`` asks for it (the TestClient reads the whole body first): how many
chunks were pulled is how much of the body the API read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.common import SPOOL_BLOCK
from pipeline.bootstrap import Backend

LIMIT = 100_000
CHUNK = 64 * 1024
CHUNKS = 900  # about 59 MB: what the tester sent against a 100 KB limit
BOUNDARY = "guard"
ROWS = b"the course was fine\n" * (CHUNK // 20)  # one chunk: 64 KiB of short comments
FORM = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


@dataclass
class ChunkedUpload:
    """A multipart submit of a CSV whose rows arrive in ``rows`` chunks, counting each chunk
    the app pulls."""

    rows: int
    pulled: int = 0

    async def body(self) -> AsyncIterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
            "Content-Type: text/csv\r\n\r\ncomment\n"
        ).encode()
        for _ in range(self.rows):
            self.pulled += 1
            yield ROWS
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


def send(
    backend: Backend, upload: ChunkedUpload, headers: Sequence[tuple[str, str]] = ()
) -> httpx.Response:
    """POST /v1/jobs with ``upload`` as a chunked body (the generator gives no length)."""

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(backend))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(
                "/v1/jobs", content=upload.body(), headers=[*FORM.items(), *headers]
            )

    return asyncio.run(post())


@pytest.fixture
def keyed(tmp_path: Path) -> Backend:
    """`up --host 0.0.0.0`: every call needs a key."""
    return make_backend(tmp_path / "keyed", api_host="0.0.0.0", max_upload_bytes=LIMIT)


@pytest.fixture
def keyless(tmp_path: Path) -> Backend:
    return make_backend(tmp_path / "keyless", auth="none", max_upload_bytes=LIMIT)


def test_a_chunked_body_over_the_limit_is_refused_before_the_rest_is_read(
    keyed: Backend,
) -> None:
    key = service.create_key(keyed, "alice").secret
    upload = ChunkedUpload(CHUNKS)

    answer = send(keyed, upload, [("X-API-Key", key)])

    assert answer.status_code == 413
    assert answer.json() == {
        "error": "limit_exceeded",
        "detail": "the upload is over the limit of 100,000 bytes",
    }
    # Reading stopped at the first chunk past the allowance (the limit and room for framing).
    assert (upload.pulled - 1) * len(ROWS) <= LIMIT + SPOOL_BLOCK < upload.pulled * len(ROWS)
    assert keyed.queue.depth().total == 0


def test_a_keyless_api_caps_a_keyless_chunked_body_too(keyless: Backend) -> None:
    upload = ChunkedUpload(CHUNKS)
    answer = send(keyless, upload)
    assert answer.status_code == 413 and answer.json()["error"] == "limit_exceeded"
    assert upload.pulled < CHUNKS // 10


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("X-API-Key", "sp_unknown")],
        [("X-API-Key", "sp_unknown"), ("X-API-Key", "sp_other")],
    ],
    ids=["no key", "unknown key", "two keys"],
)
def test_a_keyed_api_refuses_a_request_without_a_valid_key_before_reading_its_body(
    keyed: Backend, headers: list[tuple[str, str]]
) -> None:
    service.create_key(keyed, "alice")
    upload = ChunkedUpload(CHUNKS)

    answer = send(keyed, upload, headers)

    assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "X-API-Key"
    assert upload.pulled == 0, "not one chunk of the body was read"


def test_a_key_is_needed_once_one_was_made_on_loopback_before_the_body_is_read(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path, max_upload_bytes=LIMIT)  # auto on 127.0.0.1
    service.create_key(backend, "alice")
    upload = ChunkedUpload(CHUNKS)
    assert send(backend, upload).status_code == 401
    assert upload.pulled == 0


def test_chunked_uploads_within_the_limit_are_accepted(keyed: Backend, keyless: Backend) -> None:
    key = service.create_key(keyed, "alice").secret
    with_key = send(keyed, ChunkedUpload(1), [("X-API-Key", key)])
    assert with_key.status_code == 202, with_key.text
    assert keyed.repository.jobs.get(with_key.json()["request_id"]).owner != "anonymous"
    without_key = send(keyless, ChunkedUpload(1))
    assert without_key.status_code == 202, without_key.text
