"""The API Gateway handler against the FastAPI app: the same events give the same statuses,
JSON bodies and error JSON on both edges; plus what only the Lambda does (API Gateway key ids
as owners, starting the master, the cold start)."""

from __future__ import annotations

import base64
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from apigw_events import (
    API_KEY_ID,
    ProxyAnswer,
    answer,
    load_event,
    with_form,
    with_query,
    without_identity,
)
from botocore.exceptions import EndpointConnectionError
from fastapi.testclient import TestClient
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.api import gateway
from pipeline.api.app import create_app
from pipeline.api.gateway import Gateway
from pipeline.api.lambda_entry import LambdaEntry
from pipeline.bootstrap import Backend
from pipeline.errors import ConfigError, PipelineError
from pipeline.service import export
from pipeline.service.jobs import upload_key_for
from pipeline.service.keys import GATEWAY_OWNER_PREFIX
from pipeline.worker import Worker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    """Both edges open (PIPELINE_AUTH=none): the parity tests compare answers, and an API
    behind API Gateway needs keys by default. The key tests use ``lambda_backend``."""
    return make_backend(tmp_path, max_upload_bytes=5000, auth="none")


@pytest.fixture
def lambda_backend(tmp_path: Path) -> Backend:
    """The Lambda's settings: PIPELINE_AUTH left at its default."""
    return make_backend(tmp_path / "lambda", max_upload_bytes=5000)


@pytest.fixture
def app(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))


def via_gateway(backend: Backend, event: dict[str, Any]) -> ProxyAnswer:
    return answer(Gateway(backend).handle(event))


def via_fastapi(client: TestClient, event: dict[str, Any]) -> ProxyAnswer:
    """The same HTTP request, sent to the FastAPI app."""
    query = event.get("multiValueQueryStringParameters") or {}
    params = [(name, value) for name, values in query.items() for value in values]
    wanted = {"content-type", "x-api-key"}
    headers = {k: v for k, v in event["headers"].items() if k.lower() in wanted}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()
    response = client.request(
        event["httpMethod"], event["path"], params=params, headers=headers, content=body
    )
    return ProxyAnswer(response.status_code, dict(response.headers), response.text)


def same_on_both(backend: Backend, client: TestClient, event: dict[str, Any]) -> ProxyAnswer:
    """Both edges answer ``event`` alike: same status, same JSON (or same CSV text)."""
    lambda_side, fastapi_side = via_gateway(backend, event), via_fastapi(client, event)
    assert lambda_side.status == fastapi_side.status, (lambda_side.text, fastapi_side.text)
    if lambda_side.headers.get("Content-Type", "").startswith("application/json"):
        assert lambda_side.json() == fastapi_side.json()
    else:
        assert lambda_side.text == fastapi_side.text
    return lambda_side


def open_event(name: str, request_id: str = "") -> dict[str, Any]:
    """A fixture event as it arrives without API Gateway keys (the embedded key model)."""
    return without_identity(load_event(name, request_id))


def run_worker(backend: Backend) -> None:
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)


def test_the_whole_job_answers_the_same_on_both_edges(backend: Backend, app: TestClient) -> None:
    first = via_gateway(backend, open_event("submit_multipart"))
    assert first.status == 202
    submitted = first.json()
    assert (submitted["status"], submitted["reused"]) == ("queued", False)
    request_id = submitted["request_id"]
    again = same_on_both(backend, app, open_event("submit_multipart"))
    assert again.json() == {**submitted, "reused": True}

    queued = same_on_both(backend, app, open_event("status", request_id)).json()
    assert queued["status"] == "queued" and queued["group_by"] == ["course"]
    run_worker(backend)

    status = same_on_both(backend, app, open_event("status", request_id)).json()
    assert (status["status"], status["rows_done"], status["rows_failed"]) == ("succeeded", 4, 1)
    page = same_on_both(backend, app, open_event("results_page", request_id)).json()
    assert [row["label"] for row in page["rows"]] == ["positive", "negative"]
    assert page["next_offset"] == 2
    summary = same_on_both(backend, app, open_event("summary", request_id)).json()
    assert [group["group"] for group in summary["groups"]] == ["Biology", "Statistics"]
    listed = same_on_both(backend, app, open_event("list_jobs")).json()
    assert [job["request_id"] for job in listed["jobs"]] == [request_id]
    csv = same_on_both(backend, app, open_event("results_csv", request_id))
    assert csv.text.splitlines()[0].startswith("\ufeffcourse,comment,label,score_negative")
    assert len(csv.text.splitlines()) == 5
    conflict = same_on_both(backend, app, open_event("cancel", request_id))
    assert (conflict.status, conflict.json()["error"]) == (409, "conflict")
    assert same_on_both(backend, app, open_event("health")).json()["status"] == "ok"


