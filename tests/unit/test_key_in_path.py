"""An API key pasted where a request id goes (``status sp_…``, ``/v1/jobs/sp_…``) is refused
on both edges, as one in the query is, and never written whole to the access log."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from apigw_events import answer, load_event, without_identity
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend

from pipeline import service
from pipeline.api.access_log import uvicorn_log_config, without_query
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.cli.main import main

REVOKE = "revoke this key"


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


@pytest.mark.parametrize("suffix", ["", "/results", "/summary"])
def test_a_key_in_the_path_is_refused_with_a_401_that_says_revoke_it(
    backend: Backend, suffix: str
) -> None:
    alice = service.create_key(backend, "alice").secret
    client = TestClient(create_app(backend))
    for headers in ({"X-API-Key": alice}, {}):
        refused = client.get(f"/v1/jobs/{alice}{suffix}", headers=headers)
        assert refused.status_code == 401, refused.text
        assert REVOKE in refused.json()["detail"]
        assert alice not in refused.text
    encoded = client.delete(f"/v1/jobs/%73p_{alice[3:]}", headers={"X-API-Key": alice})
    assert encoded.status_code == 401 and REVOKE in encoded.json()["detail"]


def test_a_request_id_or_a_course_like_name_is_no_key(backend: Backend) -> None:
    alice = service.create_key(backend, "alice").secret
    client = TestClient(create_app(backend))
    for request_id in ("AAAAAAAAAAAAAAAAAAAAAA", "sp_signal_processing_and_communication_sys"):
        missing = client.get(f"/v1/jobs/{request_id}", headers={"X-API-Key": alice})
        assert missing.status_code == 404, missing.text


def _event_for(path: str, api_key: str) -> dict[str, Any]:
    event = without_identity(load_event("status", "AAAAAAAAAAAAAAAAAAAAAA"), api_key=api_key)
    return {**event, "path": path, "pathParameters": None}


def test_the_lambda_refuses_it_alike_even_with_a_key_api_gateway_vouched_for(
    backend: Backend,
) -> None:
    alice = service.create_key(backend, "alice").secret
    fastapi_side = TestClient(create_app(backend)).get(
        f"/v1/jobs/{alice}", headers={"X-API-Key": alice}
    )
    lambda_side = answer(Gateway(backend).handle(_event_for(f"/v1/jobs/{alice}", alice)))
    assert (lambda_side.status, lambda_side.json()) == (401, fastapi_side.json())
    vouched = load_event("status", "AAAAAAAAAAAAAAAAAAAAAA")
    vouched = {**vouched, "path": f"/v1/jobs/{alice}/results"}
    refused = answer(Gateway(backend).handle(vouched))
    assert refused.status == 401 and REVOKE in refused.json()["detail"]


def test_the_access_log_masks_a_key_in_the_path(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The path was logged whole: ``"GET /v1/jobs/sp_N6OI… HTTP/1.1" 404``."""
    alice = service.create_key(backend, "alice").secret
    with serving_app(create_app(backend), log_config=uvicorn_log_config()) as url:
        (handler,) = [
            h
            for h in logging.getLogger("uvicorn.access").handlers
            if not type(h).__module__.startswith("_pytest.")
        ]
        access_log = io.StringIO()
        handler.setStream(access_log)  # type: ignore[attr-defined]
        with httpx.Client(base_url=url) as client:
            for path in (f"/v1/jobs/{alice}", f"/v1/jobs/%73p_{alice[3:]}/results"):
                client.get(path, headers={"X-API-Key": alice})
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", alice)
        assert main(["status", alice]) != 0  # the key pasted in place of a request id
    logged = access_log.getvalue()
    assert logged.count("GET /v1/jobs/sp_... HTTP/1.1") == 2, logged
    assert "GET /v1/jobs/sp_.../results HTTP/1.1" in logged
    assert alice[3:] not in logged
    assert REVOKE in capsys.readouterr().err


def test_the_log_keeps_every_other_path_as_it_came() -> None:
    assert without_query("/v1/jobs/abc%20d/results") == "/v1/jobs/abc%20d/results"
    assert without_query("/v1/jobs/sp_short") == "/v1/jobs/sp_short"
