"""Hunt 5, 1: ``submit --wait`` and ``status --watch`` redrew their bar on stderr every poll
even where stderr is no terminal: a cron job's log or mail got one giant line of ``\\r``
frames, many of them identical. Off a terminal the progress is now a plain line at each step
(the job's phase changes, another tenth is done); on a terminal the bar stays."""

from __future__ import annotations

import io

import pytest
from clientfakes import FakeClientBase

from pipeline.cli import job_commands
from pipeline.cli.job_commands import _watch
from pipeline.cli.progress_lines import progress_mark
from pipeline.client import JobStatus

ROWS = 1000


class InTurn(FakeClientBase):
    """Answers ``status`` with the given statuses in turn, the last one for ever."""

    def __init__(self, statuses: list[JobStatus]) -> None:
        self.statuses = statuses
        self.polls = 0

    def status(self, request_id: str) -> JobStatus:
        answer = self.statuses[min(self.polls, len(self.statuses) - 1)]
        self.polls += 1
        return answer


def _a_long_job() -> list[JobStatus]:
    """Queued for 5 polls, then 10 rows more each poll, then done: 108 polls."""
    queued = [JobStatus("r1", "queued", ROWS, 0)] * 5
    running = [
        JobStatus("r1", "running", ROWS, done, rows_per_s=10.0, eta_s=(ROWS - done) / 10)
        for done in range(0, ROWS + 1, 10)
    ]
    return [*queued, *running, JobStatus("r1", "succeeded", ROWS, ROWS, rows_per_s=10.0)]


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_commands.time, "sleep", lambda _seconds: None)


def test_a_watch_into_a_log_writes_a_line_per_step_not_a_frame_per_poll(
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = InTurn(_a_long_job())

    assert _watch(client, "r1", interval_s=0) == 0

    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err
    lines = err.splitlines()
    assert lines[0] == "r1: 0/1000 rows (0%), waiting for a worker"
    assert lines[-1] == "r1: 1000/1000 rows (100%), 10 rows/s, succeeded"
    assert "r1: 500/1000 rows (50%), 10 rows/s, about 50 s left" in lines
    assert len(lines) == 1 + 11 + 1  # queued, each tenth while running (0 to 10), the end
    assert len(set(lines)) == len(lines)
    assert client.polls == len(client.statuses)


def test_the_phases_after_the_labels_are_steps_of_their_own() -> None:
    assert progress_mark(JobStatus("r1", "running", 300, 299)) == ("running", 9)
    about = JobStatus("r1", "running", 300, 300, labelled_at="2026-12-02", insights_done=31)
    assert progress_mark(about) == ("about what", 1)
    assert progress_mark(JobStatus("r1", "succeeded", 300, 300)) == ("succeeded", 10)
    assert progress_mark(JobStatus("r1", "failed", 0, 0)) == ("failed", 0)


def test_an_api_that_stops_answering_is_said_once_in_a_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipeline.errors import ApiUnreachable

    class Restarting(InTurn):
        def status(self, request_id: str) -> JobStatus:
            self.polls += 1
            if 2 <= self.polls <= 6:
                raise ApiUnreachable("the API at http://127.0.0.1:8000 cannot be reached")
            done = self.polls > 6
            return JobStatus("r1", "succeeded" if done else "running", 10, 10 if done else 4)

    assert _watch(Restarting([]), "r1", interval_s=0) == 0
    assert capsys.readouterr().err.count("the API does not answer; asking again") == 1


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_drawn_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Terminal()
    monkeypatch.setattr(job_commands.sys, "stderr", screen)

    assert _watch(InTurn(_a_long_job()), "r1", interval_s=0, to=io.StringIO()) == 0

    assert "\r" in screen.getvalue()
    assert "500/1000, 10 rows/s, about 50 s left" in screen.getvalue()