@pytest.mark.parametrize(
    ("change", "status", "code", "detail"),
    [
        (lambda e: with_query(e, limit="0"), 422, "invalid_request", "'limit'"),
        (lambda e: with_query(e, limit="1001"), 422, "invalid_request", "less than or equal"),
        (lambda e: with_query(e, offset="x"), 422, "invalid_request", "valid integer"),
        (lambda e: with_query(e, format="xml"), 422, "invalid_request", "'json' or 'csv'"),
        (lambda e: with_query(e, format=""), 422, "invalid_request", "'json' or 'csv'"),
        (lambda e: with_query(e, limit=""), 422, "invalid_request", "valid integer"),
        (lambda e: with_query(e, raw="maybe"), 422, "invalid_request", "'raw'"),
        (
            lambda e: with_query(e, format="xml", limit="0"),
            422,
            "invalid_request",
            "'json' or 'csv'; query field 'limit'",
        ),
        (lambda e: {**e, "path": "/v1/jobs/nope/results"}, 404, "job_not_found", "'nope'"),
        (lambda e: {**e, "path": "/v1/nothing"}, 404, "not_found", "Not Found"),
        (lambda e: {**e, "httpMethod": "PUT"}, 405, "method_not_allowed", "Method Not Allowed"),
    ],
)
def test_refused_reads_give_the_same_error_json(
    backend: Backend, app: TestClient, change: Any, status: int, code: str, detail: str
) -> None:
    request_id = via_gateway(backend, open_event("submit_multipart")).json()["request_id"]
    refused = same_on_both(backend, app, change(open_event("results_page", request_id)))
    assert (refused.status, refused.json()["error"]) == (status, code)
    assert detail in refused.json()["detail"]


@pytest.mark.parametrize(
    ("form", "status", "code", "detail"),
    [
        ({"text_column": "comment"}, 422, "invalid_request", "'file'"),
        ({"upload_key": "results/x/results.csv"}, 400, "input", "not an upload key"),
        ({"upload_key": upload_key_for()}, 400, "input", "nothing was"),
        ({"upload_key": upload_key_for("apigw:bob")}, 400, "input", "not an upload key issued"),
        ({"upload_key": "uploads/x", "fresh": "maybe"}, 422, "invalid_request", "'fresh'"),
    ],
)
def test_refused_submits_give_the_same_error_json(
    backend: Backend, app: TestClient, form: dict[str, str], status: int, code: str, detail: str
) -> None:
    refused = same_on_both(backend, app, with_form(open_event("submit_multipart"), **form))
    assert (refused.status, refused.json()["error"]) == (status, code)
    assert detail in refused.json()["detail"]


def test_refused_files_give_the_same_error_json(backend: Backend, app: TestClient) -> None:
    event = open_event("submit_multipart")
    missing = same_on_both(
        backend, app, _replace_in_body(event, b"course,comment\n", b"course,feedback\n")
    )
    assert missing.status == 400 and missing.json()["error"] == "missing_column"
    big = _replace_in_body(event, b"Office hours were fine", b"fine " * 1200)
    too_big = same_on_both(backend, app, big)
    assert too_big.status == 413 and "5,000 bytes" in too_big.json()["detail"]
    no_urls = same_on_both(backend, app, open_event("upload_url"))
    assert (no_urls.status, no_urls.json()["error"]) == (501, "unsupported")
    assert backend.queue.depth().total == 0


