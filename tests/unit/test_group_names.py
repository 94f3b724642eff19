"""A value written "(blank)" (what an Excel pivot table writes for an empty cell) or "(all)"
is a group of its own, never the rows without a value nor every comment: each group has a name
no other bears, everywhere one is shown or asked for, and a group's report holds its comments
alone. The summary prints every name whole and says which may be one group written two ways."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli import job_commands
from pipeline.cli.main import main
from pipeline.client import GroupCounts, PipelineClient, Summary
from pipeline.report.group_names import group_cell, group_name
from pipeline.worker import Worker

LITERAL = "the labs were great and fun number"
EMPTY = "the exam was bad and unfair number"
CSV = (
    "course,comment\n"
    + "".join(f"(blank),{LITERAL} {i}\n" for i in range(12))
    + "".join(f",{EMPTY} {i}\n" for i in range(12))
    + "(all),good notes\n"
    + "CHEM,good labs\n"
).encode()
AS_WRITTEN = '"(blank)" (as written)'


def finished(backend: Backend, client: TestClient, body: bytes = CSV) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", body)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    return str(answer.json()["request_id"])


def report_text(client: TestClient, request_id: str, group: str) -> str:
    answer = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"group_by": "course", "group": group, "format": "html"},
    )
    assert answer.status_code == 200, answer.text
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))


def test_every_group_has_a_name_of_its_own_that_reads_back_to_it() -> None:
    values = [None, "(blank)", "(all)", AS_WRITTEN, "CHEM 101", '"x" (as written)']
    names = [group_name(value) for value in values]

    assert names[:4] == [
        "(blank)",
        AS_WRITTEN,
        '"(all)" (as written)',
        '""(blank)" (as written)" (as written)',
    ]
    assert names[4] == "CHEM 101" and group_name("") == "(blank)"
    assert len(set(names)) == len(names)
    assert [group_cell(name) for name in names] == ["", *values[1:]]
    assert group_cell("(all)") == "(all)"  # no group is named so: the value as written


def test_the_literal_blank_and_the_rows_without_a_course_have_reports_of_their_own(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)

    empty = report_text(client, request_id, "(blank)")
    literal = report_text(client, request_id, AS_WRITTEN)

    assert "Negative comments:" in empty and "Keywords:" in empty  # its own themes, quoted
    assert EMPTY in empty and LITERAL not in empty
    assert LITERAL in literal and EMPTY not in literal
    assert f"course {AS_WRITTEN}" in literal
    assert "good notes" in report_text(client, request_id, '"(all)" (as written)')


def test_the_themes_and_the_report_of_a_group_are_of_the_same_rows(
    backend: Backend, client: TestClient
) -> None:
    request_id = finished(backend, client)

    def quoted_rows(group: str) -> set[int]:
        answer = client.get(
            f"/v1/jobs/{request_id}/themes", params={"group_by": "course", "group": group}
        )
        assert answer.status_code == 200, answer.text
        return {q["row"] for theme in answer.json()["themes"] for q in theme["quotes"]}

    assert quoted_rows("(blank)") and quoted_rows("(blank)") <= set(range(12, 24))
    assert quoted_rows(AS_WRITTEN) and quoted_rows(AS_WRITTEN) <= set(range(12))


def test_the_summary_names_each_group_whole_and_apart(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = "Introduction to Organic Chemistry I"
    body = (
        "course,comment\n(blank),good\n,bad\n(all),good\n"
        f'{first},good\n{first}I,bad\nCHEM 101,good\n"CHEM 101 ",bad\n'
    ).encode()
    request_id = finished(backend, client, body)
    monkeypatch.setattr(job_commands, "api_client", lambda _args: in_process_client(client))

    assert main(["summary", request_id, "--group-by", "course"]) == 0

    printed = capsys.readouterr()
    names = [re.split(r"\s{2,}", line)[0] for line in printed.out.splitlines()[1:]]
    assert sorted(names) == sorted(
        [
            "(all)",
            '"(all)" (as written)',
            AS_WRITTEN,
            "(blank)",
            first,
            f"{first}I",
            "CHEM 101",
            "“CHEM 101 ”",
        ]
    )
    assert "“CHEM 101” and “CHEM 101 ” may be one group written two ways" in printed.err


def test_each_group_asks_for_and_writes_every_group_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def report(self: PipelineClient, *args: Any, **_options: Any) -> bytes:
        asked.append(args[3])
        return f"report of {args[3]}".encode()

    def summary(self: PipelineClient, request_id: str, group_by: str | None = None) -> Summary:
        groups = [
            GroupCounts(group=value, rows=1, errors=0, counts={}, shares={}, mean_scores={})
            for value in ("(all)", "(blank)", None)
        ]
        return Summary(request_id, "succeeded", [], 3, 3, groups[0], group_by, groups)

    monkeypatch.setattr(PipelineClient, "report", report)
    monkeypatch.setattr(PipelineClient, "summary", summary)
    monkeypatch.chdir(tmp_path)

    command = ["report", "rid", "--group-by", "course", "--each-group"]
    assert main([*command, "--api-url", "http://api.test"]) == 0

    assert asked == ['"(all)" (as written)', AS_WRITTEN, "(blank)"]
    folder = tmp_path / "rid-reports"
    assert sorted(p.name for p in folder.iterdir()) == [
        "all_as_written.pdf",
        "blank.pdf",
        "blank_as_written.pdf",
    ]
