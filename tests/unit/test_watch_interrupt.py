"""Ctrl-C while ``submit --wait`` or ``status --watch`` waits stops the waiting, not the job:
the bar's line is ended, one line says the job keeps running and how to follow it again, and
the command exits with 130 as an interrupted one does."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import JobStatus, Submitted

STOPPED = (
    "stopped waiting; job r1 keeps running: sentiment-pipeline status r1 --watch "
    "(sentiment-pipeline cancel r1 stops it)"
)


class RunningJob:
    """An API whose job r1 is running, 40 of 100 rows done, for ever."""

    def __enter__(self) -> RunningJob:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

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
