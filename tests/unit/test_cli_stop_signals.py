"""Hunt 5, 2: the command line put its own SIGHUP handler over the one ``nohup`` leaves
(ignored), so logging out killed ``nohup sentiment-pipeline analyze …`` (exit 129, nothing in
its log). A signal the command was started ignoring stays ignored; one it stops on is named
in a line on stderr."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from clientfakes import FakeClientBase

from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import JobStatus


class SignalledMidway(FakeClientBase):
    """An API whose status answer comes as ``signum`` reaches the command (the terminal
    closes, ``kill``)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def status(self, request_id: str) -> JobStatus:
        signal.raise_signal(self.signum)
        return JobStatus(request_id, "running", rows_total=10, rows_done=4)


@pytest.fixture
def sighup_ignored() -> Iterator[None]:
    """SIGHUP ignored, as ``nohup`` starts a command."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGHUP, before)


@pytest.mark.usefixtures("sighup_ignored")
def test_a_command_started_under_nohup_outlives_the_hang_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: SignalledMidway(signal.SIGHUP))

    assert main(["status", "r1"]) == 0

    assert capsys.readouterr().out == "r1 running: 4/10 rows\n"
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")]
)
def test_a_command_stopped_by_a_signal_says_so_on_stderr(
    signum: int, name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.signal(signum, signal.SIG_DFL)  # as a terminal's shell starts it
    monkeypatch.setattr(job_commands, "api_client", lambda _args: SignalledMidway(signum))
    try:
        assert main(["status", "r1"]) == 128 + signum
        assert signal.getsignal(signum) is signal.SIG_DFL  # the handler before is back
    finally:
        signal.signal(signum, before)

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"stopped by {name} before the command finished\n"
