"""With the comment column taken for its name, the file's other columns of free text (a
survey's other open questions) are not labelled: the API's answer names them, and the command
line says so, as the app proposes them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor

from pipeline.analyze import analyze_file
from pipeline.api.app import create_app
from pipeline.api.openapi import SubmissionBody
from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import PipelineClient
from pipeline.input_header import unlabelled_note
from pipeline.settings import Settings

SURVEY = (
    b"Course,Comments,Additional comments,Section\n"
    b"A,good,the labs were awful and far too long,1\n"
    b"B,bad,the lectures were clear and well paced,2\n"
)
NOTE = (
    "not labelled, though free text too: 'Additional comments'; to label several open "
    "questions in one job, give text_column (--text-column) once for each"
)


def test_the_note_names_each_column() -> None:
    assert unlabelled_note(["Additional comments"]) == NOTE


def test_the_api_names_the_other_free_text_columns(backend: Backend) -> None:
    client = TestClient(create_app(backend))

    taken = client.post("/v1/jobs", files={"file": ("s.csv", SURVEY)})
    asked = client.post(
        "/v1/jobs", files={"file": ("s.csv", SURVEY)}, data={"text_column": "Comments"}
    )

    assert taken.status_code == 202, taken.text
    assert taken.json()["other_text_columns"] == ["Additional comments"]
    assert asked.json()["other_text_columns"] == []  # the caller chose


def test_the_submission_model_documents_the_field() -> None:
    field = SubmissionBody.model_fields["other_text_columns"]

    assert field.description and "not labelled" in field.description


def test_cli_submit_says_which_free_text_it_leaves_unlabelled(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = TestClient(create_app(backend))

    def forward(request: httpx.Request) -> httpx.Response:
        sent = app.request(
            request.method, request.url.path, headers=request.headers, content=request.read()
        )
        return httpx.Response(sent.status_code, headers=sent.headers, content=sent.content)

    transport = httpx.MockTransport(forward)
    monkeypatch.setattr(
        job_commands, "api_client", lambda _args: PipelineClient("http://t", transport=transport)
    )
    source = tmp_path / "survey.csv"
    source.write_bytes(SURVEY)

    assert main(["submit", str(source)]) == 0

    assert capsys.readouterr().err == f"comments from column 'Comments'\n{NOTE}\n"


def test_analyze_says_which_free_text_it_leaves_unlabelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "survey.csv"
    source.write_bytes(SURVEY)

    analyze_file(source, tmp_path / "out.csv", FakePredictor, screening=Settings(insights=False))

    assert f"comments from column 'Comments'\n{NOTE}\n" in capsys.readouterr().err
