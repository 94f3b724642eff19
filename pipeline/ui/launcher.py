"""Start the Streamlit app beside the API, so one command runs the whole product."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.addresses import is_loopback
from pipeline.errors import ConfigError

APP_FILE = "streamlit_app.py"


def find_app(cwd: Path | None = None) -> Path:
    """The app script: in the working folder, else in the source checkout the package runs from."""
    here = (cwd or Path.cwd()) / APP_FILE
    checkout = Path(__file__).resolve().parents[2] / APP_FILE
    for candidate in (here, checkout):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"{APP_FILE} not found in {here.parent} or {checkout.parent}: run `up --ui` from the "
        "repository root (the app is part of the source checkout)"
    )


def client_url(host: str, port: int) -> str:
    """The address the app uses to reach the API: loopback when the API listens everywhere."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def ui_command(app: Path, host: str, port: int) -> list[str]:
    """Streamlit, headless, on ``host``. On a loopback address it also answers only the names
    of this machine (``server.allowedHosts``): a web page that resolves its own name to
    127.0.0.1 (DNS rebinding) could otherwise open the app as its own and read the jobs of an
    API that needs no key there."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if is_loopback(host):
        for name in dict.fromkeys((*LOOPBACK_NAMES, host)):
            command += ["--server.allowedHosts", name]
    return command


@contextmanager
def running_ui(app: Path, host: str, port: int, api_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run the app for as long as the block runs; it stops with the API."""
    env = {**os.environ, "PIPELINE_API_URL": api_url}
    process = subprocess.Popen(ui_command(app, host, port), env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
