"""``sentiment-pipeline results ID`` without ``-o`` prints the CSV: on a terminal with every
control character of the file shown inert (a course named with an escape sequence must not
clear the screen, recolour it, retitle the window or show a link elsewhere), its rows still one
a line; to a pipe or a file byte for byte as served."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.terminal_text import InertStream
from pipeline.worker import Worker

HOSTILE = (
    "course,comment\n"
    "A\x1b[31mred\x1b[0m,hello\n"
    "B\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\,bad\n"
    "C\x9b2J\u202e,fine \u8bfe\n"
)
LIVE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Terminal(io.TextIOWrapper):
    """stdout as a terminal: ``isatty`` says so; what was written is in ``raw``."""

    def __init__(self) -> None:
        self.raw_bytes = io.BytesIO()
        super().__init__(self.raw_bytes, encoding="utf-8")

    def isatty(self) -> bool:
        return True


@pytest.fixture
def request_id(backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("esc.csv", HOSTILE.encode())},
        data={"text_column": "comment"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))
    return str(answer.json()["request_id"])


def test_results_on_a_terminal_shows_the_files_escapes_inert_one_row_a_line(
    request_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["results", request_id, "--raw"]) == 0
    shown = terminal.raw_bytes.getvalue().decode("utf-8")
    assert not LIVE.findall(shown), "a live control character reached the terminal"
    lines = shown.splitlines()
    assert len(lines) == 4 and lines[0].startswith("course,comment,label")
    assert lines[1].startswith("A\\x1b[31mred\\x1b[0m,hello,")
    assert lines[2].startswith("B\\x1b]8;;http://evil/\\x1b\\link\\x1b]8;;\\x1b\\,bad,")
    assert lines[3].startswith("C\\x9b2J\\u202e,fine \u8bfe,")


def test_results_to_a_pipe_are_the_bytes_as_served(
    request_id: str, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    piped = Terminal()
    monkeypatch.setattr(piped, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdout", piped)
    assert main(["results", request_id, "--raw"]) == 0
    served = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv", "raw": "true"})
    assert piped.raw_bytes.getvalue() == served.content
    assert b"A\x1b[31mred\x1b[0m,hello," in served.content


def test_a_character_split_between_two_blocks_is_shown_whole() -> None:
    shown = io.BytesIO()
    stream = InertStream(shown, "utf-8")
    content = "课\x1b[2J,é\r\n".encode()
    for at in range(len(content)):
        stream.write(content[at : at + 1])
    stream.close()
    assert shown.getvalue().decode() == "课\\x1b[2J,é \n"


def test_what_the_terminals_encoding_cannot_show_is_an_escape() -> None:
    shown = io.BytesIO()
    stream = InertStream(shown, "ascii")
    stream.write("é\x07".encode())
    stream.close()
    assert shown.getvalue() == b"\\xe9\\x07"
