"""File names made of what users typed: a course named in another script or with an accent
keeps its own name, so one course's report never overwrites another's, and the API carries
such a name in its Content-Disposition header as RFC 6266 says (an ASCII ``filename`` and the
exact ``filename*``)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from fastapi.testclient import TestClient
from jobfakes import FakePredictor

from pipeline.bootstrap import Backend
from pipeline.file_names import (
    content_disposition,
    distinct_names,
    job_stem,
    results_file_name,
    safe_name,
)
from pipeline.worker import Worker

COURSES = ["化学", "生物", "Ökonomie", "Äkonomie", "Café 101", "Cafe\u0301 101", "CHEM/110"]


def test_names_in_any_script_stay_apart() -> None:
    names = list(distinct_names(COURSES))
    assert names == ["化学", "生物", "Ökonomie", "Äkonomie", "Café_101", "Café_101-2", "CHEM_110"]
    assert safe_name('a "quoted"\n/..\\name\u202e') == "a_quoted_name"
    assert safe_name("???") == ""


def test_a_header_carries_a_name_that_is_not_ascii_twice() -> None:
    assert content_disposition("evals-report.pdf") == 'attachment; filename="evals-report.pdf"'
    header = content_disposition("evals-report-course-化学.pdf")
    fallback = re.search(r'filename="([^"]*)"', header)
    exact = re.search(r"filename\*=UTF-8''(\S+)$", header)
    assert fallback and fallback.group(1) == "evals-report-course-_.pdf"
    assert exact and unquote(exact.group(1)) == "evals-report-course-化学.pdf"
    header.encode("ascii")


def test_two_courses_in_other_scripts_get_reports_named_apart(
    backend: Backend, client: TestClient, tmp_path: Path
) -> None:
    content = "course,comment\n化学,good labs\n生物,bad exam\n".encode()
    answer = client.post("/v1/jobs", files={"file": ("evals.csv", content)}, data={})
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    names = []
    for course in ("化学", "生物"):
        report = client.get(
            f"/v1/jobs/{request_id}/report",
            params={"format": "html", "group_by": "course", "group": course},
        )
        assert report.status_code == 200, report.text
        exact = report.headers["content-disposition"].split("filename*=UTF-8''")[1]
        names.append(unquote(exact))
    assert names[0] != names[1]
    assert names[0].endswith("-report-course-化学.html")


def test_the_results_csv_is_named_after_the_upload_as_the_app_and_the_reports_are(
    backend: Backend, client: TestClient
) -> None:
    upload = "Évaluations 2026 «Chimie».csv"
    answer = client.post("/v1/jobs", files={"file": (upload, b"course,comment\nA,good\n")}, data={})
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    results = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"})
    report = client.get(f"/v1/jobs/{request_id}/report", params={"format": "html"})

    exact = unquote(results.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert exact == f"Évaluations_2026_Chimie-{request_id[:8]}-results.csv"
    assert exact == results_file_name(upload, request_id)
    report_name = unquote(report.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert report_name.startswith(exact.removesuffix("-results.csv") + "-report")
    assert 'filename="_valuations_2026_Chimie-' in results.headers["content-disposition"]


def test_a_request_id_that_begins_with_an_underscore_keeps_it_in_every_file_name() -> None:
    """Ids are URL-safe base64: one in 32 begins with "_", which a stripped name lost, so the
    app's and the report's names of one job differed."""
    assert job_stem("evaluations.csv", "_lS2u4tIabcdefghijklmn") == "evaluations-_lS2u4tI"
    assert results_file_name("e.xlsx", "-abcdefg_hijk") == "e--abcdefg-results.csv"
