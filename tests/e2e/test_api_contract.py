"""Schemathesis over every route of the FastAPI app, in-process: generated requests, valid and
invalid, must never get a 500 and every answer must match the OpenAPI document (status codes,
headers, content types, bodies; 405 with Allow for a method a path does not take).

Half the generated request ids are those of real jobs (one finished, one queued), so the
routes under /v1/jobs/{request_id} answer from a job, not only 404."""

from __future__ import annotations

import pytest
import schemathesis
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.worker import Worker

CSV = b"course,comment\nA,good lectures\nB,bad slides\nA,fine\n"
# Answers that are right for a request the schema calls valid: the file itself is refused
# (400: no such column, not a CSV…; 413: over the limit), a job is missing (404) or finished
# (409), and POST /v1/uploads on a deployment whose store cannot presign says so (501).
ACCEPTED = ["2xx", "3xx", "400", "401", "404", "409", "413", "501"]
NOT_A_FAULT = ["2xx", "3xx", "4xx", "501"]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    folder = tmp_path_factory.mktemp("contract")
    backend = make_backend(folder / "backend", max_upload_bytes=64 * 1024)
    key = service.create_key(backend, "contract").secret
    owner = service.authenticate(backend, key, True)
    source = folder / "comments.csv"
    source.write_bytes(CSV)
    finished = service.submit(backend, source, "comment", ["course"], owner=owner)
    Worker(backend, lambda _reference: FakePredictor(), "contract").run(burst=True)
    queued = service.submit(backend, source, "comment", owner=owner, fresh=True)
    config = schemathesis.Config.from_dict(
        {
            "headers": {"X-API-Key": key},
            "seed": 20261201,  # the same cases every run; raise max-examples to explore
            "generation": {"max-examples": 25},
            "dictionaries": {
                "jobs": {"values": [finished.request_id, queued.request_id]},
                "columns": {"values": ["course", "comment"]},
            },
            "parameters": {
                "path.request_id": {"dictionary": "jobs", "probability": 0.5},
                "query.group_by": {"dictionary": "columns", "probability": 0.5},
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
    app = create_app(backend, require_keys=True)
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
def test_every_route_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()
