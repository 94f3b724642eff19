"""A value written "(blank)" (what an Excel pivot table writes for an empty cell) or "(all)"
is a group of its own, never the rows without a value nor every comment: each group has a name
no other bears, everywhere one is shown or asked for, and a group's report holds its comments
alone. The summary prints every name whole and says which may be one group written two ways."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from test_change import finish, submitted
from test_group_report import text_of

from pipeline.bootstrap import Backend
from pipeline.cli import change_commands, job_commands
from pipeline.cli.main import main
from pipeline.client import GroupCounts, PipelineClient, Summary
from pipeline.group_names import group_cell, group_name
from pipeline.report.change_table import one_job_only as change_sentences
from pipeline.report.trend_table import one_job_only as trend_sentences

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
    request_id = submitted(client, body, "evaluations.csv")
    finish(backend)
    return request_id


def two_jobs(backend: Backend, client: TestClient) -> tuple[str, str]:
    """Two terms of the same survey (files that differ: the same file is one job)."""
    return finished(backend, client), finished(backend, client, CSV + b"CHEM,good notes\n")


def report_text(client: TestClient, request_id: str, group: str, **params: str) -> str:
    answer = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"group_by": "course", "group": group, "format": "html", **params},
    )
    assert answer.status_code == 200, answer.text
    return text_of(answer.text)


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


def test_the_trend_of_one_group_is_named_as_it_was_asked_for(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The name asked for was named again: the rows without a course were headed with the
    literal "(blank)" course's name, and that course with a doubly quoted one."""
    ids = list(two_jobs(backend, client))
    monkeypatch.setattr(change_commands, "api_client", lambda _args: in_process_client(client))

    for name in ("(blank)", AS_WRITTEN):
        assert main(["trend", *ids, "--group-by", "course", "--group", name]) == 0
        lines = capsys.readouterr().out.splitlines()
        (row,) = [line for line in lines if line.startswith(("(blank)", '"'))]
        assert re.match(rf"{re.escape(name)}\s{{2,}}12 12\s", row), lines

    empty = report_text(client, ids[1], "(blank)", trend=ids[0])
    literal = report_text(client, ids[1], AS_WRITTEN, trend=ids[0])

    assert "tests of (blank)'s trend alone" in empty and AS_WRITTEN not in empty
    assert f"tests of {AS_WRITTEN}'s trend alone" in literal and '""' not in literal


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/jobs/{now}/change", {"since": "{earlier}"}),
        ("/v1/trend", {"jobs": "{earlier},{now}"}),
        ("/v1/trend/themes", {"jobs": "{earlier},{now}", "label": "negative"}),
        ("/v1/jobs/{now}/report", {"format": "html"}),
        ("/v1/jobs/{now}/themes", {}),
        ("/v1/jobs/{now}/flagged", {}),
    ],
)
def test_all_is_every_comment_and_no_group_so_asking_for_it_is_refused(
    backend: Backend, client: TestClient, path: str, params: dict[str, str]
) -> None:
    """``(all)`` was taken as the course written "(all)", whose figures a change then showed
    under the name every table gives all comments."""
    earlier, now = two_jobs(backend, client)
    query = {key: value.format(earlier=earlier, now=now) for key, value in params.items()}

    answer = client.get(
        path.format(now=now), params={**query, "group_by": "course", "group": "(all)"}
    )

    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert "(all) is every comment" in detail and '"(all)" (as written)' in detail
    assert "leave out group" in detail


def test_the_change_command_refuses_all_and_takes_the_course_written_so_by_its_name(
    backend: Backend,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    earlier, now = two_jobs(backend, client)
    monkeypatch.setattr(change_commands, "api_client", lambda _args: in_process_client(client))
    command = ["change", now, "--since", earlier, "--group-by", "course", "--group"]

    assert main([*command, "(all)"]) == 2
    assert "(all) is every comment, not one group" in capsys.readouterr().err
    assert main([*command, '"(all)" (as written)']) == 0
    rows = capsys.readouterr().out.splitlines()
    assert any(line.startswith('"(all)" (as written)  ') for line in rows), rows
    assert not any(line.startswith("(all) ") for line in rows), rows


def test_a_possible_match_is_named_as_every_table_names_its_group() -> None:
    """A course written "(blank)" beside one written "(BLANK)" is not the rows without a
    course: the sentence naming the pair says so, in the change and in the trend."""
    change = {"labels": ["negative"], "only_before": [{"group": "(blank)", "n": 3}]}
    change["possible_matches"] = [{"before": "(blank)", "after": "(BLANK)"}]
    trend = {"only_one_job": [{"group": "(blank)", "job": 0, "n": 3}]}
    trend["possible_matches"] = [{"group": "(blank)", "like": "(BLANK)"}]
    for sentences in (change_sentences(change)[-1], trend_sentences(trend)[-1]):
        assert sentences.startswith(f"“{AS_WRITTEN}”"), sentences
        assert "“(BLANK)”" in sentences
