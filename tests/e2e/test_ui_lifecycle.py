"""The app `up --ui` starts lives and dies with it: killed outright, `up` takes its app along
(Linux), and a port still held by an earlier app is refused by name instead of `up` printing
the address of an app that never started while the old one goes on serving."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def env_for(data_dir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_DATA_DIR": str(data_dir),
        "PIPELINE_MIN_WORKERS": "0",
    }


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_an_up_killed_outright_takes_its_app_along(tmp_path: Path) -> None:
    api_port, ui_port = free_port(), free_port()
    up = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "up", "--ui", "--port", str(api_port),
         "--ui-port", str(ui_port)],
        cwd=ROOT, env=env_for(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        while not listening(ui_port) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert listening(ui_port), "the app never started"
        started = psutil.Process(up.pid).children(recursive=True)
        apps = [child for child in started if "streamlit" in " ".join(child.cmdline())]
        assert len(apps) == 1
        up.send_signal(signal.SIGKILL)
        up.wait(timeout=10)
        _gone, alive = psutil.wait_procs(apps, timeout=20)
        assert not alive, "the app outlived up"
        assert not listening(ui_port)
    finally:  # up's own processes only: the session's moto_server is this test's child too
        up.kill()
        for process in started:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


def test_a_taken_app_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "up", "--ui", "--port", str(free_port()),
             "--ui-port", str(taken)],
            cwd=ROOT, env=env_for(tmp_path), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"the app's port {taken} on 127.0.0.1 is taken" in done.stderr
    assert "--ui-port" in done.stderr and "app on" not in done.stderr
