"""A worker's stop signals: the first finishes the chunk and stops; a second forces an exit in
a worker run by hand only. A worker its fleet started gets two signals for one stop (a
terminal's Ctrl-C reaches the whole process group, then ``up`` stops each worker itself):
taken as "exit now", the second lost the chunk, hid the job for the visibility timeout and
counted a crash against its rows, and two Ctrl-C's failed a healthy job as poison."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from jobfakes import FakePredictor, make_backend

from pipeline.worker import Worker, install_stop_signals

Handler = Callable[[int, FrameType | None], None]


def handlers(worker: Worker, monkeypatch: pytest.MonkeyPatch) -> dict[int, Handler]:
    """What ``install_stop_signals`` installs, kept out of this process's own handlers."""
    installed: dict[int, Handler] = {}
    monkeypatch.setattr(
        signal, "signal", lambda signum, handler: installed.update({signum: handler})
    )
    install_stop_signals(worker)
    return installed


def worker(tmp_path: Path, parent_pid: int | None) -> Worker:
    return Worker(make_backend(tmp_path), lambda _ref: FakePredictor(), "w", parent_pid=parent_pid)


def test_a_fleet_workers_second_signal_is_the_same_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = worker(tmp_path, parent_pid=os.getppid())
    installed = handlers(started, monkeypatch)
    installed[signal.SIGINT](signal.SIGINT, None)  # the terminal's Ctrl-C
    installed[signal.SIGTERM](signal.SIGTERM, None)  # the fleet's stop
    installed[signal.SIGINT](signal.SIGINT, None)  # and Ctrl-C again
    assert started.stopping


def test_a_worker_run_by_hand_exits_on_the_second_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_hand = worker(tmp_path, parent_pid=None)
    installed = handlers(by_hand, monkeypatch)
    installed[signal.SIGINT](signal.SIGINT, None)
    assert by_hand.stopping
    with pytest.raises(SystemExit) as exited:
        installed[signal.SIGTERM](signal.SIGTERM, None)
    assert exited.value.code == 128 + signal.SIGTERM
