"""``submit --wait`` and ``status --watch`` ride out API Gateway's throttling (429) and its
502/504 as they do a restarting API: asked again after the server's Retry-After (bounded),
said once on stderr, and the job's end is shown as usual."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import PipelineClient

RUNNING = {"request_id": "r1", "status": "running", "rows_total": 100, "rows_done": 40}
DONE = {"request_id": "r1", "status": "succeeded", "rows_total": 100, "rows_done": 100}


class Throttling:
    """The API behind the gateway: a submit queues r1; status polls get ``refusals`` (status,
    Retry-After) in turn, then the job done."""

    def __init__(self, refusals: list[tuple[int, str]]) -> None:
        self.refusals = refusals
        self.polls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"request_id": "r1", "status": "queued"})
        self.polls += 1
        if self.polls <= len(self.refusals):
            status, retry_after = self.refusals[self.polls - 1]
            headers = {"Retry-After": retry_after} if retry_after else {}
            return httpx.Response(status, json={"message": "Too Many Requests"}, headers=headers)
        return httpx.Response(200, json=DONE)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(job_commands.time, "sleep", slept.append)
    return slept


def _serve(monkeypatch: pytest.MonkeyPatch, api: Throttling) -> None:
    transport = httpx.MockTransport(api)
    monkeypatch.setattr(
        job_commands,
        "api_client",
        lambda _args: PipelineClient("http://gw.test", transport=transport),
    )


@pytest.mark.parametrize(
    "argv",
    [["status", "r1", "--watch"], ["submit", "{file}", "--text-column", "comment", "--wait"]],
)
def test_a_throttled_watch_waits_as_told_and_says_so_once(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pauses: list[float],
) -> None:
    source = tmp_path / "comments.csv"
    source.write_text("comment\ngood labs\n", encoding="utf-8")
    api = Throttling([(429, "2"), (429, "2"), (504, ""), (502, "")])
    _serve(monkeypatch, api)

    assert main([part.format(file=source) for part in argv]) == 0

    assert api.polls == 5
    assert pauses == [2.0, 2.0, 10.0, 10.0]  # Retry-After, else the class's hint
    captured = capsys.readouterr()
    assert captured.err.count("the API cannot serve now; asking again") == 1
    if argv[0] == "submit":  # stdout holds the id alone, for ID=$(submit … --wait)
        assert captured.out == "r1\n" and "r1 succeeded: 100/100 rows" in captured.err
    else:
        assert "r1 succeeded: 100/100 rows" in captured.out


def test_a_long_retry_after_is_bounded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], pauses: list[float]
) -> None:
    _serve(monkeypatch, Throttling([(429, "3600")]))
    assert main(["status", "r1", "--watch"]) == 0
    assert pauses == [job_commands.WATCH_MAX_PAUSE_S]


def test_submit_noting_the_column_rides_out_a_throttle(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pauses: list[float],
) -> None:
    """The job is queued: a throttled status asked for the column's name must not end the
    command with an error as if nothing had been submitted."""
    source = tmp_path / "comments.csv"
    source.write_text("comment\ngood labs\n", encoding="utf-8")
    _serve(monkeypatch, Throttling([(429, "1")]))
    assert main(["submit", str(source)]) == 0
    assert pauses == [1.0]
    captured = capsys.readouterr()
    assert captured.out.strip() == "r1"
    assert "comments from column" in captured.err
