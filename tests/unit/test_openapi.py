"""The OpenAPI document tells the truth (every status a route answers, with the body it
sends), 405s say what is allowed, offsets and limits are bounded, and /docs and /redoc work
without the internet: their assets come from the app itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from apigw_events import load_event, with_query
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.api.openapi import ErrorBody
from pipeline.bootstrap import Backend
from pipeline.errors import InputError
from pipeline.service.results import MAX_OFFSET, MAX_PAGE

CSV = b"course,comment\nA,good\nB,bad\n"
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
FOREIGN_LOAD = re.compile(rb"""(?:\bsrc\s*[:=]\s*|url\(\s*)["'`]?https?://""")
"""An image or other resource a script or stylesheet loads from another host by itself."""


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path)


@pytest.fixture
def client(backend: Backend) -> TestClient:
    return TestClient(create_app(backend, require_keys=False))


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/openapi.json").json()
    return answer


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_a_route_documents_has_the_body_the_api_sends(
    document: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            if int(status) < 400 or (path.startswith("/health") and status == "503"):
                continue
            schema = answer["content"]["application/json"]["schema"]
            assert schema == ERROR_BODY, (method, path, status)


def test_each_route_documents_the_statuses_it_answers(document: dict[str, Any]) -> None:
    documented = {
        (method, path): set(operation["responses"])
        for method, path, operation in operations(document)
    }
    # 409: an upload_key whose file was replaced since it was issued; 408: a stalled upload;
    # 415: a compressed body
    submit = documented[("POST", "/v1/jobs")]
    assert submit == {"202", "400", "401", "408", "409", "413", "415", "422", "503"}
    assert "413" in documented[("GET", "/v1/jobs/{request_id}/report")]  # too many groups
    cancel = documented[("DELETE", "/v1/jobs/{request_id}")]
    assert cancel == {"200", "401", "404", "409", "422", "503"}
    assert documented[("POST", "/v1/uploads")] >= {"201", "415", "501", "503"}
    assert documented[("GET", "/v1/jobs/{request_id}/results")] >= {"200", "303", "404", "422"}
    assert documented[("GET", "/health")] == {"200", "401", "422", "503"}
    assert documented[("GET", "/health/live")] == {"200"}
    for (method, path), statuses in documented.items():
        if path.startswith("/v1/"):
            assert {"401", "422", "503"} <= statuses, (method, path)
    retry = document["paths"]["/v1/jobs"]["get"]["responses"]["503"]["headers"]["Retry-After"]
    assert retry["schema"] == {"type": "integer"}


def test_every_json_success_documents_its_body(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, answer in operation["responses"].items():
            json_body = answer.get("content", {}).get("application/json")
            if status.startswith("2") and json_body is not None:
                assert "$ref" in json_body["schema"], (method, path, status)


def test_a_keyless_loopback_api_documents_its_403_on_every_route(backend: Backend) -> None:
    app = create_app(backend, require_keys=False, local_only=True)
    local = TestClient(app, base_url="http://127.0.0.1")
    document = local.get("/openapi.json").json()
    for method, path, operation in operations(document):
        forbidden = operation["responses"].get("403")
        assert forbidden is not None, (method, path)
        assert forbidden["content"]["application/json"]["schema"] == ERROR_BODY
    refused = local.get("/v1/jobs", headers={"Host": "attacker.example"})
    assert refused.status_code == 403
    assert ErrorBody.model_validate(refused.json()).error == "forbidden"


def test_an_api_that_never_answers_403_does_not_document_it(document: dict[str, Any]) -> None:
    assert all("403" not in operation["responses"] for *_, operation in operations(document))


def test_a_refused_parameter_answers_the_documented_422_body(client: TestClient) -> None:
    answer = client.get("/v1/jobs", params={"limit": "many"})
    assert answer.status_code == 422
    body = ErrorBody.model_validate(answer.json())
    assert body.error == "invalid_request" and "'limit'" in body.detail


def test_nothing_is_documented_as_null_where_http_cannot_send_null(
    document: dict[str, Any],
) -> None:
    text = json.dumps(document["paths"]) + json.dumps(
        document["components"]["schemas"]["Body_submit_job_v1_jobs_post"]
    )
    assert '{"type": "null"}' not in text
    body = document["paths"]["/v1/jobs"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["multipart/form-data"]["schema"]["anyOf"] == [
        {"required": ["file"], "properties": {"file": {"minLength": 1}}},
        {"required": ["upload_key"], "properties": {"upload_key": {"minLength": 1}}},
    ]


def test_a_method_a_path_does_not_take_is_405_with_allow_on_both_edges(
    backend: Backend, client: TestClient
) -> None:
    answer = client.put("/v1/jobs")
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, POST"
    assert answer.json() == {"error": "method_not_allowed", "detail": "Method Not Allowed"}
    assert client.post("/v1/jobs/abc").headers["Allow"] == "DELETE, GET"
    event = {**load_event("list_jobs"), "httpMethod": "PUT"}
    via_gateway = Gateway(backend, require_keys=False).handle(event)
    assert via_gateway["statusCode"] == 405 and via_gateway["headers"]["Allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("name", "value", "bound"),
    [
        ("offset", "9223372036854775807", f"less than or equal to {MAX_OFFSET}"),
        ("offset", "-1", "greater than or equal to 0"),
        ("limit", str(MAX_PAGE + 1), f"less than or equal to {MAX_PAGE}"),
        ("limit", "0", "greater than or equal to 1"),
    ],
)
def test_offsets_and_limits_out_of_range_are_422_on_both_edges(
    backend: Backend, client: TestClient, name: str, value: str, bound: str
) -> None:
    files = {"file": ("c.csv", CSV)}
    request_id = client.post("/v1/jobs", files=files, data={"text_column": "comment"}).json()[
        "request_id"
    ]
    answer = client.get(f"/v1/jobs/{request_id}/results", params={name: value})
    assert answer.status_code == 422
    assert f"'{name}'" in answer.json()["detail"] and bound in answer.json()["detail"]
    event = with_query(load_event("results_page", request_id), **{name: value})
    via_gateway = Gateway(backend, require_keys=False).handle(event)
    assert via_gateway["statusCode"] == 422
    assert json.loads(via_gateway["body"])["detail"] == answer.json()["detail"]
    assert client.get(f"/v1/jobs/{request_id}/results").status_code == 200


def test_the_service_refuses_an_offset_past_its_bound(backend: Backend, tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_bytes(CSV)
    request_id = service.submit(backend, source, "comment").request_id
    with pytest.raises(InputError, match="offset must be between 0 and"):
        service.results_page(backend, request_id, offset=MAX_OFFSET + 1)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_everything_from_the_app_itself(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert "://" not in html.text, "the page must not load anything from another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    scripts = [asset for asset in assets if asset.endswith(".js")]
    assert scripts, "the page loads its JavaScript"
    for asset in [*assets, "/openapi.json"]:
        loaded = client.get(asset)
        assert loaded.status_code == 200 and loaded.content, asset
        # What the scripts and styles load by themselves: an image's src (ReDoc's sidebar
        # logo came from cdn.redoc.ly) or a CSS url(). Links and JSON Schema ids are not loaded.
        assert b"cdn.redoc.ly" not in loaded.content, asset
        assert not FOREIGN_LOAD.search(loaded.content), (asset, FOREIGN_LOAD.search(loaded.content))
    assert len(client.get(scripts[0]).content) > 100_000  # the real bundle, not a stub
