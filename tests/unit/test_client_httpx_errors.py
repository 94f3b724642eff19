"""Every httpx error the client can meet becomes a ``pipeline.errors`` class (an ``except
PipelineError`` in a notebook's loop catches it; the CLI prints one line): an API address
that is no URL, an answer whose Content-Encoding does not decode (a proxy's gzip header on a
plain body), an upload URL from the API that is no URL, an upload ticket that is no JSON,
and a closed file to submit."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pipeline import client as client_module
from pipeline.client import PipelineClient
from pipeline.errors import ApiError, ConfigError, InputError

JOB = "AAAAAAAAAAAAAAAAAAAAAA"
Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> PipelineClient:
    return PipelineClient("http://api.test", "k", transport=httpx.MockTransport(handler))


def _garbled(request: httpx.Request) -> httpx.Response:
    """Decoded as it is read, as over the network."""
    stream = httpx.ByteStream(b"not gzip")
    return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)


@pytest.mark.parametrize(
    "address", ["http://[::1", "http://127.0.0.1:8000/\x00"], ids=["bracket", "control"]
)
def test_an_api_address_that_is_no_url_is_a_config_error_naming_where_it_came_from(
    address: str,
) -> None:
    with pytest.raises(ConfigError, match=r"--api-url='http://.*is no address of an API"):
        PipelineClient(address, url_from="--api-url")


def test_an_answer_that_does_not_decode_is_an_api_error_and_nothing_is_kept() -> None:
    with _client(_garbled) as client, pytest.raises(ApiError, match="could not be decoded"):
        client.status(JOB)


def test_a_download_that_does_not_decode_says_what_was_written_is_incomplete() -> None:
    with _client(_garbled) as client, pytest.raises(ApiError) as caught:
        client.download_results(JOB, io.BytesIO())
    assert "could not be decoded" in str(caught.value)
    assert "what was written is incomplete" in str(caught.value)


def test_an_upload_url_that_is_no_url_is_an_api_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 10)

    def handler(request: httpx.Request) -> httpx.Response:
        url = "https://bucket.test/\x01upload"
        return httpx.Response(201, json={"upload_key": "K", "method": "PUT", "upload_url": url})

    with _client(handler) as client, pytest.raises(ApiError, match="address that is no URL"):
        client.submit(b"comment\n" + b"fine\n" * 10, "c.csv", "comment")


def test_an_upload_ticket_that_is_no_json_is_an_api_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(client_module, "DIRECT_UPLOAD_MAX_BYTES", 10)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, text="<html>a proxy's page</html>")

    with _client(handler) as client, pytest.raises(ApiError, match="not JSON"):
        client.submit(b"comment\n" + b"fine\n" * 10, "c.csv", "comment")


def test_a_closed_file_is_refused_as_input(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"comment\nfine\n")
    handle = path.open("rb")
    handle.close()
    with _client(_garbled) as client, pytest.raises(InputError, match="cannot be read"):
        client.submit(handle, "c.csv", "comment")
