"""The HTTP API in-process: status codes, JSON errors that name the problem (API keys:
test_api_auth.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.worker import Worker

CSV = b"course,teacher,comment\nA,T1,good\nB,T2,bad\nA,T2,\n"


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, max_upload_bytes=5000, insights=False)  # as its workers


def post(client: TestClient, data: bytes = CSV, key: str | None = None, **form: object) -> Any:
    headers = {"X-API-Key": key} if key else {}
    fields = {"text_column": "comment", **form}
    return client.post("/v1/jobs", files={"file": ("c.csv", data)}, data=fields, headers=headers)


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def test_submit_poll_results_summary(client: TestClient, backend: Backend) -> None:
    answer = post(client, group_by=["course", "teacher"])
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "queued" and body["reused"] is False
    request_id = body["request_id"]
    assert client.get(f"/v1/jobs/{request_id}").json()["group_by"] == ["course", "teacher"]
    run_worker(backend)
    status = client.get(f"/v1/jobs/{request_id}").json()
    assert status["status"] == "succeeded" and status["rows_done"] == 3
    assert status["rows_failed"] == 1 and status["model_version"] == "fake-1"
    page = client.get(f"/v1/jobs/{request_id}/results", params={"limit": 2}).json()
    assert page["next_offset"] == 2 and [r["label"] for r in page["rows"]] == [
        "positive",
        "negative",
    ]
    assert page["columns"][:3] == ["course", "teacher", "comment"]
    csv = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("\ufeffcourse,teacher,comment,label,score_negative")
    summary = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": "teacher"}).json()
    assert [g["group"] for g in summary["groups"]] == ["T1", "T2"]
    assert summary["overall"]["counts"]["positive"] == 1
    assert client.get("/v1/jobs").json()["jobs"][0]["request_id"] == request_id
    assert post(client, group_by=["course,teacher"]).json()["reused"] is True
    gone = client.delete(f"/v1/jobs/{request_id}")
    assert gone.status_code == 409 and gone.json()["error"] == "conflict"


def test_errors_are_json_that_names_the_problem(client: TestClient) -> None:
    missing = post(client, text_column="feedback")
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "missing_column",
        "detail": "column 'feedback' is not in the file; its columns are: course, teacher, comment",
    }
    assert post(client, b"comment\nab\x81\n").json()["error"] == "encoding"
    ragged = post(client, b"course,teacher,comment\nA,T,Great,extra\n").json()
    assert ragged == {
        "error": "malformed_input",
        "detail": "line 2 has 4 fields but the header has 3 columns: a value that holds a comma "
        "must be in double quotes; fix the line (or the header) and upload again",
    }
    too_big = post(client, b"comment\n" + b"x\n" * 3000)
    assert too_big.status_code == 413 and "5,000 bytes" in too_big.json()["detail"]
    no_file = client.post("/v1/jobs", data={"text_column": "comment"})
    assert no_file.status_code == 422 and "'file'" in no_file.json()["detail"]
    unknown = client.get("/v1/jobs/does-not-exist")
    assert unknown.status_code == 404 and unknown.json()["error"] == "job_not_found"
    limit = client.get("/v1/jobs/x/results", params={"limit": 0})
    assert limit.status_code == 422 and "'limit'" in limit.json()["detail"]
    assert client.get("/nowhere").json() == {"error": "not_found", "detail": "Not Found"}


def test_a_declared_oversized_body_is_refused_before_it_is_read(client: TestClient) -> None:
    answer = client.post("/v1/jobs", content=b"x", headers={"content-length": str(10_000_000)})
    assert answer.status_code == 413 and answer.json()["error"] == "limit_exceeded"


def test_cancel_a_queued_job(client: TestClient) -> None:
    request_id = post(client).json()["request_id"]
    answer = client.delete(f"/v1/jobs/{request_id}")
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"


def test_accepted_submissions_notify_and_refused_ones_do_not(backend: Backend) -> None:
    submitted: list[int] = []
    client = TestClient(create_app(backend, on_submitted=lambda: submitted.append(1)))
    assert post(client, text_column="feedback").status_code == 400
    assert submitted == []
    assert post(client).status_code == 202
    assert post(client).json()["reused"] is True
    assert submitted == [1, 1]
