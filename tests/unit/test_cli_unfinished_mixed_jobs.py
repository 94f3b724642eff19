"""``report``, ``change`` and ``trend`` refused (409) over several jobs, one still running and
another failed or cancelled: the command line read the jobs' statuses one by one and exited 3
("not yet", with how to wait) at the first one queued or running, though the API may refuse
for the one that never finishes, so a script waited, then ran the command again, to meet a
failure (1). Likewise ``trend --themes`` with a job that finished without themes.

Now every job's status is read first: any failed or cancelled (or, for themes, finished
without insights) and the API's refusal stands, exit 1; 3 only where each job not succeeded
is queued or running."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from httpfakes import clients_answered_in_process
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli.exit_codes import EXIT_FAILURE, EXIT_INPUT_ERROR, EXIT_UNFINISHED
from pipeline.cli.job_commands import refused_until_finished
from pipeline.cli.main import main
from pipeline.errors import Conflict
from pipeline.worker import Worker

CONTENT = b"course,comment\nCHEM110,good labs\nCHEM110,bad exams\nBIO101,fine\n"


def queued(client: TestClient, content: bytes) -> str:
    answer = client.post("/v1/jobs", files={"file": ("e.csv", content)}, data={})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


@pytest.fixture
def jobs(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, str, str, str]:
    """A finished job, one running, one cancelled and one failed; the commands in
    ``tmp_path``, answered by the API in process."""
    clients_answered_in_process(monkeypatch, client)
    monkeypatch.chdir(tmp_path)
    done = queued(client, CONTENT)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    busy = queued(client, CONTENT + b"PHYS,ok\n")
    backend.repository.jobs.begin_attempt(busy, "v", ["negative", "neutral", "positive"])
    cancelled = queued(client, CONTENT + b"MATH,so so\n")
    assert client.delete(f"/v1/jobs/{cancelled}").status_code < 300
    failed = queued(client, CONTENT + b"ART,meh\n")
    assert backend.repository.jobs.fail(failed, "the model could not be loaded")
    return done, busy, cancelled, failed


def test_a_job_that_never_finishes_beside_a_running_one_exits_one(
    jobs: tuple[str, str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done, busy, cancelled, failed = jobs

    assert main(["trend", cancelled, busy]) == EXIT_FAILURE
    assert main(["trend", done, busy, failed]) == EXIT_FAILURE
    assert main(["change", busy, "--since", failed]) == EXIT_FAILURE
    report = ["report", done, "--format", "html", "--since", cancelled, "--trend", busy]
    assert main(report) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert "To wait for job" not in err and err.count("error: ") == 4
    assert [path.name for path in tmp_path.iterdir() if "report" in path.name] == []

    assert main(["trend", done, busy]) == EXIT_UNFINISHED, "only running: still 'not yet'"
    assert f"sentiment-pipeline status {busy} --watch" in capsys.readouterr().err


def status(request_id: str, state: str, insights_done: int | None) -> SimpleNamespace:
    return SimpleNamespace(request_id=request_id, status=state, insights_done=insights_done)


def test_themes_of_a_job_finished_without_them_beside_a_running_one_stay_refused() -> None:
    answers = {"a": status("a", "succeeded", None), "b": status("b", "running", 0)}
    client = SimpleNamespace(status=answers.__getitem__)
    refusal = Conflict("job 2 of 2 (b) is running: only finished jobs are compared")

    with pytest.raises(Conflict):
        refused_until_finished(client, ["a", "b"], refusal, themes=True)
    assert refused_until_finished(client, ["a", "b"], refusal) == EXIT_UNFINISHED
    answers["a"] = status("a", "succeeded", 4)
    assert refused_until_finished(client, ["a", "b"], refusal, themes=True) == EXIT_UNFINISHED


def test_results_format_json_refuses_a_csv_name(
    jobs: tuple[str, str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = jobs[0]

    assert main(["results", done, "--format", "json", "-o", "out.CSV"]) == EXIT_INPUT_ERROR
    assert "-o/--output .json" in capsys.readouterr().err
    assert not (tmp_path / "out.CSV").exists()
