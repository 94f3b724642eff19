"""``sentiment-pipeline summary``: every group named, the rows without a value as "(blank)"
as everywhere else, not as an empty name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.worker import Worker


def test_the_summary_names_the_blank_group(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = b"course,comment\nCHEM110,good labs\n,bad exams\n"
    answer = client.post("/v1/jobs", files={"file": ("e.csv", content)}, data={})
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))

    assert main(["summary", answer.json()["request_id"], "--group-by", "course"]) == 0

    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert names == ["(all)", "(blank)", "CHEM110"] or names == ["(all)", "CHEM110", "(blank)"]


def test_the_summary_of_part_of_a_file_says_so_first(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    content = b"course,comment\nCHEM110,good labs\nCHEM110,bad exams\n"
    answer = client.post("/v1/jobs", files={"file": ("e.csv", content)}, data={})
    request_id = answer.json()["request_id"]
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))

    assert main(["summary", request_id]) == 3  # part of the job
    queued = capsys.readouterr()
    assert "job queued: 0 of 2 rows labelled so far; these shares are of those rows only" in (
        queued.err
    )
    assert queued.out.splitlines()[0].split()[0] == "group", "the table itself stays a table"

    client.delete(f"/v1/jobs/{request_id}")
    assert main(["summary", request_id]) == 3
    assert "job cancelled: 0 of 2 rows labelled; these shares" in capsys.readouterr().err

    done = client.post("/v1/jobs", files={"file": ("f.csv", content + b"X,fine\n")}, data={})
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert main(["summary", done.json()["request_id"]]) == 0
    assert capsys.readouterr().err == ""
