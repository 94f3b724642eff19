"""Start the embedded product (``python -m pipeline up``) as a child process for a benchmark.

The child gets a clean ``PIPELINE_*`` environment (only what the benchmark sets) and a free
port, so a benchmark measures the product's defaults, not the caller's shell.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

START_TIMEOUT_S = 120

Server = tuple[subprocess.Popen[bytes], str]
"""The running ``up`` process and its base URL."""


def start_embedded(data_dir: Path, settings: Mapping[str, str]) -> Server:
    """The ``up`` process and its URL once ``/health`` answers; its log is ``up.log``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(settings)
    env.update(PIPELINE_DATA_DIR=str(data_dir), PIPELINE_API_PORT=str(port), HF_HUB_OFFLINE="1")
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "up.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the server did not start; see {data_dir / 'up.log'}")
