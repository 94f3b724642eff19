"""The app started by ``up --ui`` on loopback opens its WebSocket to this machine's names only:
a page that resolves its own name to 127.0.0.1 (DNS rebinding) gets no session, so it cannot
drive the app of an API that needs no key there. On 0.0.0.0 (served to others, with keys) any
name is answered, as a reverse proxy needs."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.ui.launcher import ui_command

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def streamlit_on(host: str) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        ui_command(APP, host, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def handshake_status(port: int, host: str) -> int:
    """The status line's code of a WebSocket handshake sent with ``Host: host``."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    deadline = time.monotonic() + 30
    while True:
        with socket.create_connection(("127.0.0.1", port), 5) as connection:
            connection.sendall(request.encode())
            status = connection.recv(200).decode("latin-1").split(" ")[1]
        if status != "503" or time.monotonic() > deadline:  # 503: still starting
            return int(status)
        time.sleep(0.5)


def test_on_loopback_only_this_machines_names_get_a_session() -> None:
    with streamlit_on("127.0.0.1") as port:
        assert handshake_status(port, f"127.0.0.1:{port}") == 101
        assert handshake_status(port, f"localhost:{port}") == 101
        assert handshake_status(port, f"evil.example:{port}") == 403


def test_served_to_others_any_name_gets_a_session() -> None:
    with streamlit_on("0.0.0.0") as port:
        assert handshake_status(port, f"pipeline.uni.edu:{port}") == 101
