"""A client that sends its request slowly, or stops, is dropped instead of held for ever (the
server as ``up`` configures uvicorn: ``server_options``); a compressed body is refused by
name. Clocks are shortened for the tests."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from apigw_events import answer, load_event, without_identity
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend

from pipeline import service
from pipeline.api import body_guard
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.api.serve import server_options
from pipeline.api.slow_clients import MAX_HEAD_BYTES, HeadTimeoutH11
from pipeline.bootstrap import Backend

HEAD_S = 0.5
CSV = b"course,comment\n" + b"CS1,great class\n" * 200
PART_HEAD = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n\r\n'


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


@contextmanager
def served(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """The API as ``up`` serves it, its clocks as the test has set them before it starts."""
    monkeypatch.setattr(HeadTimeoutH11, "head_timeout_s", HEAD_S)
    options = {**server_options(), "log_level": "warning"}
    with serving_app(create_app(backend), **options) as url:
        parts = urlsplit(url)
        yield parts.hostname or "", parts.port or 0


@pytest.fixture
def address(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    with served(backend, monkeypatch) as found:
        yield found


def _connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.settimeout(10)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes; a socket.timeout if it never does."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _responses(sock: socket.socket, count: int) -> list[bytes]:
    """The next ``count`` whole responses (each its head and its Content-Length of body), in
    order. One read may end one response and begin the next (pipelined requests answered
    back to back): the bytes past a response are the next one's. Reading each response apart
    dropped them, and the second read then waited for bytes already received (CI, 7 December
    2026: "the server closed the connection" after the keep-alive clock)."""
    received, found = b"", []
    while len(found) < count:
        while b"\r\n\r\n" not in received:
            received += _more(sock, received)
        head, _, rest = received.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            rest += _more(sock, head + rest)
        found.append(head + b"\r\n\r\n" + rest[:length])
        received = rest[length:]
    return found


def _response(sock: socket.socket) -> bytes:
    """One whole response."""
    (said,) = _responses(sock, 1)
    return said


def _more(sock: socket.socket, so_far: bytes) -> bytes:
    """The next bytes of a response; a closed connection fails the test at once (recv would
    answer b"" forever: a busy loop, not the socket's timeout)."""
    chunk = sock.recv(65536)
    assert chunk, f"the server closed the connection after {so_far[:200]!r}"
    return chunk


def test_an_incomplete_request_head_is_dropped(address: tuple[str, int]) -> None:
    """50 such connections were all still open after 30 s."""
    with _connect(address) as sock:
        sock.sendall(b"GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line
        started = time.monotonic()
        said = _until_closed(sock)
    assert said.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < HEAD_S + 5


def test_a_silent_connection_is_dropped(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        assert _until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_head_that_trickles_in_is_dropped_all_the_same(address: tuple[str, int]) -> None:
    with _connect(address) as sock:
        sock.sendall(b"GET /health/live HTTP/1.1\r\n")
        for _ in range(int(HEAD_S / 0.1) + 5):
            try:
                sock.sendall(b"X-A: b\r\n")
            except OSError:
                break
            time.sleep(0.1)
        assert _until_closed(sock).startswith(b"HTTP/1.1 408 ")


def test_a_whole_request_is_answered_and_its_connection_kept_alive(
    address: tuple[str, int],
) -> None:
    with _connect(address) as sock:
        for _ in range(2):  # the second after the head clock would have run out
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            said = _response(sock)
            assert said.startswith(b"HTTP/1.1 200 "), said
            time.sleep(HEAD_S * 2)
        sock.sendall(b"GET /health/live HTTP/1.1\r\n")  # the next head, never finished
        assert _until_closed(sock).startswith(b"HTTP/1.1 408 ")


def _query_head(names: int) -> bytes:
    """A keyless GET whose query holds ``names`` distinct parameters, head and all."""
    query = "&".join(f"n{number}" for number in range(names))
    return f"GET /v1/jobs?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


@pytest.mark.parametrize("pieces", [1, 8])
def test_a_head_over_the_limit_is_a_431_before_any_of_it_is_read(
    address: tuple[str, int], monkeypatch: pytest.MonkeyPatch, pieces: int
) -> None:
    """Sent in one write, a head of any size was parsed and served (h11 bounds a head that
    arrives in pieces only): 100,000 query names kept a core busy for seconds before the 401."""
    read: list[int] = []
    monkeypatch.setattr(
        "pipeline.api.app.refuse_repeated_query", lambda parameters: read.append(len(parameters))
    )
    head = _query_head(2_950)  # just over the limit: the refusal comes with its last bytes,
    assert MAX_HEAD_BYTES < len(head) < MAX_HEAD_BYTES + 500  # none left unread to reset it
    with _connect(address) as sock:
        # every piece but the last stays under the limit, so the server cannot refuse (and
        # close) before the last arrives: bytes sent after its close would reset the socket
        body, last = head[: MAX_HEAD_BYTES - 100], head[MAX_HEAD_BYTES - 100 :]
        step = -(-len(body) // (pieces - 1)) if pieces > 1 else len(head)
        for start in range(0, len(body) if pieces > 1 else 0, step):
            sock.sendall(body[start : start + step])
        sock.sendall(last if pieces > 1 else head)
        said = _until_closed(sock)
    assert said.startswith(b"HTTP/1.1 431 "), said[:80]
    assert said.endswith(b"is over 16,384 bytes\n")
    assert read == []


def test_a_head_under_the_limit_is_read_as_before(address: tuple[str, int]) -> None:
    head = _query_head(1_000)
    assert len(head) < MAX_HEAD_BYTES
    with _connect(address) as sock:
        sock.sendall(head + head)  # and the next request on the same connection
        time.sleep(0.5)  # both answers may then arrive in one read, as under load
        for said in _responses(sock, 2):
            assert said.startswith(b"HTTP/1.1 401 "), said[:80]


def test_a_blank_line_split_between_two_reads_still_ends_the_head(
    address: tuple[str, int],
) -> None:
    """The bytes after a head's blank line are its body: counted as head when the blank line
    came in two reads, they turned a large upload into a 431."""
    body = b"x" * (MAX_HEAD_BYTES * 2)
    head = _upload_head("sp_not_a_key", len(body))
    with _connect(address) as sock:
        sock.sendall(head[:-1])
        time.sleep(0.3)  # the server reads the head but its last byte
        sock.sendall(head[-1:] + body)
        said = _response(sock)
    assert said.startswith(b"HTTP/1.1 401 "), said[:80]


def test_a_head_over_the_limit_after_another_in_the_same_write_is_a_431(
    address: tuple[str, int],
) -> None:
    """A second request in the same write (pipelined) is parsed from h11's buffer once the
    first is answered, never seen arriving: the app refuses it before any route reads it."""
    closing = _query_head(5_000).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    with _connect(address) as sock:
        sock.sendall(_query_head(10) + closing)
        said = _until_closed(sock)
    first, second = said.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"401 "), first[:80]
    assert second.startswith(b"431 "), second[:80]
    assert second.endswith(b"is over 16,384 bytes\n")


def _upload_head(key: str, length: int) -> bytes:
    return (
        "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-API-Key: {key}\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def _answer(said: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = said.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_an_upload_that_stops_arriving_gets_a_408(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """800 uploads with a valid key, 5 of 100,000 bytes sent, were all held after 40 s."""
    monkeypatch.setattr(body_guard, "BODY_IDLE_S", 0.5)
    key = service.create_key(backend, "alice").secret
    with served(backend, monkeypatch) as address, _connect(address) as sock:
        sock.sendall(_upload_head(key, 100_000) + b"--zz\r\n")
        status, body = _answer(_until_closed(sock))
    assert status == 408
    assert body["error"] == "request_timeout"
    assert "stopped arriving: nothing came for 0.5 s after 6 bytes" in body["detail"]
    assert backend.queue.depth().total == 0


def test_an_upload_that_trickles_in_gets_a_408(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(body_guard, "BODY_GRACE_S", 0.5)
    key = service.create_key(backend, "alice").secret
    with served(backend, monkeypatch) as address, _connect(address) as sock:
        sock.sendall(_upload_head(key, 100_000) + PART_HEAD)
        for _ in range(40):
            try:
                sock.sendall(b"x")
            except OSError:
                break
            time.sleep(0.05)
        status, body = _answer(_until_closed(sock))
    assert status == 408
    assert "arrives too slowly" in body["detail"]


def test_a_steady_upload_is_not_on_any_clock(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(body_guard, "BODY_IDLE_S", 0.5)
    monkeypatch.setattr(body_guard, "BODY_GRACE_S", 0.2)  # 1 KiB/s: well under this upload's
    key = service.create_key(backend, "alice").secret
    body = PART_HEAD + CSV + b"\r\n--zz--\r\n"
    with served(backend, monkeypatch) as address, _connect(address) as sock:
        sock.sendall(_upload_head(key, len(body)))
        for start in range(0, len(body), 256):  # about 5 KB/s, for over half a second
            sock.sendall(body[start : start + 256])
            time.sleep(0.05)
        status, answer = _answer(_response(sock))
    assert status == 202, answer


def _gzipped_form() -> tuple[bytes, dict[str, str]]:
    form = PART_HEAD + CSV + b"\r\n--zz--\r\n"
    headers = {"Content-Type": "multipart/form-data; boundary=zz", "Content-Encoding": "gzip"}
    return gzip.compress(form), headers


def test_a_compressed_body_is_a_415_naming_content_encoding(backend: Backend) -> None:
    """It was a 422 about the multipart boundary (``Expected boundary character 45, got 31``)."""
    key = service.create_key(backend, "alice").secret
    body, headers = _gzipped_form()
    client = TestClient(create_app(backend))
    refused = client.post("/v1/jobs", content=body, headers={**headers, "X-API-Key": key})
    assert refused.status_code == 415, refused.text
    assert refused.json() == {
        "error": "unsupported_content_encoding",
        "detail": "Content-Encoding 'gzip' is not supported: send the body uncompressed (no "
        "route of this API reads a compressed request)",
    }
    assert refused.headers["accept-encoding"] == "identity"
    no_key = client.post("/v1/jobs", content=body, headers=headers)
    assert no_key.status_code == 401  # the key is checked first, as for any body
    assert backend.queue.depth().total == 0


def test_the_lambda_refuses_a_compressed_body_alike(backend: Backend) -> None:
    key = service.create_key(backend, "alice").secret
    body, headers = _gzipped_form()
    client = TestClient(create_app(backend))
    fastapi_side = client.post("/v1/jobs", content=body, headers={**headers, "X-API-Key": key})
    event = without_identity(load_event("submit_multipart"), api_key=key)
    event = {
        **event,
        "headers": {**event["headers"], **headers},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }
    lambda_side = answer(Gateway(backend).handle(event))
    assert (lambda_side.status, lambda_side.json()) == (415, fastapi_side.json())
