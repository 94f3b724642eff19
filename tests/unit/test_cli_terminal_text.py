"""What the commands print is inert: a student's comment or a course's value with escape
sequences (clear the screen, recolour, an OSC 8 link, a cursor move up over the
"withheld · threat" heading) or a bidi override reaches the terminal as visible escapes, the
rest of it readable; ``--json`` keeps the answer as written."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import (
    change_commands,
    flagged_commands,
    insight_commands,
    job_commands,
    rating_commands,
)
from pipeline.cli.main import main
from pipeline.worker import Worker

HOSTILE_COMMENT = (
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[2J I want to kill myself"
    "\x1b[1A\x1b[2K\x9b2J"
)
HOSTILE_COURSE = "B\x1b[2J\x1b[31mRED\u202e"
SHOWN_COURSE = "B\\x1b[2J\\x1b[31mRED\\u202e"
LIVE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach the terminal (a newline only between the command's own lines)."""


def hostile_file(extra: int) -> bytes:
    rows = [
        (HOSTILE_COURSE, "2", HOSTILE_COMMENT),
        (HOSTILE_COURSE, "1", "bad exams, I want to kill myself\nwithheld · threat"),
        *((HOSTILE_COURSE, "5", f"good labs {i}") for i in range(6)),
        *(("CHEM110", "4", f"good lectures {i}") for i in range(6)),
        *(("CHEM110", "1", f"bad marking {i}") for i in range(extra)),
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([("course", "Q2", "comment"), *rows])
    return buffer.getvalue().encode()


def submitted(client: TestClient, content: bytes, name: str) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": (name, content)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


@pytest.fixture
def jobs(backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two finished jobs of the hostile file (last term's, this term's), and every client
    command answered by the in-process API."""
    ids = [submitted(client, hostile_file(2), "a.csv"), submitted(client, hostile_file(5), "b.csv")]
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    for module in (change_commands, flagged_commands, insight_commands, job_commands):
        monkeypatch.setattr(module, "api_client", lambda _args: in_process_client(client))
    monkeypatch.setattr(rating_commands, "api_client", lambda _args: in_process_client(client))
    monkeypatch.setenv("COLUMNS", "100")
    return ids


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    assert not LIVE.findall(out), f"{argv[0]} printed a live control character"
    return out


def test_flagged_shows_the_hostile_comment_inert_under_its_heading(
    jobs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = printed(capsys, "flagged", jobs[0], "--group-by", "course")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("comment #1 "))
    assert re.fullmatch(rf"comment #1 · withheld · {re.escape(SHOWN_COURSE)} · \w+", lines[at])
    assert lines[at + 1] == "found: distress: kill myself"
    shown = " ".join(line.strip() for line in lines[at + 2 : at + 4])
    assert shown == (
        "\\x1b]8;;http://evil.example\\x1b\\click\\x1b]8;;\\x1b\\ \\x1b[2J I want to kill "
        "myself\\x1b[1A\\x1b[2K\\x9b2J"
    )
    assert "comment #2 · withheld" in out  # the comment with a line break of its own…
    assert not any(line.startswith("withheld") for line in lines)  # …starts no line

    assert main(["flagged", jobs[0], "--group-by", "course", "--json"]) == 0
    first = next(c for c in json.loads(capsys.readouterr().out)["comments"] if not c["row_index"])
    assert (first["text"], first["group"]) == (HOSTILE_COMMENT, HOSTILE_COURSE)  # as written


def test_summary_names_the_hostile_group_inert_in_its_column(
    jobs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = printed(capsys, "summary", jobs[0], "--group-by", "course")
    names = [line[:24].rstrip() for line in out.splitlines()[1:]]
    assert sorted(names) == sorted(["(all)", "CHEM110", SHOWN_COURSE[:24]])  # cut to fit


@pytest.mark.parametrize(
    "command",
    [
        ["aspects", "{now}", "--group-by", "course"],
        ["themes", "{now}", "--group-by", "course"],
        ["ratings", "{now}", "--column", "Q2", "--group-by", "course"],
        ["change", "{now}", "--since", "{earlier}", "--group-by", "course"],
        ["trend", "--group-by", "course", "{earlier}", "{now}"],
    ],
)
def test_every_table_shows_the_hostile_values_inert(
    jobs: list[str], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    earlier, now = jobs
    out = printed(capsys, *(part.format(earlier=earlier, now=now) for part in command))
    assert "B\\x1b[2J\\x1b[31mRED" in out  # the group is named, readably
