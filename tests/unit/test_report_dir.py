"""``report --each-group --output-dir DIR`` into a fixed folder (a termly cron job, a folder a
web server publishes): a sentiment-reports.json names the job and its files; a folder holding
anything else (last term's reports, a file of the user's) is refused before anything is
asked, unless --overwrite, which removes only the reports an earlier run listed there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli.main import main
from pipeline.cli.report_commands import MANIFEST
from pipeline.client import GroupCounts, PipelineClient, Summary
from pipeline.errors import InputError

LAST_TERM, THIS_TERM = "L" * 22, "T" * 22
COURSES = {LAST_TERM: ["C0", "C1", "C2"], THIS_TERM: ["CS101", "C1", "MATH201"]}
API = ["--api-url", "http://api.test"]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Each job's groups are its courses; each report says whose it is. Records what was asked."""
    seen: list[str] = []

    def report(self: PipelineClient, request_id: str, *args: Any, **_options: Any) -> bytes:
        seen.append(f"report {request_id}")
        return f"{request_id}'s report of {args[2]}".encode()

    def summary(self: PipelineClient, request_id: str, group_by: str | None = None) -> Summary:
        seen.append(f"summary {request_id}")
        groups = [
            GroupCounts(group=name, rows=1, errors=0, counts={}, shares={}, mean_scores={})
            for name in COURSES[request_id]
        ]
        return Summary(request_id, "succeeded", [], 3, 3, groups[0], group_by, groups)

    monkeypatch.setattr(PipelineClient, "report", report)
    monkeypatch.setattr(PipelineClient, "summary", summary)
    monkeypatch.chdir(tmp_path)
    return seen


def each_group(request_id: str, *more: str) -> int:
    command = ["report", request_id, "--group-by", "course", "--each-group", "--format", "html"]
    return main([*command, "--output-dir", "rep", *more, *API])


def held(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def manifest(folder: Path) -> dict[str, Any]:
    listed: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return listed


def test_a_folder_holding_another_jobs_reports_is_refused_before_anything_is_asked(
    asked: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert each_group(LAST_TERM) == 0
    folder = tmp_path / "rep"
    before = {name: (folder / name).read_bytes() for name in held(folder)}
    asked.clear()
    capsys.readouterr()

    assert each_group(THIS_TERM) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: rep already holds 3 files (C0.html, C1.html, C2.html), ")
    assert f"not reports of job {THIS_TERM}, the reports of job {LAST_TERM} among them" in err
    assert "--overwrite" in err and "another --output-dir" in err
    assert asked == []
    assert {name: (folder / name).read_bytes() for name in held(folder)} == before


def test_the_manifest_names_the_job_and_each_files_group(asked: list[str], tmp_path: Path) -> None:
    assert each_group(LAST_TERM) == 0

    listed = manifest(tmp_path / "rep")
    assert listed["request_id"] == LAST_TERM and listed["written_at"]
    assert [(r["file"], r["group"], r["screened"]) for r in listed["reports"]] == [
        ("C0.html", "C0", True),
        ("C1.html", "C1", True),
        ("C2.html", "C2", True),
    ]


def test_overwrite_replaces_the_earlier_jobs_reports_and_leaves_other_files(
    asked: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert each_group(LAST_TERM) == 0
    folder = tmp_path / "rep"
    (folder / "index.html").write_text("the department's page")

    assert each_group(THIS_TERM, "--overwrite") == 0

    assert held(folder) == ["C1.html", "CS101.html", "MATH201.html", "index.html", MANIFEST]
    assert (folder / "C1.html").read_text() == f"{THIS_TERM}'s report of C1"
    assert (folder / "index.html").read_text() == "the department's page"
    listed = manifest(folder)
    assert listed["request_id"] == THIS_TERM
    assert [r["file"] for r in listed["reports"]] == ["CS101.html", "C1.html", "MATH201.html"]
    err = capsys.readouterr().err
    assert "rep also holds 1 file (index.html): left as they are" in err


def test_the_same_jobs_reports_may_be_written_again_and_beside_each_other(
    asked: list[str], tmp_path: Path
) -> None:
    assert each_group(LAST_TERM) == 0
    assert each_group(LAST_TERM) == 0  # cron ran it twice
    assert each_group(LAST_TERM, "--no-screen") == 0

    folder = tmp_path / "rep"
    assert held(folder) == [
        "C0-unscreened.html",
        "C0.html",
        "C1-unscreened.html",
        "C1.html",
        "C2-unscreened.html",
        "C2.html",
        MANIFEST,
    ]
    listed = [(r["file"], r["screened"]) for r in manifest(folder)["reports"]]
    assert ("C0.html", True) in listed and ("C0-unscreened.html", False) in listed
    assert len(listed) == 6


def test_files_of_no_manifest_are_refused_and_hidden_ones_do_not_count(
    asked: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / ".htaccess").write_text("Options -Indexes")
    assert each_group(THIS_TERM) == 0
    assert ".htaccess" in held(folder)

    other = tmp_path / "old"
    other.mkdir()
    for name in ("a.html", "b.html", "c.html", "d.html", "e.html", "f.html", "g.html"):
        (other / name).write_text("before this command named its reports")
    command = ["report", THIS_TERM, "--group-by", "course", "--each-group", *API]
    assert main([*command, "--output-dir", "old"]) == 2
    err = capsys.readouterr().err
    assert "old already holds 7 files (a.html, b.html, c.html, d.html, e.html and 2 more)" in err
    assert "among them" not in err
    assert main([*command, "--output-dir", "old", "--overwrite"]) == 0
    assert (other / "a.html").exists() and (other / "CS101.pdf").exists()


def test_overwrite_goes_with_each_group(
    asked: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", THIS_TERM, "--overwrite", *API]) == 2
    assert "--overwrite goes with --each-group" in capsys.readouterr().err


def test_a_job_with_no_report_leaves_the_earlier_reports_even_with_overwrite(
    asked: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert each_group(LAST_TERM) == 0
    folder = tmp_path / "rep"
    before = {name: (folder / name).read_bytes() for name in held(folder)}

    def refused(self: PipelineClient, *args: Any, **_options: Any) -> bytes:
        raise InputError("none of the job's comments got a label")

    monkeypatch.setattr(PipelineClient, "report", refused)
    assert each_group(THIS_TERM, "--overwrite") == 2
    assert {name: (folder / name).read_bytes() for name in held(folder)} == before
