"""The app's upload limit follows the API's (``PIPELINE_MAX_UPLOAD_BYTES``) under ``up --ui``.

It was always the 200 MB of .streamlit/config.toml: with the limit raised as the docs suggest,
the CLI sent a 300 MB file but the app refused it; with it lowered, the app took a file the API
then answered 413 to, after the whole upload."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from httpfakes import free_port

from pipeline.ui import launcher
from pipeline.ui.launcher import running_ui, ui_command

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
MIB = 2**20


def upload_options(command: list[str]) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == "--server.maxUploadSize"]


@pytest.mark.parametrize(
    ("limit", "megabytes"),
    [(200 * MIB, "200"), (1024 * MIB, "1024"), (150_000_000, "144"), (MIB + 1, "2"), (1, "1")],
)
def test_the_apps_upload_limit_is_the_apis_in_whole_mib_rounded_up(
    limit: int, megabytes: str
) -> None:
    """Streamlit counts its limit in MiB; rounded up, the app never refuses a file the API
    takes (a limit between two MiB lets the API answer the few bytes over)."""
    assert upload_options(ui_command(APP, "127.0.0.1", 8600, limit)) == [megabytes]


def test_without_a_limit_the_apps_own_setting_stays() -> None:
    assert upload_options(ui_command(APP, "127.0.0.1", 8600)) == ["200"]


def test_up_ui_passes_the_limit_it_is_configured_with(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []

    class Started:
        def __init__(self, command: list[str], **_kwargs: Any) -> None:
            started.append(command)
            self.stopped = threading.Event()

        def wait(self, timeout: float | None = None) -> int:
            self.stopped.wait(timeout)
            return 0

        def terminate(self) -> None:
            self.stopped.set()

        kill = terminate

    monkeypatch.setenv("PIPELINE_MAX_UPLOAD_BYTES", str(1024 * MIB))
    monkeypatch.setattr(launcher.subprocess, "Popen", Started)
    with running_ui(APP, "127.0.0.1", free_port(), "http://127.0.0.1:1"):
        pass
    (command,) = started
    assert upload_options(command) == ["1024"]