def test_two_file_parts_are_refused_alike_rather_than_one_dropped(
    backend: Backend, app: TestClient
) -> None:
    event = open_event("submit_multipart")
    boundary = b"--2c8a3bc1ef6f38d4c128a99555ef58bf"
    second = (
        boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="more.csv"\r\n'
        b"\r\ncourse,comment\nBiology,A second file\n\r\n" + boundary + b"--\r\n"
    )
    refused = same_on_both(backend, app, _replace_in_body(event, boundary + b"--\r\n", second))
    assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
    assert "send one file per request (2 file parts were sent)" in refused.json()["detail"]
    assert backend.queue.depth().total == 0


def test_with_keys_both_edges_refuse_a_call_without_one(tmp_path: Path) -> None:
    keyed = make_backend(tmp_path, auth="keys")
    service.create_key(keyed, "alice")
    refused = same_on_both(keyed, TestClient(create_app(keyed)), open_event("list_jobs"))
    assert refused.status == 401 and "X-API-Key" in refused.json()["detail"]
    assert refused.headers["WWW-Authenticate"] == "X-API-Key"


def test_an_api_gateway_key_id_owns_its_jobs(lambda_backend: Backend) -> None:
    backend = lambda_backend
    submitted = via_gateway(backend, load_event("submit_multipart")).json()
    request_id = submitted["request_id"]
    job = backend.repository.jobs.get(request_id)
    assert job.owner == f"{GATEWAY_OWNER_PREFIX}{API_KEY_ID}"

    other = load_event("status", request_id)
    other["requestContext"]["identity"]["apiKeyId"] = "someoneelse"
    assert via_gateway(backend, other).status == 404
    assert via_gateway(backend, load_event("status", request_id)).status == 200
    assert via_gateway(backend, without_identity(load_event("status", request_id))).status == 401


def test_without_a_key_id_the_embedded_key_model_decides_and_fails_closed(
    lambda_backend: Backend,
) -> None:
    backend = lambda_backend
    assert via_gateway(backend, open_event("list_jobs")).status == 401  # no key exists at all
    alice = service.create_key(backend, "alice")
    event = without_identity(load_event("submit_multipart"), api_key=alice.secret)
    request_id = via_gateway(backend, event).json()["request_id"]
    assert backend.repository.jobs.get(request_id).owner == alice.key_id
    wrong = without_identity(load_event("status", request_id), api_key="sp_wrong")
    assert via_gateway(backend, wrong).status == 401
    service.revoke_key(backend, "alice")  # the last key: nothing opens
    revoked = without_identity(load_event("status", request_id), api_key=alice.secret)
    assert via_gateway(backend, revoked).status == 401
    refused = via_gateway(backend, open_event("submit_multipart"))
    assert refused.status == 401 and "X-API-Key" in refused.json()["detail"]
    assert backend.queue.depth().total == 1


def test_a_key_in_the_query_string_is_refused_on_both_edges(
    backend: Backend, app: TestClient, lambda_backend: Backend
) -> None:
    alice = service.create_key(backend, "alice").secret
    for name in ("list_jobs", "health"):
        refused = same_on_both(backend, app, with_query(open_event(name), api_key=alice))
        assert refused.status == 401 and "X-API-Key header" in refused.json()["detail"]
        assert alice not in refused.text
    # Even with a key API Gateway vouched for: the URL has been logged by then.
    with_id = with_query(load_event("list_jobs"), api_key="sp_whatever")
    assert via_gateway(lambda_backend, with_id).status == 401
    # A secret under a name of its own: its value is what gives it away.
    for name in ("token", "access_token"):
        refused = same_on_both(backend, app, with_query(open_event("list_jobs"), **{name: alice}))
        assert refused.status == 401 and "X-API-Key header" in refused.json()["detail"]
        assert alice not in refused.text


