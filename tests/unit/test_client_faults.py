"""The client against a throttling, failing or cut-off server (httpx.MockTransport): API
Gateway's 429 and its 502/504 read as "not now" with the server's Retry-After, an in-memory
file is submitted, and a timeout, a cut body and a 501 each say what happened."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from pipeline.client import PipelineClient
from pipeline.errors import (
    ApiError,
    ApiUnreachable,
    DatabaseLockedError,
    InputError,
    QueueUnavailableError,
    QuotaExceeded,
    ServiceUnavailableError,
    Unsupported,
)

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, timeout_s: float = 30.0) -> PipelineClient:
    transport = httpx.MockTransport(handler)
    return PipelineClient("http://api.test/", "k", timeout_s=timeout_s, transport=transport)


def _refusing(status: int, body: object, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, json=body, headers=headers)


# --- throttled or failing for now ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "said"),
    [
        (429, "Too Many Requests", "too many requests at once (HTTP 429: Too Many Requests)"),
        (502, "Internal server error", "from the service (HTTP 502: Internal server error)"),
        (504, "Endpoint request timed out", "in time (HTTP 504: Endpoint request timed out)"),
    ],
)
def test_the_gateways_throttle_and_failures_are_service_unavailable(
    status: int, message: str, said: str
) -> None:
    answer = _refusing(status, {"message": message}, {"Retry-After": "3"})
    with _client(answer) as client, pytest.raises(ServiceUnavailableError) as caught:
        client.status("abc123")
    assert not isinstance(caught.value, InputError | ApiError)
    assert said in str(caught.value)
    assert caught.value.retry_after_s == 3


def test_a_spent_daily_quota_is_said_as_such_and_not_ridden_out() -> None:
    """API Gateway's 429 "Limit Exceeded" is a key's usage-plan quota, spent until it resets
    (midnight UTC for the stack's): it was "too many requests at once … try again shortly",
    and watchers asked again for two minutes."""
    answer = _refusing(429, {"message": "Limit Exceeded"})
    with _client(answer) as client, pytest.raises(QuotaExceeded) as caught:
        client.status("abc123")
    assert not isinstance(caught.value, ServiceUnavailableError)
    said = str(caught.value)
    assert said.startswith("this API key's request quota is used up (HTTP 429: Limit Exceeded")
    assert "until the quota resets, midnight UTC" in said and "ApiRequestsPerKeyPerDay" in said


def test_a_narrowed_503_carries_the_servers_retry_after_else_its_classs() -> None:
    body = {"error": "queue_unavailable", "detail": "the queue is locked"}
    with (
        _client(_refusing(503, body, {"Retry-After": "2"})) as client,
        pytest.raises(QueueUnavailableError) as caught,
    ):
        client.cancel("abc123")
    assert (str(caught.value), caught.value.retry_after_s) == ("the queue is locked", 2)

    locked = {"error": "database_locked", "detail": "locked"}
    with _client(_refusing(503, locked)) as client, pytest.raises(DatabaseLockedError) as default:
        client.cancel("abc123")
    assert default.value.retry_after_s == DatabaseLockedError.retry_after_s


def test_retry_after_may_be_an_http_date() -> None:
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    hints = []
    for value in (in_an_hour, past, "soon"):
        with (
            _client(_refusing(503, {"detail": "busy"}, {"Retry-After": value})) as client,
            pytest.raises(ServiceUnavailableError) as caught,
        ):
            client.status("abc123")
        hints.append(caught.value.retry_after_s)
    assert 3000 < hints[0] <= 3600
    assert hints[1:] == [0, ServiceUnavailableError.retry_after_s]  # unreadable: the default


def test_a_501_is_unsupported_with_the_servers_detail() -> None:
    body = {"error": "unsupported", "detail": "PDF reports need WeasyPrint"}
    with _client(_refusing(501, body)) as client, pytest.raises(Unsupported) as caught:
        client.report("abc123")
    assert str(caught.value) == "PDF reports need WeasyPrint"


# --- an in-memory file -----------------------------------------------------------------------


def test_an_in_memory_file_is_submitted_from_where_it_stands() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"request_id": "m1", "status": "queued"})

    content = io.BytesIO(b"comment\nnice course\n")
    with _client(handler) as client:
        assert client.submit(content, "x.csv", "comment").request_id == "m1"
    assert b"nice course" in seen[0].content


def test_a_large_in_memory_file_goes_to_the_upload_url() -> None:
    seen: list[httpx.Request] = []
    content = b"comment\n" + b"a fine course\n" * 400_000

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/uploads":
            url = "https://bucket.s3.test/uploads/K?sig=s"
            return httpx.Response(201, json={"upload_key": "K", "method": "PUT", "upload_url": url})
        if request.url.host == "bucket.s3.test":
            request.read()
            return httpx.Response(200)
        return httpx.Response(202, json={"request_id": "m2", "status": "queued"})

    with _client(handler) as client:
        assert client.submit(io.BytesIO(content), "big.csv", "comment").request_id == "m2"
    assert [r.url.path for r in seen] == ["/v1/uploads", "/uploads/K", "/v1/jobs"]
    assert seen[1].content == content


class Pipe(io.RawIOBase):
    """A stream that reads but cannot seek: its size is unknown until read."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return 0


def test_a_stream_that_cannot_seek_is_refused_as_a_pipeline_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing is sent")

    with _client(handler) as client, pytest.raises(InputError, match="can seek"):
        client.submit(Pipe(), "x.csv", "comment")  # type: ignore[arg-type]


# --- timeouts and cut bodies -----------------------------------------------------------------


def test_a_timeout_says_after_how_long_not_that_the_api_is_down() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with _client(handler, timeout_s=7) as client:
        with pytest.raises(ApiUnreachable) as status:
            client.status("abc123")
        with pytest.raises(ApiUnreachable) as report:
            client.report("abc123")
    assert "gave no answer within 7 s" in str(status.value)
    assert "gave no answer within 300 s" in str(report.value)  # a report's own timeout
    assert "cannot be reached" not in str(status.value) + str(report.value)


class CutStream(httpx.SyncByteStream):
    """5,000 bytes of a body announced as 100,000, then the connection closes."""

    def __iter__(self) -> Iterator[bytes]:
        yield b"x" * 5_000
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def _cut(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Length": "100000"}, stream=CutStream())


def test_a_cut_body_says_the_download_was_cut_and_nothing_was_kept() -> None:
    with _client(_cut) as client:
        with pytest.raises(ApiError) as csv:
            client.results_csv("abc123")
        with pytest.raises(ApiError) as status:
            client.status("abc123")
    for caught in (csv, status):
        assert not isinstance(caught.value, ApiUnreachable)
        assert "cut after 5,000 of 100,000 bytes" in str(caught.value)
        assert "nothing of it was kept" in str(caught.value)


def test_a_download_cut_half_way_says_what_was_written_is_incomplete() -> None:
    with _client(_cut) as client, pytest.raises(ApiError) as caught:
        client.download_results("abc123", io.BytesIO())
    assert not isinstance(caught.value, ApiUnreachable)
    assert "cut after 5,000 of 100,000 bytes" in str(caught.value)
    assert "what was written is incomplete" in str(caught.value)
