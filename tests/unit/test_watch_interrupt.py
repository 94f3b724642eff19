"""Ctrl-C while ``submit --wait`` or ``status --watch`` waits stops the waiting, not the job:
the bar's line is ended, one line says the job keeps running and how to follow it again, and
the command exits with 130 as an interrupted one does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clientfakes import FakeClientBase

from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import JobStatus, Submitted
from pipeline.errors import ApiUnreachable

STOPPED = (
    "stopped waiting; job r1 keeps running: sentiment-pipeline status r1 --watch "
    "(sentiment-pipeline cancel r1 stops it)"
)


class RunningJob(FakeClientBase):
    """An API whose job r1 is running, 40 of 100 rows done, for ever."""

    def submit(self, *args: Any, **options: Any) -> Submitted:
        return Submitted("r1", "queued")

    def status(self, request_id: str) -> JobStatus:
        return JobStatus(request_id, "running", rows_total=100, rows_done=40, rows_per_s=4.0)


def interrupted(_seconds: float) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "argv",
    [["status", "r1", "--watch"], ["submit", "{file}", "--text-column", "comment", "--wait"]],
)
def test_ctrl_c_while_waiting_says_the_job_keeps_running_and_exits_130(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "comments.csv"
    source.write_text("comment\ngood labs\n", encoding="utf-8")
    monkeypatch.setattr(job_commands, "api_client", lambda _args: RunningJob())
    monkeypatch.setattr(job_commands.time, "sleep", interrupted)  # Ctrl-C between two polls

    assert main([part.format(file=source) for part in argv]) == 130

    captured = capsys.readouterr()
    bar, stopped = captured.err.rstrip("\n").split("\n")[-2:]
    assert "40/100" in bar  # the bar's own line, ended before the message
    assert stopped == STOPPED
    assert captured.err.endswith(STOPPED + "\n")
    assert "r1 running" not in captured.out  # no status line as if the job had ended


def test_ctrl_c_before_the_first_answer_says_the_same(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Unanswered(RunningJob):
        def status(self, request_id: str) -> JobStatus:
            raise KeyboardInterrupt

    monkeypatch.setattr(job_commands, "api_client", lambda _args: Unanswered())
    assert main(["status", "r1", "--watch"]) == 130
    assert capsys.readouterr().err == STOPPED + "\n"


class Restarting(RunningJob):
    """An API that cannot be reached for ``gaps`` polls after the first (``up`` restarting),
    then answers the job finished."""

    def __init__(self, gaps: int) -> None:
        self.polls = 0
        self.gaps = gaps

    def status(self, request_id: str) -> JobStatus:
        self.polls += 1
        if 1 < self.polls <= 1 + self.gaps:
            raise ApiUnreachable("the API at http://127.0.0.1:8000 cannot be reached")
        if self.polls == 1:
            return super().status(request_id)
        return JobStatus(request_id, "succeeded", rows_total=100, rows_done=100)


def test_a_watcher_waits_out_an_api_that_restarts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api = Restarting(gaps=3)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: api)
    monkeypatch.setattr(job_commands.time, "sleep", lambda _seconds: None)
    assert main(["status", "r1", "--watch"]) == 0
    assert api.polls == 5
    assert "the API does not answer; asking again" in capsys.readouterr().err


def test_a_watcher_gives_up_on_an_api_gone_for_good(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = iter(range(0, 10_000, 7))  # seconds: every poll 7 s after the one before
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Restarting(gaps=10_000))
    monkeypatch.setattr(job_commands.time, "sleep", lambda _seconds: None)
    monkeypatch.setattr(job_commands.time, "monotonic", lambda: float(next(clock)))
    assert main(["status", "r1", "--watch"]) == 75  # try again later
    assert "cannot be reached" in capsys.readouterr().err


def test_a_watcher_started_while_the_api_is_down_waits_for_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class DownAtFirst(Restarting):
        def status(self, request_id: str) -> JobStatus:
            self.polls += 1
            if self.polls <= 3:
                raise ApiUnreachable("the API at http://127.0.0.1:8000 cannot be reached")
            return JobStatus(request_id, "succeeded", rows_total=100, rows_done=100)

    api = DownAtFirst(gaps=0)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: api)
    monkeypatch.setattr(job_commands.time, "sleep", lambda _seconds: None)
    assert main(["status", "r1", "--watch"]) == 0
    assert capsys.readouterr().err.count("the API does not answer; asking again") == 1
