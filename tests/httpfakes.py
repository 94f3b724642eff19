"""A base for the tiny fake HTTP APIs the app tests talk to (JSON answers, no access log), and
the real API served on uvicorn in a thread for the tests that need it over real HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest


class JsonHandler(BaseHTTPRequestHandler):
    def send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answers_sidebar(self, path: str) -> bool:
        """Answer what the app's sidebar asks of a healthy API that takes its key (``/health``,
        the key's jobs); False, answering nothing, for any other path."""
        bodies: dict[str, Any] = {"/health": {"status": "ok"}, "/v1/jobs": {"jobs": []}}
        found = urlsplit(path).path
        if found not in bodies:
            return False
        self.send_json(200, bodies[found])
        return True

    def log_message(self, *args: Any) -> None:
        """Quiet: the test output is for failures."""


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on a free local port in a thread until the block ends; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send_bytes(handler: BaseHTTPRequestHandler, data: bytes, media_type: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", media_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving_app(app: Any, **config: Any) -> Iterator[str]:
    """An ASGI ``app`` on uvicorn (``config``: more ``uvicorn.Config`` settings) on a free
    local port in a thread until the block ends; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def clients_answered_by(
    monkeypatch: pytest.MonkeyPatch, answer: Callable[[], httpx.Response]
) -> list[httpx.Request]:
    """Every PipelineClient made from now on (the CLI's too) gets ``answer()`` for each request
    instead of going to the network; the requests it sent, in order."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer()

    _clients_handled_by(monkeypatch, handler)
    return seen


def clients_answered_in_process(monkeypatch: pytest.MonkeyPatch, app: Any) -> None:
    """Every PipelineClient made from now on (the CLI's too) is answered by the FastAPI
    ``app`` (a TestClient) in process."""
    _clients_handled_by(monkeypatch, _in_process(app))


def _clients_handled_by(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[httpx.Request], httpx.Response]
) -> None:
    from pipeline.client import PipelineClient

    original = PipelineClient.__init__

    def with_transport(self: PipelineClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "transport": httpx.MockTransport(handler)})

    monkeypatch.setattr(PipelineClient, "__init__", with_transport)


def _in_process(app: Any) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        answer = app.request(request.method, request.url.raw_path.decode("ascii"))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return handler


def nothing_flagged(request_id: str, rows: int) -> dict[str, Any]:
    """``GET /flagged`` of a job whose comments screening before release finds nothing in."""
    return {
        "request_id": request_id,
        "complete": True,
        "group_by": None,
        "group": None,
        "screened_for": ["threat", "distress"],
        "rows_screened": rows,
        "flagged": 0,
        "withheld": 0,
        "kinds": [],
        "offset": 0,
        "limit": 1,
        "comments": [],
    }


def in_process_client(app: Any) -> Any:
    """A PipelineClient whose requests the FastAPI ``app`` (a TestClient) answers in process."""
    from pipeline.client import PipelineClient

    return PipelineClient("http://api.test", transport=httpx.MockTransport(_in_process(app)))
