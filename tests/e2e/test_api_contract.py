"""Schemathesis over every route of the FastAPI app, in-process: generated requests, valid and
invalid, must never get a 500 and every answer must match the OpenAPI document (status codes,
headers, content types, bodies; 405 with Allow for a method a path does not take). The reads
of a job (status, results, summary, aspects, themes, change, flagged), the trend and the
themes' trend are then sent to the API Gateway handler too, which must answer each exactly
as FastAPI does.

Half the generated request ids are those of real jobs (one finished, one queued), so the
routes under /v1/jobs/{request_id} answer from a job, not only 404."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import httpx
import pytest
import schemathesis
from apigw_events import answer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.bootstrap import Backend
from pipeline.worker import Worker

CSV = (
    b"course,comment\nA,good lectures\nB,bad slides\nA,fine\nB,the exam was unfair\n"
    b"A,too much homework\nB,great lecture and a fair exam\n"
)
# Answers that are right for a request the schema calls valid: the file itself is refused
# (400: no such column, not a CSV…; 413: over the limit), a job is missing (404) or finished
# (409: its themes before it has finished too), and POST /v1/uploads on a deployment whose
# store cannot presign says so (501).
ACCEPTED = ["2xx", "3xx", "400", "401", "404", "409", "413", "501"]
NOT_A_FAULT = ["2xx", "3xx", "4xx", "501"]
TRUE = ("true", "1", "yes", "on", "t", "y")
"""What FastAPI reads as true for a ``bool`` query parameter."""
READS = (
    r"^(/v1/jobs/\{request_id\}(/(results|summary|aspects|themes|change|flagged|ratings))?"
    r"|/v1/trend(/themes)?)$"
)
"""The routes whose answers both edges must give alike, byte for byte in JSON."""


@dataclass(frozen=True)
class Stack:
    backend: Backend
    app: FastAPI
    key: str
    jobs: tuple[str, str]
    """A finished job and a queued one."""
    earlier: str
    """Another finished job, for the trend."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    folder = tmp_path_factory.mktemp("contract")
    backend = make_backend(folder / "backend", max_upload_bytes=64 * 1024)
    key = service.create_key(backend, "contract").secret
    owner = service.authenticate(backend, key, True)
    source = folder / "comments.csv"
    source.write_bytes(CSV)
    finished = service.submit(backend, source, "comment", ["course"], owner=owner)
    earlier = service.submit(backend, source, "comment", ["course"], owner=owner, fresh=True)
    worker = Worker(backend, lambda _ref: FakePredictor(), "contract", insights=fake_analyst)
    worker.run(burst=True)  # aspects (by keyword) and themes, as a real worker stores them
    queued = service.submit(backend, source, "comment", owner=owner, fresh=True)
    app = create_app(backend, require_keys=True)
    return Stack(backend, app, key, (finished.request_id, queued.request_id), earlier.request_id)


@pytest.fixture(scope="module")
def api_schema(stack: Stack) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {
            "headers": {"X-API-Key": stack.key},
            "seed": 20261201,  # the same cases every run; raise max-examples to explore
            "generation": {"max-examples": 25},
            "dictionaries": {
                "jobs": {"values": list(stack.jobs)},
                "columns": {"values": ["course", "comment"]},
                "labels": {"values": ["negative", "neutral", "positive"]},
                "aspects": {"values": ["exams", "teaching", "workload"]},
                "groups": {"values": ["A", "B"]},
                "job_lists": {
                    "values": [
                        f"{stack.earlier},{stack.jobs[0]}",
                        f"{stack.earlier}, {stack.jobs[1]}",
                        stack.jobs[0],
                    ]
                },
            },
            "parameters": {
                "path.request_id": {"dictionary": "jobs", "probability": 0.5},
                "query.group_by": {"dictionary": "columns", "probability": 0.5},
                "query.label": {"dictionary": "labels", "probability": 0.5},
                "query.aspect": {"dictionary": "aspects", "probability": 0.5},
                "query.group": {"dictionary": "groups", "probability": 0.5},
                "query.since": {"dictionary": "jobs", "probability": 0.5},
                "query.jobs": {"dictionary": "job_lists", "probability": 0.5},
            },
            "checks": {
                "not_a_server_error": {"expected-statuses": NOT_A_FAULT},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            },
            "operations": [
                {
                    # Every multipart value is text on the wire: a generated "invalid" value (a
                    # null, a number, an object) arrives as a valid string, so "an invalid body
                    # must be refused" cannot be checked for a form body.
                    "include-path": "/v1/jobs",
                    "include-method": "POST",
                    "checks": {"negative_data_rejection": {"enabled": False}},
                }
            ],
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", stack.app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
def test_every_route_keeps_its_contract(case: schemathesis.Case) -> None:
    if case.method == "DELETE" and str((case.query or {}).get("erase", "")).lower() in TRUE:
        # Never erase the stack's jobs: every read after it would be a 410 (erasing is tested
        # on jobs of its own, tests/unit/test_erase.py); an invalid value still goes as made.
        case.query = {**(case.query or {}), "erase": "false"}
    case.call_and_validate()


@pytest.mark.slow
@schema.include(method="GET", path_regex=READS).parametrize()
def test_the_lambda_edge_answers_every_read_as_fastapi_does(
    case: schemathesis.Case, stack: Stack
) -> None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    request = httpx.Request(
        "GET", kwargs["url"], params=kwargs.get("params"), headers=kwargs.get("headers")
    )
    pairs = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    query: dict[str, list[str]] = {}
    for name, value in pairs:
        query.setdefault(name, []).append(value)
    event = {
        "httpMethod": "GET",
        "path": request.url.path,
        "headers": dict(request.headers),
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "body": None,
        "isBase64Encoded": False,
    }
    via_lambda = answer(Gateway(stack.backend, require_keys=True).handle(event))
    via_fastapi = TestClient(stack.app).get(str(request.url), headers=dict(request.headers))
    assert via_lambda.status == via_fastapi.status_code, (via_lambda.text, via_fastapi.text)
    if via_fastapi.headers.get("content-type", "").startswith("application/json"):
        assert via_lambda.json() == via_fastapi.json()
    else:
        assert via_lambda.text == via_fastapi.text
