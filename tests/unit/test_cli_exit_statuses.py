"""Hunt 5, 6: a script could not tell from the exit status what it needs. ``results`` and
``summary`` of a job that had not succeeded exited 0 (the "partial" only on stderr), so
``results ID -o out.csv && publish out.csv`` published part of the comments; an API that could
not be reached, a failed job and an unknown id all exited 1. Now: 3 for part of a job, 75 for
"try again later", 4 for no such job; 1 and 2 keep their meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from clientfakes import FakeClientBase
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.exit_codes import (
    EXIT_DONE,
    EXIT_FAILURE,
    EXIT_INPUT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_TRY_LATER,
    EXIT_UNFINISHED,
)
from pipeline.cli.main import main
from pipeline.client import JobStatus
from pipeline.errors import (
    ApiUnreachable,
    Conflict,
    DatabaseLockedError,
    InvalidRequest,
    JobNotFound,
    PipelineError,
    ServiceUnavailableError,
)
from pipeline.worker import Worker

CONTENT = b"course,comment\nCHEM110,good labs\nCHEM110,bad exams\n"


def _queued(client: TestClient, content: bytes = CONTENT) -> str:
    answer = client.post("/v1/jobs", files={"file": ("e.csv", content)}, data={})
    return str(answer.json()["request_id"])


@pytest.fixture
def served(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))
    return client


def test_part_of_a_job_exits_three_and_all_of_it_zero(
    backend: Backend, served: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = _queued(served)
    out = tmp_path / "out.csv"

    assert main(["results", request_id, "-o", str(out)]) == EXIT_UNFINISHED
    assert main(["results", request_id, "-o", str(tmp_path / "out.xlsx")]) == EXIT_UNFINISHED
    assert main(["results", request_id]) == EXIT_UNFINISHED
    assert main(["summary", request_id]) == EXIT_UNFINISHED
    assert out.exists(), "the rows so far are still written, and said to be part"
    assert "job queued: 0 of 2 rows labelled so far" in capsys.readouterr().err

    served.delete(f"/v1/jobs/{request_id}")  # cancelled: part of it for good
    assert main(["results", request_id, "-o", str(out)]) == EXIT_UNFINISHED
    assert main(["summary", request_id]) == EXIT_UNFINISHED

    done = _queued(served, CONTENT + b"X,fine\n")
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert main(["results", done, "-o", str(out)]) == EXIT_DONE
    assert main(["results", done, "-o", str(tmp_path / "out.xlsx")]) == EXIT_DONE
    assert main(["summary", done]) == EXIT_DONE


class Refusing(FakeClientBase):
    def __init__(self, error: PipelineError) -> None:
        self.error = error

    def status(self, request_id: str) -> JobStatus:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiUnreachable("the API at http://127.0.0.1:9 cannot be reached"), EXIT_TRY_LATER),
        (ServiceUnavailableError("the API is throttled (HTTP 429)"), EXIT_TRY_LATER),
        (DatabaseLockedError("the database is locked"), EXIT_TRY_LATER),
        (JobNotFound("no job with request id 'r9'"), EXIT_NOT_FOUND),
        (Conflict("the job already finished"), EXIT_FAILURE),
        (PipelineError("anything else"), EXIT_FAILURE),
        (InvalidRequest("query field 'limit'"), EXIT_INPUT_ERROR),
    ],
)
def test_each_kind_of_refusal_has_its_status(
    error: PipelineError,
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Refusing(error))
    assert main(["status", "r9"]) == code
    assert capsys.readouterr().err == f"error: {error}\n"


def test_a_waiter_whose_api_stays_away_exits_try_later(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = iter(range(0, 10_000, 7))  # every ask 7 s after the one before
    unreachable = ApiUnreachable("the API at http://127.0.0.1:8000 cannot be reached")
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Refusing(unreachable))
    monkeypatch.setattr(job_commands.time, "sleep", lambda _seconds: None)
    monkeypatch.setattr(job_commands.time, "monotonic", lambda: float(next(clock)))
    assert main(["status", "r1", "--watch"]) == EXIT_TRY_LATER
    assert "cannot be reached" in capsys.readouterr().err
