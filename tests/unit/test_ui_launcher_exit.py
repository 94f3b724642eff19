"""``up --ui`` reports an app that stops while the API goes on, and only then: Ctrl+C in a
terminal sends SIGINT to the whole process group, so the app stopped (exit status 0) before
``up`` had finished its own shutdown, and every normal stop ended with an ERROR telling the
operator to restart and that "the API goes on without it"."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import pytest

from pipeline.ui.launcher import _report_exit

PORT = 8501


def stopped_app() -> subprocess.Popen[bytes]:
    """An app process that has stopped on its own, cleanly (as Streamlit does on SIGINT)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process


def test_an_app_stopped_by_the_signal_that_stops_up_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopping = threading.Event()
    threading.Timer(0.2, stopping.set).start()  # `up`'s shutdown, a moment after the app's
    with caplog.at_level(logging.INFO, logger="pipeline.ui.launcher"):
        _report_exit(stopped_app(), stopping, PORT, grace_s=10)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_an_app_that_stops_while_up_goes_on_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pipeline.ui.launcher"):
        _report_exit(stopped_app(), threading.Event(), PORT, grace_s=0.1)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert "the app on port 8501 stopped (exit status 0)" in record.getMessage()
    assert "restart `up --ui`" in record.getMessage()
