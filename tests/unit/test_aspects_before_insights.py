"""Aspects of a job whose aspects are not worked out for all of its labelled comments (hunt 1,
finding 3). A job's labels come first and its aspects after every label, so a job cancelled
while labelling has none; `aspects` said "0 of 0 labelled comments … job cancelled: 7,401 of
17,993 rows labelled; these figures are of those rows only" and "no comment labelled so far is
about an aspect", and the API said ``rows_labelled: 0`` with nothing beside it, of a job with
6,484 labelled comments. The CLI now says what the app says; the API also counts the job's
labelled comments and the rows whose aspects are worked out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clientfakes import FakeClientBase
from insightfakes import worker_stopping_after_a_chunk
from jobfakes import comments_csv, make_backend

from pipeline import service
from pipeline.cli import insight_commands, job_commands
from pipeline.cli.exit_codes import EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.client import JobStatus

NONE_YET: dict[str, Any] = {
    "request_id": "job1",
    "complete": False,
    "model_version": "aspects-1",
    "group_by": None,
    "rows_labelled": 0,
    "rows_with_aspects": 0,
    "categories": [{"name": "exams", "meaning": "exams", "n": 0}],
    "groups": [],
}
SOME: dict[str, Any] = {
    **NONE_YET,
    "rows_labelled": 3_500,
    "rows_with_aspects": 1,
    "categories": [
        {
            "name": "exams",
            "meaning": "exams",
            "n": 1,
            "counts": {"negative": 1, "neutral": 0, "positive": 0},
            "shares": {"negative": 1.0, "neutral": 0.0, "positive": 0.0},
        }
    ],
}


class Client(FakeClientBase):
    """An API client whose job stands at ``job`` and answers ``body`` for its aspects."""

    def __init__(self, job: JobStatus, body: dict[str, Any]) -> None:
        self.job, self.body = job, body

    def aspects(self, request_id: str, group_by: str | None = None) -> dict[str, Any]:
        return self.body

    def status(self, request_id: str) -> JobStatus:
        return self.job


def printed(
    job: JobStatus,
    body: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    client = Client(job, body)
    for module in (insight_commands, job_commands):
        monkeypatch.setattr(module, "api_client", lambda _args: client)
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["aspects", "job1"]) == EXIT_UNFINISHED  # of part of the job
    return capsys.readouterr().out


def test_a_job_cancelled_while_labelling_is_said_to_have_no_aspects(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    job = JobStatus("job1", "cancelled", 17_993, 7_401, rows_failed=917, insights_done=0)
    out = printed(job, NONE_YET, monkeypatch, capsys)
    assert out.splitlines() == [
        "aspects of job job1: job cancelled: 7,401 of 17,993 rows labelled; it stopped before "
        "it worked out what its 6,484 labelled comments are about, so none is tagged with an "
        "aspect; its labels are in its results and summary"
    ]
    for false in ("0 of 0", "these figures are of those rows only", "so far is about"):
        assert false not in out


def test_a_job_stopped_while_working_out_its_aspects_says_of_how_many_they_are(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    job = JobStatus("job1", "failed", 17_993, 17_993, rows_failed=993, insights_done=4_000)
    heading = printed(job, SOME, monkeypatch, capsys).splitlines()[0]
    assert heading.endswith(
        "; job failed: 17,993 of 17,993 rows labelled; it stopped before it worked out what all "
        "its comments are about: these figures are of 3,500 of the 17,000 comments it labelled"
    ), heading


def test_a_running_job_says_its_aspects_come_after_its_labels(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    labelling = JobStatus("job1", "running", 3_000, 2_302, insights_done=0)
    out = printed(labelling, NONE_YET, monkeypatch, capsys)
    assert out.splitlines() == [
        "aspects of job job1: job running: 2,302 of 3,000 rows labelled so far; what the "
        "comments are about is worked out after every label: none is tagged with an aspect yet"
    ]
    analysing = JobStatus("job1", "running", 17_993, 17_993, rows_failed=993, insights_done=4_000)
    heading = printed(analysing, SOME, monkeypatch, capsys).splitlines()[0]
    assert heading.endswith(
        "; job running: 17,993 of 17,993 rows labelled; every comment is labelled and what they "
        "are about is being worked out: these figures are of 3,500 of its 17,000 labelled "
        "comments so far"
    ), heading


def test_the_api_counts_the_jobs_labelled_comments_beside_those_with_aspects(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)
    comments = ["bad exam", "", "good lecture", "fine", "bad lecture", "good exam"]
    source = comments_csv(tmp_path / "in.csv", comments)
    request_id = service.submit(backend, source, "comment").request_id
    worker_stopping_after_a_chunk(backend).run()  # the first chunk of labels, then the worker stops
    service.cancel(backend, request_id)
    job = backend.repository.jobs.get(request_id)
    assert 0 < job.rows_done < len(comments) and job.insights_done == 0
    summary = service.aspect_summary(backend, None, request_id)
    assert summary["complete"] is False and summary["rows_labelled"] == 0
    assert summary["insights_done"] == 0
    assert summary["rows_labelled_in_job"] == job.rows_done - job.rows_failed > 0
