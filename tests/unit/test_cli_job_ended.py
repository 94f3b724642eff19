"""What a script reads of a job's end: ``submit --wait`` and ``status --watch`` exited 0 for a
job that was cancelled, so ``ID=$(submit f.csv --wait) && results "$ID" -o out.csv && publish``
published part of the comments; ``status --json`` printed the client's dataclass, without the
API's ``progress``, ``attempts`` and ``model``; ``status --watch --json`` ignored ``--json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.cli import job_commands
from pipeline.cli.job_commands import ENDED_OTHERWISE, _watch
from pipeline.cli.main import main
from pipeline.client import JobStatus, PipelineClient

ID = "AAAAAAAAAAAAAAAAAAAAAA"
API_STATUS = {
    "request_id": ID,
    "status": "succeeded",
    "rows_total": 40,
    "rows_done": 40,
    "rows_failed": 0,
    "progress": 1.0,
    "attempts": 1,
    "model": "default",
    "input_name": "comments.csv",
}


class Watched:
    """``status`` answers with ``final`` from the first ask."""

    def __init__(self, final: JobStatus) -> None:
        self.final = final

    def status(self, request_id: str) -> JobStatus:
        return self.final


@pytest.mark.parametrize(
    ("status", "erased_at", "code"),
    [
        ("succeeded", None, 0),
        ("cancelled", None, ENDED_OTHERWISE),
        ("failed", None, ENDED_OTHERWISE),
        ("succeeded", "2026-12-06T10:00:00+00:00", ENDED_OTHERWISE),
    ],
)
def test_a_wait_succeeds_only_for_a_job_that_succeeded(
    status: str, erased_at: str | None, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = JobStatus(ID, status, rows_total=5000, rows_done=4927, erased_at=erased_at)
    assert _watch(Watched(ended), ID, interval_s=0) == code
    assert capsys.readouterr().out.startswith(f"{ID} {status}: 4927/5000 rows")


class Submitting(Watched):
    def __enter__(self) -> Submitting:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def submit(self, *_args: Any, **_options: Any) -> Any:
        from pipeline.client import Submitted

        return Submitted(ID, "queued")


def test_submit_wait_of_a_job_cancelled_meanwhile_exits_one_with_the_id_alone_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cancelled = JobStatus(ID, "cancelled", rows_total=5000, rows_done=4927)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Submitting(cancelled))
    source = tmp_path / "five k.csv"
    source.write_text("comment\ngood\n", encoding="utf-8")

    assert main(["submit", str(source), "--text-column", "comment", "--wait"]) == 1

    captured = capsys.readouterr()
    assert captured.out == f"{ID}\n"
    assert f"{ID} cancelled: 4927/5000 rows" in captured.err


def _api(monkeypatch: pytest.MonkeyPatch, body: dict[str, Any]) -> None:
    """The CLI's client, answered by a fake API whose job status is ``body``."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/jobs/{ID}"
        return httpx.Response(200, json=body)

    transport = httpx.MockTransport(answer)
    monkeypatch.setattr(
        job_commands,
        "api_client",
        lambda _args: PipelineClient("http://api.test", transport=transport),
    )


def test_status_json_is_the_apis_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _api(monkeypatch, API_STATUS)

    assert main(["status", ID, "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == API_STATUS


def test_status_watch_json_prints_the_last_status_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _api(monkeypatch, {**API_STATUS, "status": "cancelled", "rows_done": 7, "progress": 0.175})

    assert main(["status", ID, "--watch", "--json"]) == ENDED_OTHERWISE

    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "cancelled" and shown["progress"] == 0.175
