"""What a client sends: a pasted API key without its surrounding space or line break (a key that
cannot be sent is refused by a message that never quotes the secret), and no request for what
is no request id."""

from __future__ import annotations

import httpx
import pytest

from pipeline.client import PipelineClient
from pipeline.errors import ConfigError, JobNotFound

KEY = "sp_yRxPvXEa3g4PWBbYYDLyA-QBhIWsC-ELQrd4aUyvSjM"


def sent_key(api_key: str) -> str | None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-API-Key"))
        return httpx.Response(200, json={"jobs": []})

    with PipelineClient("http://api.test", api_key, transport=httpx.MockTransport(answer)) as c:
        c.jobs()
    return seen[0]


@pytest.mark.parametrize("pasted", [KEY + "\n", f" {KEY} ", KEY + "\r\n", "\t" + KEY])
def test_space_around_a_pasted_key_is_dropped(pasted: str) -> None:
    assert sent_key(pasted) == KEY


def test_no_key_sends_no_header() -> None:
    assert sent_key("") is None and sent_key("  \n") is None


@pytest.mark.parametrize(
    "pasted", [f"“{KEY}”", KEY[:10] + "ü" + KEY[10:], KEY[:10] + " " + KEY[10:], KEY + "\nx"]
)
def test_a_key_that_cannot_be_sent_is_refused_without_quoting_it(pasted: str) -> None:
    with pytest.raises(ConfigError, match="as `sentiment-pipeline keys create` printed") as caught:
        PipelineClient("http://api.test", pasted)
    assert KEY[:10] not in str(caught.value) and KEY[10:] not in str(caught.value)


@pytest.mark.parametrize(
    "request_id", ["<img src=x onerror=alert(1)>", "../../health", "a b", "x" * 65, "", "é"]
)
def test_what_is_no_request_id_is_refused_without_asking_the_api(request_id: str) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(404, json={"error": "job_not_found", "detail": "no such job"})

    client = PipelineClient("http://api.test", transport=httpx.MockTransport(answer))
    with pytest.raises(JobNotFound, match="is not a request id"):
        client.status(request_id)
    assert asked == []
