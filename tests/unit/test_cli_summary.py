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
