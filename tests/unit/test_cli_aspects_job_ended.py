"""`sentiment-pipeline aspects` of a job cancelled or failed part-way says so in its heading
(the job's status asked of the API), not "still running" of a job that never will finish."""

from __future__ import annotations

from typing import Any

import pytest
from clientfakes import FakeClientBase
from test_cli_aspects_partial_said import BODY

from pipeline.cli import insight_commands, job_commands
from pipeline.cli.exit_codes import EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.client import JobStatus


class Ended(FakeClientBase):
    """An API client whose job ended ``status`` with 6 of its 10 rows labelled."""

    def __init__(self, status: str) -> None:
        self.job = JobStatus("job1", status, rows_total=10, rows_done=6)

    def aspects(self, request_id: str, group_by: str | None = None) -> dict[str, Any]:
        return BODY

    def status(self, request_id: str) -> JobStatus:
        return self.job


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("cancelled", "job cancelled: 6 of 10 rows labelled; "),
        ("failed", "job failed: 6 of 10 rows labelled; "),
        ("running", "job running: 6 of 10 rows labelled so far; "),
    ],
)
def test_aspects_of_a_job_that_ended_part_way_say_so(
    status: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Ended(status)
    for module in (insight_commands, job_commands):
        monkeypatch.setattr(module, "api_client", lambda _args: client)
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["aspects", "job1"]) == EXIT_UNFINISHED
    heading = capsys.readouterr().out.splitlines()[0]
    assert heading.endswith(f"; {said}these figures are of those rows only"), heading