def test_a_query_parameter_given_twice_is_refused_by_name_on_both_edges(
    backend: Backend, app: TestClient
) -> None:
    """``?jobs=A&jobs=B`` was read as its last value: "jobs: 1 given", the other dropped."""
    alice = service.create_key(backend, "alice").secret
    ids = ["A" * 22, "B" * 22]
    event = without_identity(load_event("list_jobs"), api_key=alice)
    event = {
        **event,
        "path": "/v1/trend",
        "resource": "/v1/trend",
        "queryStringParameters": {"jobs": ids[1]},
        "multiValueQueryStringParameters": {"jobs": ids},
    }
    refused = same_on_both(backend, app, event)
    assert refused.status == 422, refused.text
    assert "query parameter 'jobs' given 2 times: give it once" in refused.json()["detail"]


def test_health_without_a_key_says_only_whether_it_is_up(lambda_backend: Backend) -> None:
    backend = lambda_backend
    via_gateway(backend, load_event("submit_multipart"))
    public = via_gateway(backend, open_event("health"))
    assert public.status == 200 and public.json() == {"status": "ok"}
    detailed = via_gateway(backend, load_event("health")).json()
    assert detailed["queue"]["visible"] == 1
    wrong = via_gateway(backend, without_identity(load_event("health"), api_key="sp_wrong"))
    assert wrong.status == 401


def test_malformed_request_ids_are_refused_alike_without_being_echoed(
    backend: Backend, app: TestClient
) -> None:
    long_id = "a" * 10_000
    for request_id in (long_id, "a%20b", "x.y"):
        refused = same_on_both(backend, app, open_event("status", request_id))
        assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
        assert long_id not in refused.text
    keyed = make_backend(backend.settings.data_dir / "keyed", auth="keys")
    unauthenticated = same_on_both(
        keyed, TestClient(create_app(keyed)), open_event("status", "x.y")
    )
    assert unauthenticated.status == 401


def test_a_malformed_id_and_bad_parameters_are_named_together_on_both_edges(
    backend: Backend, app: TestClient
) -> None:
    event = with_query(open_event("results_csv", "x.y"), format="xml", raw="perhaps")
    refused = same_on_both(backend, app, event)
    assert refused.status == 422
    detail = refused.json()["detail"]
    assert "request_id" in detail and "'format'" in detail and "'raw'" in detail


def test_results_csv_is_escaped_on_both_edges_unless_raw(backend: Backend, app: TestClient) -> None:
    event = _replace_in_body(
        open_event("submit_multipart"), b"Office hours were fine", b"=HYPERLINK(1)"
    )
    request_id = via_gateway(backend, event).json()["request_id"]
    run_worker(backend)
    escaped = same_on_both(backend, app, open_event("results_csv", request_id))
    assert "'=HYPERLINK(1)" in escaped.text
    raw = same_on_both(backend, app, with_query(open_event("results_csv", request_id), raw="true"))
    assert "=HYPERLINK(1)" in raw.text and "'=HYPERLINK" not in raw.text
    bad = same_on_both(backend, app, with_query(open_event("results_csv", request_id), raw=""))
    assert (bad.status, bad.json()["error"]) == (422, "invalid_request")


def test_the_master_is_started_after_a_submit_and_while_a_job_waits(backend: Backend) -> None:
    calls: list[str] = []
    edge = Gateway(backend, ensure_master=lambda: calls.append("ensure"))
    request_id = answer(edge.handle(load_event("submit_multipart"))).json()["request_id"]
    assert calls == ["ensure"]
    answer(edge.handle(load_event("status", request_id)))
    assert calls == ["ensure", "ensure"]  # still queued: a master that exited is started again
    run_worker(backend)
    answer(edge.handle(load_event("status", request_id)))
    answer(edge.handle(load_event("results_page", request_id)))
    assert calls == ["ensure", "ensure"]


