"""A job none of whose comments got a label (every row blank, a placeholder, another
language) has no report, as the app makes none: the API answers 409 saying why, the CLI
refuses with the same words (exit status 2) and writes no file, rather than a report whose
key finding reads "No course differs from the rest … allowing for the 0 comparisons made"."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpfakes import clients_answered_in_process
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli.exit_codes import EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.worker import Worker

PLACEHOLDERS = b"course,comment\nA,N/A\nA,-\nA,none\nB,n/a\nB,nothing\nB,.\n"
WHY = "no comment of this job got a label (none of its 6 rows has one"


def finished(backend: Backend, client: TestClient, body: bytes) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", body)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def test_the_api_refuses_the_report_of_a_job_with_no_label_and_says_why(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client, PLACEHOLDERS)
    path = f"/v1/jobs/{request_id}/report"

    for params in ({}, {"group_by": "course"}, {"group_by": "course", "group": "A"}):
        for report_format in ("html", "pdf"):
            answer = client.get(path, params={**params, "format": report_format})
            assert answer.status_code == 409, (params, answer.text)
            assert WHY in answer.json()["detail"]
            assert "a report is made of the labels' shares" in answer.json()["detail"]
    summary = client.get(f"/v1/jobs/{request_id}/summary")
    assert summary.status_code == 200  # the rows and why each got no label stay readable


def test_a_job_with_one_labelled_comment_still_gets_its_report(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client, PLACEHOLDERS + b"B,bad exams\n")

    answer = client.get(f"/v1/jobs/{request_id}/report", params={"group_by": "course"})

    assert answer.status_code == 200, answer.text


def test_the_command_refuses_with_the_apis_words_and_writes_nothing(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    request_id = finished(backend, client, PLACEHOLDERS)
    clients_answered_in_process(monkeypatch, client)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    api = ["--api-url", "http://api.test"]

    assert main(["report", request_id, "--format", "html", *api]) == 2
    assert WHY in capsys.readouterr().err
    each = ["report", request_id, "--group-by", "course", "--each-group", *api]
    assert main(each) == 2
    assert WHY in capsys.readouterr().err
    assert list(here.iterdir()) == []


def test_a_report_refused_because_the_job_is_not_finished_says_wait_not_bad_input(
    backend: Backend,
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", b"course,comment\nA,bad exams\n")},
        data={"text_column": "comment"},
    )
    request_id = answer.json()["request_id"]  # queued: never worked
    clients_answered_in_process(monkeypatch, client)
    monkeypatch.chdir(tmp_path)

    assert main(["report", request_id, "--api-url", "http://api.test"]) == EXIT_UNFINISHED
    err = capsys.readouterr().err
    assert "a report needs every row" in err and f"sentiment-pipeline status {request_id}" in err
