"""A report made without screening (``screen=false``, ``--no-screen``) shows threats, words
of self-harm and students' names and e-mail addresses as written. Its file must never take
the screened report's name (the app names it ``…-unscreened-report…``): not in the API's
``Content-Disposition``, not in the CLI's default names (one would replace the other on
disk), for the whole report and one group's alike; and the report says *Not screened* at its
top, not only in its method section at the end."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpfakes import clients_answered_in_process
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.report import job as report_job
from pipeline.worker import Worker

THREAT = "bad attitude, I'll kill him if he fails me"
CSV = (
    "course,comment\n"
    f'CHEM110,"{THREAT}"\n'
    "CHEM110,good lectures and clear slides\n"
    "BIO101,Great labs: write to jo.smith@uni.edu for notes\n"
    "BIO101,bad exams\n"
).encode()


@pytest.fixture
def request_id(backend: Backend, client: TestClient) -> str:
    answer = client.post(
        "/v1/jobs",
        files={"file": ("evaluations.csv", CSV)},
        data={"text_column": "comment", "group_by": "course"},
    )
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return str(answer.json()["request_id"])


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def disposition(client: TestClient, request_id: str, **params: str) -> str:
    answer = client.get(f"/v1/jobs/{request_id}/report", params=params)
    assert answer.status_code == 200, answer.text
    return answer.headers["content-disposition"]


def test_the_apis_unscreened_report_is_named_so(client: TestClient, request_id: str) -> None:
    stem = f"evaluations-{request_id[:8]}"
    whole = {"group_by": "course"}
    one = {"group_by": "course", "group": "CHEM110"}

    assert f'"{stem}-report-by-course.html"' in disposition(client, request_id, **whole)
    assert f'"{stem}-unscreened-report-by-course.html"' in disposition(
        client, request_id, **whole, screen="false"
    )
    assert f'"{stem}-report-course-CHEM110.html"' in disposition(client, request_id, **one)
    assert f'"{stem}-unscreened-report-course-CHEM110.html"' in disposition(
        client, request_id, **one, screen="false"
    )


def test_an_unscreened_report_says_so_at_its_top(client: TestClient, request_id: str) -> None:
    for params in ({"group_by": "course"}, {"group_by": "course", "group": "CHEM110"}):
        raw = client.get(f"/v1/jobs/{request_id}/report", params={**params, "screen": "false"})
        screened = client.get(f"/v1/jobs/{request_id}/report", params=params)
        text = text_of(raw.text)

        assert THREAT in text
        top = text.index("Not screened : every comment is shown as written")
        assert top < text.index("Overview") < text.index("Not screened : this report shows")
        assert "<title>Sentiment report (not screened):" in raw.text
        assert "Not screened" not in screened.text and "not screened" not in screened.text


def test_the_pdfs_every_page_says_not_screened(
    backend: Backend, request_id: str, tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint")
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler's pdftotext")

    def pages(content: bytes) -> list[str]:
        path = tmp_path / "report.pdf"
        path.write_bytes(content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        return [page for page in text.split("\f") if page.strip()]

    raw = report_job.report_file(backend, request_id, None, "course", "pdf", screen=False)
    screened = report_job.report_file(backend, request_id, None, "course", "pdf")

    shown = pages(raw.content)
    assert len(shown) > 2 and all("Not screened" in page for page in shown)  # page header
    assert "Not screened: every comment" in " ".join(shown[0].split())
    assert not any("Not screened" in page for page in pages(screened.content))
    assert raw.filename.endswith("-unscreened-report-by-course.pdf")


def test_the_command_never_writes_an_unscreened_report_over_a_screened_one(
    client: TestClient, request_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients_answered_in_process(monkeypatch, client)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    report = ["report", request_id, "--format", "html", "--api-url", "http://api.test"]
    by = ["--group-by", "course"]
    every = [*by, "--each-group"]

    for screen in ([], ["--no-screen"]):
        assert main([*report, *screen]) == 0
        assert main([*report, *by, "--group", "CHEM110", *screen]) == 0
        assert main([*report, *every, *screen]) == 0
        assert main([*report, *every, "--output-dir", "mine", *screen]) == 0

    def read(name: str) -> str:
        return (here / name).read_text(encoding="utf-8")

    for screened, raw in (
        (f"{request_id}-report.html", f"{request_id}-unscreened-report.html"),
        (f"{request_id}-report-CHEM110.html", f"{request_id}-unscreened-report-CHEM110.html"),
        (
            f"{request_id}-reports/CHEM110.html",
            f"{request_id}-unscreened-reports/CHEM110-unscreened.html",
        ),
        ("mine/BIO101.html", "mine/BIO101-unscreened.html"),
    ):
        assert "Not screened" not in read(screened), screened
        assert "Not screened" in read(raw), raw
    assert THREAT not in read(f"{request_id}-report.html")
    assert sorted(p.name for p in (here / "mine").iterdir()) == [
        "BIO101-unscreened.html",
        "BIO101.html",
        "CHEM110-unscreened.html",
        "CHEM110.html",
        "sentiment-reports.json",  # names the job: a folder of the user's
    ]
