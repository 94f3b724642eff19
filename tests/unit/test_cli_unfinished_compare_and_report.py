"""``report``, ``change`` and ``trend`` of a job still queued or running: the API refuses them
(409: a report, a change or a trend needs every row), and the command line exited 1, as for a
job that failed or a key refused, so a script could not tell "not yet" from "never"; and
``report --each-group`` of a queued job (no group yet) wrote "0 reports written" and exited 0.

Now they exit 3, as ``results`` and ``summary`` do for such a job (``EXIT_UNFINISHED``): the
API's reason and how to wait on stderr, nothing written. A job cancelled or failed never
finishes: still 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpfakes import clients_answered_in_process
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli.exit_codes import EXIT_DONE, EXIT_FAILURE, EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.worker import Worker

CONTENT = b"course,comment\nCHEM110,good labs\nCHEM110,bad exams\nBIO101,fine\n"


def queued(client: TestClient, content: bytes = CONTENT) -> str:
    answer = client.post("/v1/jobs", files={"file": ("e.csv", content)}, data={})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def running(backend: Backend, client: TestClient) -> str:
    """A job running with 1 of its 3 rows labelled."""
    request_id = queued(client, CONTENT + b"PHYS,ok\n")
    backend.repository.jobs.begin_attempt(request_id, "v", ["negative", "neutral", "positive"])
    row = {"row_index": 0, "text": "good labs", "data": {"course": "CHEM110"}, "label": "positive"}
    scores = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    backend.repository.jobs.write_chunk(
        request_id, [row | {"scores": scores, "error": None, "model_version": "v"}]
    )
    return request_id


@pytest.fixture
def jobs(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, str, str]:
    """A finished job, one running (1 of 4 rows labelled) and one queued; the commands in
    ``tmp_path``, answered by the API in process."""
    clients_answered_in_process(monkeypatch, client)
    monkeypatch.chdir(tmp_path)
    done = queued(client)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return done, running(backend, client), queued(client, CONTENT + b"MATH,so so\n")


def waiting_said(err: str, request_id: str) -> bool:
    return f"To wait for job {request_id}: sentiment-pipeline status {request_id} --watch" in err


def test_report_of_a_job_not_finished_exits_three_writing_nothing(
    jobs: tuple[str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done, busy, waiting = jobs

    assert main(["report", busy, "--format", "html"]) == EXIT_UNFINISHED
    err = capsys.readouterr().err
    assert err.startswith("error: the job is running (1 of 4 rows labelled): a report needs")
    assert waiting_said(err, busy)

    each = ["report", waiting, "--group-by", "course", "--each-group", "--format", "html"]
    assert main(each) == EXIT_UNFINISHED
    err = capsys.readouterr().err
    assert "job queued: 0 of 4 rows labelled so far; a report needs every row" in err
    assert waiting_said(err, waiting) and "reports written" not in err

    since = ["report", done, "--format", "html", "--since", busy]
    assert main(since) == EXIT_UNFINISHED, "the earlier job is the one running"
    assert waiting_said(capsys.readouterr().err, busy)
    assert [path.name for path in tmp_path.iterdir() if "report" in path.name] == []


def test_change_and_trend_of_a_job_not_finished_exit_three(
    jobs: tuple[str, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    done, busy, waiting = jobs

    assert main(["change", busy, "--since", done]) == EXIT_UNFINISHED
    captured = capsys.readouterr()
    assert "is running (1 of 4 rows labelled): only finished jobs are compared" in captured.err
    assert waiting_said(captured.err, busy) and captured.out == ""

    assert main(["change", done, "--since", waiting]) == EXIT_UNFINISHED
    assert waiting_said(capsys.readouterr().err, waiting)
    assert main(["trend", done, busy, waiting]) == EXIT_UNFINISHED
    assert waiting_said(capsys.readouterr().err, busy), "the first of them not finished"
    # The finished job has no themes (no insights here): waiting on the other would not help.
    assert main(["trend", done, waiting, "--themes", "negative"]) == 1
    assert not waiting_said(capsys.readouterr().err, waiting)


def test_a_job_that_will_never_finish_still_exits_one(
    jobs: tuple[str, str, str], client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    done, busy, _waiting = jobs
    client.delete(f"/v1/jobs/{busy}")  # cancelled: part of it for good

    assert main(["report", busy, "--format", "html"]) == EXIT_FAILURE
    assert main(["change", busy, "--since", done]) == EXIT_FAILURE
    assert main(["trend", done, busy]) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert "cancelled" in err and "--watch" not in err
    assert main(["report", done, "--format", "html"]) == EXIT_DONE
