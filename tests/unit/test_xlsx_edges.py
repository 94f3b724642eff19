"""XLSX through every edge in-process: the FastAPI app (multipart, and a stored upload key), the
API Gateway handler (a multipart proxy event), the client's ``sheet`` field; the worker reads
the sheet and header row the job recorded. The same over real HTTP and S3 is in tests/e2e."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import answer, load_event, without_identity
from fastapi.testclient import TestClient
from jobfakes import FakePredictor
from xlsxfakes import evaluation_export, repeated_cells_bomb

from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.client import PipelineClient
from pipeline.service.jobs import upload_key_for
from pipeline.worker import Worker

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def workbook(tmp_path: Path) -> bytes:
    return evaluation_export(tmp_path / "export.xlsx").read_bytes()


@pytest.fixture
def http(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def submit(http: TestClient, content: bytes, name: str = "evaluations.xlsx", **form: str) -> Any:
    fields = {"text_column": "comment", **form}
    return http.post("/v1/jobs", data=fields, files={"file": (name, content, XLSX_TYPE)})


def test_an_xlsx_upload_is_labelled_from_the_sheet_and_row_that_hold_its_table(
    backend: Backend, http: TestClient, workbook: bytes
) -> None:
    sent = submit(http, workbook, group_by="course")
    assert sent.status_code == 202, sent.text
    request_id = sent.json()["request_id"]
    run_worker(backend)

    status = http.get(f"/v1/jobs/{request_id}").json()
    assert status["input_options"] == {"sheet": "Answers", "header_row": 3}
    assert (status["status"], status["rows_done"], status["group_by"]) == (
        "succeeded",
        3,
        ["Course"],
    )
    rows = http.get(f"/v1/jobs/{request_id}/results").json()["rows"]
    assert [row["Comment"] for row in rows] == ["Great lectures", "Too fast", ""]


def test_the_sheet_field_chooses_the_sheet_and_the_same_sheet_is_one_job(
    backend: Backend, http: TestClient, workbook: bytes
) -> None:
    default = submit(http, workbook).json()
    by_number = submit(http, workbook, sheet="2").json()
    notes = submit(http, workbook, sheet="Notes").json()

    assert by_number == {**default, "reused": True}, "sheet 2 is the one the default found"
    assert notes["request_id"] != default["request_id"] and not notes["reused"]
    run_worker(backend)
    status = http.get(f"/v1/jobs/{notes['request_id']}").json()
    assert (status["input_options"], status["rows_done"]) == (
        {"sheet": "Notes", "header_row": 1},
        1,
    )


def test_refused_workbooks_get_their_code_and_the_service_still_answers(
    http: TestClient, workbook: bytes
) -> None:
    unknown = submit(http, workbook, sheet="Answer")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "sheet_not_found"
    assert "'Cover', 'Answers', 'Notes'" in unknown.json()["detail"]

    bomb = submit(http, repeated_cells_bomb())
    assert (bomb.status_code, bomb.json()["error"]) == (413, "limit_exceeded")
    assert "decompression bomb" in bomb.json()["detail"]

    old = submit(http, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), name="grades.xls")
    assert (old.status_code, old.json()["error"]) == (400, "unsupported_format")
    assert "save it as Excel Workbook (.xlsx)" in old.json()["detail"]

    assert http.get("/health").status_code == 200


def test_a_workbook_submitted_by_upload_key_reads_like_a_direct_one(
    backend: Backend, http: TestClient, tmp_path: Path
) -> None:
    key = upload_key_for()  # what POST /v1/uploads hands out; here the file is put directly
    backend.store.put_file(key, evaluation_export(tmp_path / "export.xlsx"))
    form = {"upload_key": key, "filename": "evaluations.xlsx", "text_column": "comment"}
    sent = http.post("/v1/jobs", data={**form, "sheet": "Answers"})
    assert sent.status_code == 202, sent.text
    run_worker(backend)

    status = http.get(f"/v1/jobs/{sent.json()['request_id']}").json()
    assert (status["input_options"]["sheet"], status["rows_done"]) == ("Answers", 3)


def test_the_gateway_reads_a_workbook_from_a_multipart_proxy_event(
    backend: Backend, workbook: bytes
) -> None:
    event = multipart_event({"text_column": "comment", "sheet": "Answers"}, workbook)
    gateway = Gateway(backend)
    sent = answer(gateway.handle(event))
    assert sent.status == 202, sent.text
    run_worker(backend)

    status = answer(
        gateway.handle(without_identity(load_event("status", sent.json()["request_id"])))
    )
    assert status.json()["input_options"] == {"sheet": "Answers", "header_row": 3}
    assert status.json()["rows_done"] == 3


def test_the_client_sends_the_sheet_only_when_given() -> None:
    bodies: list[bytes] = []

    def server(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(202, json={"request_id": "r1", "status": "queued"})

    with PipelineClient("http://api.test", transport=httpx.MockTransport(server)) as client:
        client.submit(b"PK", "a.xlsx", "comment", sheet="Answers")
        client.submit(b"PK", "a.xlsx", "comment")
    assert b'name="sheet"\r\n\r\nAnswers\r\n' in bodies[0]
    assert b'name="sheet"' not in bodies[1]


def multipart_event(fields: dict[str, str], content: bytes) -> dict[str, Any]:
    """The submit fixture event carrying ``fields`` and ``content`` as a workbook file part."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="evaluations.xlsx"\r\nContent-Type: {XLSX_TYPE}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    event = without_identity(load_event("submit_multipart"))
    headers = {**event["headers"], "Content-Type": f"multipart/form-data; boundary={boundary}"}
    encoded = base64.b64encode(body).decode()
    return {**event, "headers": headers, "body": encoded, "isBase64Encoded": True}
