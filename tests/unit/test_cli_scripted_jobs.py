"""Hunt 5, 8: what a script needs around its jobs. ``jobs`` lists the key's jobs (a cron job
that died before it noted its request id finds it again); ``--timeout`` ends a ``--wait`` or
``--watch`` on a job that stays queued, with its own exit status, the job left running; a
pipe given to ``submit`` is refused saying what to do, not as "is not a file"."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from clientfakes import FakeClientBase
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from jobfakes import FakeClock

from pipeline.cli import job_commands
from pipeline.cli.exit_codes import EXIT_DONE, EXIT_INPUT_ERROR, EXIT_UNFINISHED
from pipeline.cli.main import main
from pipeline.client import JobStatus, Submitted


def test_jobs_lists_the_keys_jobs_as_keys_jobs_does(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))
    assert main(["jobs"]) == EXIT_DONE
    empty = capsys.readouterr()
    assert (empty.out, empty.err) == ("", "0 jobs under this key\n")

    ids = [
        client.post("/v1/jobs", files={"file": (name, body)}, data={}).json()["request_id"]
        for name, body in [("a.csv", b"comment\ngood\n"), ("b c.csv", b"comment\nbad\n")]
    ]

    assert main(["jobs"]) == EXIT_DONE
    listed = capsys.readouterr()
    rows = [line.split("\t") for line in listed.out.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(ids)
    assert {tuple(row[2:]) for row in rows} == {
        ("queued", "0/1 rows", "a.csv"),
        ("queued", "0/1 rows", "b c.csv"),
    }
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row[1]) for row in rows)
    assert listed.err == "2 jobs under this key\n"

    assert main(["jobs", "--limit", "1"]) == EXIT_DONE
    one = capsys.readouterr()
    assert len(one.out.splitlines()) == 1
    assert one.err == "1 job under this key (the newest 1: --limit shows more)\n"
    assert main(["jobs", "--json"]) == EXIT_DONE
    answered = json.loads(capsys.readouterr().out)["jobs"]
    assert sorted(job["request_id"] for job in answered) == sorted(ids)
    assert answered[0]["status"] == "queued"


@pytest.mark.parametrize("limit", ["0", "501", "ten"])
def test_jobs_refuses_a_limit_the_api_does_not_take(limit: str) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["jobs", "--limit", limit])
    assert refused.value.code == EXIT_INPUT_ERROR


class Stuck(FakeClientBase):
    """An API whose job r1 stays queued: no worker takes it."""

    def submit(self, *_args: object, **_options: object) -> Submitted:
        return Submitted("r1", "queued")

    def status(self, request_id: str) -> JobStatus:
        return JobStatus(request_id, "queued", rows_total=100, rows_done=0)


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["status", "r1", "--watch", "--timeout", "30"], "r1 queued: 0/100 rows\n"),
        (["submit", "{file}", "--text-column", "comment", "--wait", "--timeout", "30"], "r1\n"),
    ],
)
def test_a_wait_with_a_timeout_stops_with_its_own_status_and_leaves_the_job(
    argv: list[str],
    out: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "comments.csv"
    source.write_text("comment\ngood labs\n", encoding="utf-8")
    clock = FakeClock()
    monkeypatch.setattr(job_commands, "api_client", lambda _args: Stuck())
    monkeypatch.setattr(job_commands.time, "monotonic", clock)
    monkeypatch.setattr(job_commands.time, "sleep", clock.advance)

    assert main([part.format(file=source) for part in argv]) == EXIT_UNFINISHED

    captured = capsys.readouterr()
    assert captured.out == out
    assert captured.err.endswith(
        "--timeout 30 s ran out: stopped waiting; job r1 keeps running: sentiment-pipeline "
        "status r1 --watch (sentiment-pipeline cancel r1 stops it)\n"
    )
    assert clock.now == 1_030.0


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "r1", "--timeout", "30"],
        ["submit", "{file}", "--timeout", "30"],
    ],
)
def test_a_timeout_without_a_wait_is_refused(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "comments.csv"
    source.write_text("comment\ngood labs\n", encoding="utf-8")
    assert main([part.format(file=source) for part in argv]) == EXIT_INPUT_ERROR
    assert "--timeout limits the waiting of" in capsys.readouterr().err


@pytest.mark.parametrize("seconds", ["0", "-5", "nan", "inf", "soon"])
def test_a_timeout_is_seconds_more_than_zero(seconds: str) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["status", "r1", "--watch", "--timeout", seconds])
    assert refused.value.code == EXIT_INPUT_ERROR


def test_a_pipe_given_to_submit_is_refused_saying_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    assert main(["submit", str(fifo)]) == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert f"{fifo} is a pipe or a device, not a file" in err
    assert "save the output to a file first" in err

    assert main(["submit", str(tmp_path / "none.csv")]) == EXIT_INPUT_ERROR
    assert f"{tmp_path / 'none.csv'}: no such file" in capsys.readouterr().err
    assert main(["submit", str(tmp_path)]) == EXIT_INPUT_ERROR
    assert f"{tmp_path} is a folder: name a file to submit" in capsys.readouterr().err
