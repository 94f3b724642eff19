"""A request with two X-API-Key headers is refused on both edges, whichever comes first: a key
that is sent is always checked, and checking one of two would let the other pass unchecked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apigw_events import answer, load_event, with_keys, without_identity
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend

TWO_KEYS = "send one API key: the request has 2 X-API-Key headers"


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    """Keys needed on both edges (`up --host 0.0.0.0`; an API behind API Gateway)."""
    return make_backend(tmp_path, api_host="0.0.0.0")


def fastapi_get(backend: Backend, path: str, *keys: str) -> Any:
    client = TestClient(create_app(backend))
    return client.get(path, headers=[("X-API-Key", key) for key in keys])


def gateway_get(backend: Backend, name: str, *keys: str) -> Any:
    return answer(Gateway(backend).handle(with_keys(without_identity(load_event(name)), *keys)))


@pytest.mark.parametrize("valid_first", [True, False])
@pytest.mark.parametrize(("path", "event"), [("/v1/jobs", "list_jobs"), ("/health", "health")])
def test_two_key_headers_are_refused_on_both_edges_whatever_their_order(
    backend: Backend, valid_first: bool, path: str, event: str
) -> None:
    valid = service.create_key(backend, "alice").secret
    keys = (valid, "garbage") if valid_first else ("garbage", valid)

    by_fastapi = fastapi_get(backend, path, *keys)
    by_gateway = gateway_get(backend, event, *keys)

    assert by_fastapi.status_code == by_gateway.status == 401
    assert by_fastapi.json() == by_gateway.json()
    assert by_gateway.json()["error"] == "unauthorized"
    assert by_gateway.json()["detail"].startswith(TWO_KEYS)
    assert valid not in by_fastapi.text and valid not in by_gateway.text
    assert fastapi_get(backend, path, valid).status_code == 200
    assert gateway_get(backend, event, valid).status == 200


def test_the_same_key_twice_is_refused_too(backend: Backend) -> None:
    valid = service.create_key(backend, "alice").secret
    assert fastapi_get(backend, "/v1/jobs", valid, valid).status_code == 401
    assert gateway_get(backend, "list_jobs", valid, valid).status == 401


def test_two_keys_are_refused_even_where_api_gateway_vouched_for_one(backend: Backend) -> None:
    """API Gateway checked one of them (which one is not ours to guess) and sent its id."""
    event = with_keys(load_event("list_jobs"), "fake-api-gateway-key-for-tests", "garbage")
    refused = answer(Gateway(backend).handle(event))
    assert refused.status == 401 and refused.json()["detail"].startswith(TWO_KEYS)
    assert answer(Gateway(backend).handle(load_event("list_jobs"))).status == 200


def test_a_keyless_api_refuses_two_keys_as_well(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    assert fastapi_get(backend, "/v1/jobs").status_code == 200
    assert fastapi_get(backend, "/v1/jobs", "a", "b").status_code == 401