@pytest.mark.parametrize(
    "fault",
    [
        PipelineError("ECS could not start the master: RESOURCE:MEMORY"),
        EndpointConnectionError(endpoint_url="https://ecs.eu-west-1.amazonaws.com/"),
    ],
    ids=["ecs-refuses", "ecs-unreachable"],
)
def test_a_master_that_cannot_start_does_not_lose_the_job(
    backend: Backend, caplog: pytest.LogCaptureFixture, fault: Exception
) -> None:
    now = [0.0]
    tries: list[float] = []

    def refuse() -> None:
        tries.append(now[0])
        raise fault

    edge = Gateway(backend, ensure_master=refuse, clock=lambda: now[0])
    with caplog.at_level(logging.ERROR):
        accepted = answer(edge.handle(load_event("submit_multipart")))
    assert accepted.status == 202
    assert backend.queue.depth().visible == 1
    assert "could not make sure the master runs" in caplog.text
    request_id = accepted.json()["request_id"]
    now[0] = 10.0
    assert answer(edge.handle(load_event("status", request_id))).json()["status"] == "queued"
    assert tries == [0.0], "polls soon after a failure do not wait on ECS again"
    now[0] = 31.0
    assert answer(edge.handle(load_event("status", request_id))).status == 200
    assert tries == [0.0, 31.0]


def test_a_partial_csv_too_big_for_one_answer_is_refused_with_the_way_out(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = via_gateway(backend, load_event("submit_multipart")).json()["request_id"]
    backend.repository.jobs.begin_attempt(request_id, "v", ["negative", "positive"])
    row = {"text": "x" * 100, "data": {"course": "A"}, "label": "positive"}
    row.update(scores={"negative": 0.1, "positive": 0.9}, error=None, model_version="v")
    backend.repository.jobs.write_chunk(request_id, [{"row_index": 0, **row}])
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 64)
    refused = via_gateway(backend, load_event("results_csv", request_id))
    assert refused.status == 413 and "format=json" in refused.json()["detail"]
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 10_000)
    partial = via_gateway(backend, load_event("results_csv", request_id))
    assert partial.status == 200 and partial.headers["Content-Type"].startswith("text/csv")
    assert partial.text.count("\n") == 2  # header + the one row labelled so far


def test_a_finished_job_stored_before_escaped_copies_is_escaped_or_sent_raw(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = via_gateway(backend, open_event("submit_multipart")).json()["request_id"]
    run_worker(backend)
    result_key = backend.repository.jobs.get(request_id).result_key
    assert result_key is not None
    backend.store.delete(export.escaped_key(result_key))  # as a job finished before the change
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 64)
    refused = via_gateway(backend, open_event("results_csv", request_id))
    assert refused.status == 413 and "raw=true" in refused.json()["detail"]
    monkeypatch.setattr(gateway, "MAX_INLINE_CSV_BYTES", 10_000)
    escaped = via_gateway(backend, open_event("results_csv", request_id))
    assert escaped.status == 200 and escaped.text.count("\n") == 5


