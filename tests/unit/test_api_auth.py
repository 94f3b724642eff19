"""API keys on the FastAPI app fail closed: whether a key is needed comes from PIPELINE_AUTH,
never from whether keys exist; a revoked key never works; keys only in the header; /health
shows nothing about the service's tenants without one; error bodies stay bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.errors import error_answer, error_body
from pipeline.api.serve import ensure_safe_bind
from pipeline.bootstrap import Backend
from pipeline.errors import ConfigError, InputError
from pipeline.messages import MAX_DETAIL_CHARS, MAX_ECHO_CHARS, bounded, echo
from pipeline.service.keys import keys_required

CSV = b"course,comment\nA,good\nB,bad\n"


def post(client: TestClient, key: str | None = None, data: bytes = CSV) -> Any:
    headers = {"X-API-Key": key} if key else {}
    return client.post(
        "/v1/jobs",
        files={"file": ("c.csv", data)},
        data={"text_column": "comment"},
        headers=headers,
    )


def keyed(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    """The settings of `up --host 0.0.0.0` with PIPELINE_AUTH left at its default."""
    return make_backend(tmp_path, api_host="0.0.0.0")


@pytest.mark.parametrize(
    ("setting", "host", "required"),
    [
        ("auto", "127.0.0.1", False),
        ("auto", "localhost", False),
        ("auto", "::1", False),
        ("auto", "0.0.0.0", True),
        ("auto", "192.168.1.5", True),
        ("auto", "example.org", True),
        ("auto", None, True),  # behind API Gateway
        ("keys", "127.0.0.1", True),
        ("none", "0.0.0.0", False),
    ],
)
def test_whether_keys_are_needed_comes_from_the_setting_and_the_address(
    setting: str, host: str | None, required: bool
) -> None:
    assert keys_required(setting, host) is required


def test_beyond_loopback_every_call_needs_a_key_and_sees_only_its_own_jobs(
    client: TestClient, backend: Backend
) -> None:
    alice = service.create_key(backend, "alice").secret
    bob = service.create_key(backend, "bob").secret
    refused = post(client)
    assert refused.status_code == 401 and "X-API-Key" in refused.json()["detail"]
    assert refused.headers["WWW-Authenticate"] == "X-API-Key"
    assert client.get("/v1/jobs", headers=keyed("sp_wrong")).status_code == 401
    request_id = post(client, alice).json()["request_id"]
    assert client.get(f"/v1/jobs/{request_id}").status_code == 401
    for method, path in [
        ("GET", ""),
        ("GET", "/results"),
        ("GET", "/results?format=csv"),
        ("GET", "/summary"),
        ("DELETE", ""),
    ]:
        answer = client.request(method, f"/v1/jobs/{request_id}{path}", headers=keyed(bob))
        assert answer.status_code == 404, path
    assert client.get(f"/v1/jobs/{request_id}", headers=keyed(alice)).status_code == 200
    assert client.get("/v1/jobs", headers=keyed(bob)).json() == {"jobs": []}
    assert post(client, bob).json()["request_id"] != request_id  # no reuse across keys


def test_revoking_the_last_key_while_the_app_runs_opens_nothing(
    client: TestClient, backend: Backend
) -> None:
    alice = service.create_key(backend, "alice").secret
    request_id = post(client, alice).json()["request_id"]
    service.revoke_key(backend, "alice")  # the last key; the app keeps running
    assert not service.any_keys(backend)
    for key in (None, alice):
        headers = keyed(key) if key else {}
        assert post(client, key).status_code == 401
        assert client.get("/v1/jobs", headers=headers).status_code == 401
        assert client.get(f"/v1/jobs/{request_id}", headers=headers).status_code == 401
    revoked = client.get("/v1/jobs", headers=keyed(alice))
    assert revoked.json() == {
        "error": "unauthorized",
        "detail": "the API key is not valid (unknown or revoked)",
    }
    assert backend.repository.jobs.list_for(service.ANONYMOUS) == []


def test_on_loopback_keys_are_needed_once_one_exists_and_revoking_never_reopens(
    tmp_path: Path,
) -> None:
    backend = make_backend(tmp_path)  # 127.0.0.1, PIPELINE_AUTH=auto: the default `up`
    client = TestClient(create_app(backend))
    anonymous_job = post(client).json()["request_id"]
    assert client.get(f"/v1/jobs/{anonymous_job}").status_code == 200  # no key yet: open
    alice = service.create_key(backend, "alice").secret
    assert post(client).status_code == 401  # a key now exists: it is needed
    assert client.get(f"/v1/jobs/{anonymous_job}").status_code == 401
    mine = post(client, alice).json()["request_id"]
    assert backend.repository.jobs.get(mine).owner != service.ANONYMOUS
    assert client.get(f"/v1/jobs/{anonymous_job}", headers=keyed(alice)).status_code == 404
    service.revoke_key(backend, "alice")
    assert client.get(f"/v1/jobs/{mine}", headers=keyed(alice)).status_code == 401
    assert post(client, alice).status_code == 401  # never anonymous instead
    assert post(client).status_code == 401  # the last key revoked: still closed
    assert client.get(f"/v1/jobs/{anonymous_job}").status_code == 401
    restarted = TestClient(create_app(backend))  # and after a restart
    assert post(restarted).status_code == 401


def test_pipeline_auth_none_stays_open_whatever_keys_exist(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    service.create_key(backend, "alice")
    assert post(client).status_code == 202


def test_pipeline_auth_keys_needs_keys_even_on_loopback(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="keys")
    client = TestClient(create_app(backend))
    assert post(client).status_code == 401
    alice = service.create_key(backend, "alice").secret
    assert post(client, alice).status_code == 202


def test_pipeline_auth_none_opens_even_a_public_address(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, auth="none", api_host="0.0.0.0")
    assert post(TestClient(create_app(backend))).status_code == 202


@pytest.mark.parametrize("name", ["api_key", "apikey", "API-KEY", "x-api-key", "key"])
def test_a_key_in_the_query_string_is_refused_with_the_way_out(
    client: TestClient, backend: Backend, name: str
) -> None:
    alice = service.create_key(backend, "alice").secret
    for path in ("/v1/jobs", "/health"):
        refused = client.get(path, params={name: alice})
        assert refused.status_code == 401, path
        assert "X-API-Key header" in refused.json()["detail"]
        assert alice not in refused.text
    open_app = TestClient(create_app(make_backend(backend.settings.data_dir / "open")))
    assert open_app.get("/v1/jobs", params={name: alice}).status_code == 401


@pytest.mark.parametrize("name", ["token", "access_token", "auth", "X-Api-Token", "q"])
def test_a_secret_in_the_query_string_is_refused_under_any_name(
    client: TestClient, backend: Backend, name: str
) -> None:
    """Only the names above were refused: ``?token=sp_…`` was answered 200, the secret left in
    the URL and the caller never told to revoke it."""
    alice = service.create_key(backend, "alice").secret
    for value in (alice, f"Bearer {alice}"):
        refused = client.get("/v1/jobs", params={name: value}, headers=keyed(alice))
        assert refused.status_code == 401, (name, value)
        assert "revoke a key you sent this way" in refused.json()["detail"]
        assert alice not in refused.text
    courses = ("sp_signal_processing_and_communication_systems", "dsp_signal_processing_and_x")
    for value in ("sp_short", *courses, alice + "x"):
        not_a_secret = client.get("/v1/jobs", params={name: value}, headers=keyed(alice))
        assert not_a_secret.status_code == 200, value  # a course's name is no key


def test_a_key_sent_as_a_bearer_token_is_not_read_and_the_refusal_says_where_it_goes(
    client: TestClient, backend: Backend
) -> None:
    alice = service.create_key(backend, "alice").secret
    refused = client.get("/v1/jobs", headers={"Authorization": f"Bearer {alice}"})
    assert refused.status_code == 401
    assert "X-API-Key header" in refused.json()["detail"]
    assert "Authorization header is not read" in refused.json()["detail"]
    assert alice not in refused.text
    assert client.get("/v1/jobs", headers=keyed(alice)).status_code == 200


def test_health_without_a_key_says_only_whether_it_is_up(
    client: TestClient, backend: Backend
) -> None:
    alice = service.create_key(backend, "alice").secret
    post(client, alice)
    public = client.get("/health")
    assert public.status_code == 200 and public.json() == {"status": "ok"}
    detailed = client.get("/health", headers=keyed(alice)).json()
    assert detailed["queue"] == {"visible": 1, "in_flight": 0}
    assert client.get("/health", headers=keyed("sp_wrong")).status_code == 401


def test_binding_beyond_loopback_needs_a_key_or_an_explicit_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ensure_safe_bind("127.0.0.1", require_keys=False, keys_exist=False)
    ensure_safe_bind("0.0.0.0", require_keys=True, keys_exist=True)
    for host in ("0.0.0.0", "192.168.1.5", "127.0.0.1"):
        with pytest.raises(ConfigError, match=f"refusing to start on {host}.*keys create"):
            ensure_safe_bind(host, require_keys=True, keys_exist=False)
    ensure_safe_bind("0.0.0.0", require_keys=False, keys_exist=False)  # PIPELINE_AUTH=none
    assert "without API keys" in caplog.text


def test_error_bodies_are_bounded_and_malformed_ids_are_not_echoed(tmp_path: Path) -> None:
    client = TestClient(create_app(make_backend(tmp_path)))
    names = ",".join(f"a rather long column name number {i}" for i in range(10_000))
    wide = names.encode() + b"\n" + b"x," * 9_999 + b"x\n"  # a 370 KB header line
    refused = client.post(
        "/v1/jobs",
        files={"file": ("wide.csv", wide)},
        data={"text_column": "comment"},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "missing_column"
    assert len(refused.content) < MAX_DETAIL_CHARS + 100
    request_id = post(client).json()["request_id"]
    group = "g" * 12_000
    unknown = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": group})
    assert unknown.status_code == 400 and "12,000 characters" in unknown.json()["detail"]
    assert len(unknown.content) < 1000
    too_long = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": group * 2})
    assert too_long.status_code == 431 and len(too_long.content) < 100  # over the head's 16 KiB
    long_id = "a" * 10_000
    for path in (f"/v1/jobs/{long_id}", f"/v1/jobs/{long_id}/results", "/v1/jobs/a%20b"):
        answer = client.get(path)
        assert answer.status_code == 422, path
        assert answer.json()["error"] == "invalid_request" and "'request_id'" in answer.text
        assert long_id not in answer.text and len(answer.content) < 500


def test_every_error_body_is_capped_whatever_built_its_message() -> None:
    answer = error_answer(InputError("x" * 1_000_000))
    assert answer.status == 400
    assert len(answer.body["detail"]) < MAX_DETAIL_CHARS + 50
    assert answer.body["detail"].endswith(f"… ({1_000_000 - MAX_DETAIL_CHARS:,} more characters)")
    assert error_body("input", "short") == {"error": "input", "detail": "short"}


def test_echo_quotes_short_values_whole_and_cuts_long_ones() -> None:
    assert echo("Comment") == "'Comment'"
    cut = echo("y" * 10_000)
    assert cut.startswith("'" + "y" * MAX_ECHO_CHARS + "'…") and "10,000 characters" in cut
    assert bounded("z" * 10, limit=4) == "zzzz… (6 more characters)"
