"""What a script or a terminal gets from the commands' text: one line per ``predict`` text, its
comment inert; no traceback for what an ASCII or Latin-1 stdout cannot encode, nor for a file
whose name is not UTF-8; confirmations of a written file on stderr; and refusals that point at
what the command-line user set (``--api-url``, ``--port``, ``--api-key``), not at HTTP."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from pipeline.cli import job_commands, model_commands
from pipeline.cli.main import main
from pipeline.client import PipelineClient, sendable_name
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.predictor import Prediction
from pipeline.model.screening import CommentScreen
from pipeline.terminal_text import json_text

ID = "AAAAAAAAAAAAAAAAAAAAAA"


class Labeller:
    version = "fake-1"

    def predict(self, texts: list[str]) -> list[Prediction]:
        return [Prediction("positive", {"positive": 0.967}) for _ in texts]


def test_predict_prints_one_line_per_text_its_comment_inert(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_commands, "_predictor", lambda _settings: Labeller())
    monkeypatch.setattr(
        CommentScreen, "from_settings", classmethod(lambda cls, _s: cls(NoOpinion.with_extra()))
    )
    texts = ["The lectures were great", "two\nlines here", "esc \x1b[31mRED\x1b[0m\ttext"]

    assert main(["predict", *texts]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t") for line in lines] == [
        ["positive", "0.967", "The lectures were great"],
        ["positive", "0.967", "two lines here"],
        ["positive", "0.967", "esc \\x1b[31mRED\\x1b[0m text"],
    ]
    assert main(["predict", "--json", texts[1]]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == "two\nlines here"  # as given


class Summarising:
    def __enter__(self) -> Summarising:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def summary(self, request_id: str, group_by: str | None = None) -> Any:
        group = SimpleNamespace(group="Café 1", rows=2, errors=0, shares={"positive": 1.0})
        empty = SimpleNamespace(group="化学", rows=1, errors=1, shares={"positive": None})
        return SimpleNamespace(
            status="succeeded",
            rows_done=3,
            rows_total=3,
            labels=["positive"],
            overall=SimpleNamespace(rows=3, errors=1, shares={"positive": 1.0}),
            groups=[group, empty],
        )


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_summary_on_a_stdout_that_cannot_show_a_character_escapes_it(
    encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Summarising())
    terminal = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(terminal, encoding=encoding))

    assert main(["summary", ID, "--group-by", "course"]) == 0

    sys.stdout.flush()
    shown = terminal.getvalue().decode(encoding)
    assert "Caf\\xe9 1" in shown or "Café 1" in shown
    assert "\\u5316\\u5b66" in shown and len(shown.splitlines()) == 4


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_json_for_any_stdout_is_json_of_the_same_values(encoding: str) -> None:
    body = {"group": "Café “1” 化学 😀"}
    printed = json_text(body, encoding)
    printed.encode(encoding)  # no character the output cannot take
    assert json.loads(printed) == body


def test_a_file_name_that_is_not_utf8_is_sent_with_its_bytes_replaced(tmp_path: Path) -> None:
    name = os.fsdecode(b"lat\xe9.csv")
    assert sendable_name(name) == "lat\ufffd.csv"
    assert sendable_name("Ökonomie.csv") == "Ökonomie.csv"
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(201, json={"request_id": ID, "status": "queued"})

    source = tmp_path / name
    source.write_bytes(b"comment\ngood\n")
    client = PipelineClient("http://api.test", transport=httpx.MockTransport(answer))
    with source.open("rb") as handle:
        assert client.submit(handle, source.name, "comment").request_id == ID
    assert 'filename="lat\ufffd.csv"'.encode() in sent[0]


def test_an_api_address_without_a_scheme_is_refused_naming_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", ID, "--api-url", "localhost:18500"]) == 2
    err = capsys.readouterr().err
    assert "--api-url 'localhost:18500' is not an API address" in err
    assert "cannot be reached" not in err

    monkeypatch.setenv("PIPELINE_API_URL", "localhost:18500")
    assert main(["status", ID]) == 1
    assert "PIPELINE_API_URL 'localhost:18500' is not an API address" in capsys.readouterr().err


def test_an_api_that_cannot_be_reached_names_the_option_it_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["status", ID, "--api-url", "http://127.0.0.1:9"]) == 75  # try again later
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "that --api-url points to it" in err


def test_a_port_out_of_range_is_refused_under_its_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["up", "--port", "99999"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--port: 99999 is not a TCP port" in err and "PIPELINE_API_PORT" not in err


def test_a_refused_key_says_how_the_command_line_sends_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    refusal = {"error": "unauthorized", "message": "this server needs an API key: send it in "
               "the X-API-Key header (an Authorization header is not read)"}  # fmt: skip
    transport = httpx.MockTransport(lambda _request: httpx.Response(401, json=refusal))
    monkeypatch.setattr(
        job_commands,
        "api_client",
        lambda _args: PipelineClient("http://api.test", transport=transport),
    )

    assert main(["status", ID]) == 1
    err = capsys.readouterr().err
    assert "with --api-key KEY or PIPELINE_API_KEY: none was given" in err and err.count("\n") == 1
    assert main(["status", ID, "--api-key", "sk-live-abc"]) == 1
    assert "the key sent was --api-key's" in capsys.readouterr().err