def test_a_cold_start_that_fails_answers_json_and_retries(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []

    def build() -> Gateway:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConfigError("the database is at schema revision none: run init")
        return Gateway(backend)

    entry = LambdaEntry(build)
    with caplog.at_level(logging.ERROR):
        failed = answer(entry(load_event("health"), None))
    assert failed.status == 500 and failed.json()["error"] == "config"
    assert "run init" not in failed.json()["detail"], "no key was checked: the reason is logged"
    assert "run init" in caplog.text
    assert answer(entry(load_event("health"), None)).status == 200
    assert answer(entry(load_event("health"), None)).status == 200
    assert len(attempts) == 2


def test_the_lambda_module_serves_the_backend_its_environment_describes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_backend(tmp_path)  # initialised: what the init task does before the first call
    for name in [n for n in os.environ if n.startswith("PIPELINE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(tmp_path / "data"))
    spec = importlib.util.spec_from_file_location("lambda_handler", REPO / "lambda" / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert isinstance(module.handler, LambdaEntry)
    health = answer(module.handler(load_event("health"), None))
    assert health.status == 200 and health.json()["backend"] == "local"


def _replace_in_body(event: dict[str, Any], old: bytes, new: bytes) -> dict[str, Any]:
    body = base64.b64decode(event["body"]).replace(old, new)
    return {**event, "body": base64.b64encode(body).decode()}


def test_both_edges_say_alike_when_every_label_is_in_and_the_insights_are_not(
    backend: Backend, app: TestClient
) -> None:
    request_id = via_gateway(backend, open_event("submit_multipart")).json()["request_id"]
    rows = backend.repository.jobs.get(request_id).rows_total
    labelled: list[Worker] = []

    def stop_when_labelled(_rows: int) -> None:
        if backend.repository.jobs.get(request_id).rows_done == rows:
            labelled[0].request_stop()  # SIGTERM between the two phases

    labelled.append(
        Worker(
            backend,
            lambda _ref: FakePredictor(),
            "w1",
            on_rows=stop_when_labelled,
            insights=fake_analyst,
        )
    )
    labelled[0].run()
    status = same_on_both(backend, app, open_event("status", request_id)).json()
    assert (status["status"], status["rows_done"], status["insights_done"]) == ("running", rows, 0)
    assert status["labelled_at"] is not None
    page = same_on_both(backend, app, open_event("results_page", request_id)).json()
    assert [row["label"] for row in page["rows"]] == ["positive", "negative"]
    Worker(backend, lambda _ref: FakePredictor(), "w2", insights=fake_analyst).run(burst=True)
    done = same_on_both(backend, app, open_event("status", request_id)).json()
    assert (done["status"], done["insights_done"]) == ("succeeded", rows)
    assert done["labelled_at"] == status["labelled_at"]
    listed = same_on_both(backend, app, open_event("list_jobs")).json()
    assert listed["jobs"][0]["insights_done"] == rows


def test_a_body_that_is_not_base64_is_the_callers_error(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    event = {**open_event("submit_multipart"), "isBase64Encoded": True, "body": "!!!notbase64$$$"}
    with caplog.at_level(logging.ERROR):
        refused = via_gateway(backend, event)
    assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
    assert "not valid base64" in refused.json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no server fault


def test_a_results_page_over_one_lambda_answer_is_cut_where_the_client_reads_on(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = via_gateway(backend, open_event("submit_multipart")).json()["request_id"]
    run_worker(backend)
    event = with_query(open_event("results_page", request_id), limit="100")
    whole = Gateway(backend).handle(event)
    every_row = answer(whole).json()["rows"]
    assert len(every_row) == 4
    monkeypatch.setattr(gateway, "LAMBDA_ANSWER_BYTES", gateway.proxy_bytes(whole) - 1)

    read: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        proxy = Gateway(backend).handle(with_query(event, offset=str(offset)))
        assert gateway.proxy_bytes(proxy) <= gateway.LAMBDA_ANSWER_BYTES
        page = answer(proxy).json()
        assert page["rows"], "every page carries a row"
        read += page["rows"]
        offset = page["next_offset"]
    assert read == every_row
    assert len(answer(Gateway(backend).handle(event)).json()["rows"]) < 4


def test_any_other_answer_over_one_lambda_answer_is_a_413_not_a_502(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = via_gateway(backend, open_event("submit_multipart")).json()["request_id"]
    monkeypatch.setattr(gateway, "LAMBDA_ANSWER_BYTES", 200)
    refused = via_gateway(backend, open_event("summary", request_id))
    assert (refused.status, refused.json()["error"]) == (413, "limit_exceeded")
    assert "over the 200 one answer can carry" in refused.json()["detail"]


def test_an_http_api_event_is_refused_by_its_payload_format(backend: Backend) -> None:
    event = {
        "version": "2.0",
        "rawPath": "/v1/jobs",
        "requestContext": {"http": {"method": "GET", "path": "/v1/jobs"}},
        "headers": {},
    }
    refused = via_gateway(backend, event)
    assert refused.status == 422
    assert "REST API events (payload format 1.0), not '2.0'" in refused.json()["detail"]


def _raw_body(event: dict[str, Any], body: bytes, content_type: str) -> dict[str, Any]:
    headers = {**event["headers"], "Content-Type": content_type}
    return {**event, "headers": headers, "body": base64.b64encode(body).decode()}


def _multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    """A multipart body of (name, file name or None for a text part, content) parts."""
    body = b""
    for name, file_name, content in parts:
        named = "" if file_name is None else f'; filename="{file_name}"'
        body += (
            f'--zz\r\nContent-Disposition: form-data; name="{name}"{named}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    return body + b"--zz--\r\n", "multipart/form-data; boundary=zz"


@pytest.mark.parametrize(
    ("content_type", "detail"),
    [
        (
            "multipart/form-data; boundary=zzz",
            "the multipart body cannot be read: Expected boundary character 45, got 103 at index 2",
        ),
        ("multipart/form-data", "the multipart body has no boundary in its Content-Type"),
    ],
)
def test_a_multipart_body_that_cannot_be_read_is_one_422_on_both_edges_and_not_logged(
    backend: Backend,
    app: TestClient,
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    detail: str,
) -> None:
    event = _raw_body(open_event("submit_multipart"), b"garbage", content_type)
    with caplog.at_level(logging.DEBUG):
        refused = same_on_both(backend, app, event)
    assert (refused.status, refused.json()) == (
        422,
        {"error": "invalid_request", "detail": detail},
    )
    assert "Expected boundary" not in caplog.text  # the caller is told; the log is not
    assert backend.queue.depth().total == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/jobs/"), ("GET", "/v1/jobs/"), ("GET", "/v1/jobs/abc/"), ("GET", "/health/")],
)
def test_a_trailing_slash_is_a_404_on_both_edges_not_a_redirect(
    backend: Backend, app: TestClient, method: str, path: str
) -> None:
    event = {**open_event("submit_multipart"), "httpMethod": method, "path": path}
    refused = same_on_both(backend, app, event)
    assert (refused.status, refused.json()["error"]) == (404, "not_found")
    assert "location" not in {name.lower() for name in refused.headers}
    assert backend.queue.depth().total == 0


def test_a_trailing_slash_never_redirects_a_keyless_upload_elsewhere(tmp_path: Path) -> None:
    keyed = make_backend(tmp_path, auth="keys")
    service.create_key(keyed, "alice")
    client = TestClient(create_app(keyed), base_url="http://attacker.example")
    body, content_type = _multipart(("file", "x.csv", b"comment\ngood\n"))
    answered = client.post(
        "/v1/jobs/", content=body, headers={"Content-Type": content_type}, follow_redirects=False
    )
    assert answered.status_code == 404 and "location" not in answered.headers


@pytest.mark.parametrize("flag", ["fresh", "explain"])
def test_a_form_flag_is_read_alike_on_both_edges(
    backend: Backend, app: TestClient, flag: str
) -> None:
    body, content_type = _multipart(
        ("text_column", None, b"comment"),
        (flag, None, b" true "),
        ("file", "x.csv", b"course,comment\nA,good\n"),
    )
    refused = same_on_both(
        backend, app, _raw_body(open_event("submit_multipart"), body, content_type)
    )
    assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
    assert f"body field '{flag}': Input should be a valid boolean" in refused.json()["detail"]
    assert backend.queue.depth().total == 0


@pytest.mark.parametrize(
    "form",
    [
        _multipart(("text_column", None, b"comment"), ("file", None, b"course,comment\nA,good\n")),
        (b"text_column=comment&file=course%2Ccomment", "application/x-www-form-urlencoded"),
    ],
    ids=["multipart part without a file name", "url-encoded"],
)
def test_a_file_sent_as_text_gets_one_message_on_both_edges(
    backend: Backend, app: TestClient, form: tuple[bytes, str]
) -> None:
    event = _raw_body(open_event("submit_multipart"), *form)
    refused = same_on_both(backend, app, event)
    assert (refused.status, refused.json()["error"]) == (422, "invalid_request")
    detail = refused.json()["detail"]
    assert detail.startswith("body field 'file': sent as text, not as a file")
    assert "class" not in detail and "UploadFile" not in detail
    assert backend.queue.depth().total == 0
