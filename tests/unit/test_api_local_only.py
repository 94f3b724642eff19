"""A keyless API on loopback answers this machine's requests only: a page that rebinds its own
host name to 127.0.0.1, or posts a form from another site, is refused before any route runs;
with keys, or beyond loopback, nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app
from pipeline.api.local_only import foreign_reason

CSV = b"course,comment\nA,good\nB,bad\n"


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:8000", None),
        ("127.0.0.1", None),
        ("localhost:8000", None),
        ("LOCALHOST:8501", None),
        ("[::1]:8000", None),
        ("127.0.0.2:8000", None),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),  # the /docs page's own "Try it out"
        ("localhost:8000", "http://localhost:8501"),
    ],
)
def test_this_machines_names_are_answered(host: str, origin: str | None) -> None:
    assert foreign_reason(host, origin) is None


@pytest.mark.parametrize(
    ("host", "origin", "named"),
    [
        ("evil.example:8000", None, "'evil.example:8000'"),  # DNS rebinding
        ("evil.example:8000", "http://evil.example:8000", "'evil.example:8000'"),
        ("127.0.0.1.nip.io:8000", None, "nip.io"),
        ("", None, "no host"),
        (None, None, "no host"),
        ("[::1", None, "[::1"),
        ("127.0.0.1:8000", "https://evil.example", "'https://evil.example'"),  # a posted form
        ("127.0.0.1:8000", "null", "'null'"),  # a sandboxed page or a file
        ("127.0.0.1:8000", "http://[bad", "[bad"),
    ],
)
def test_another_host_or_another_sites_page_is_refused_by_name(
    host: str | None, origin: str | None, named: str
) -> None:
    reason = foreign_reason(host, origin)
    assert reason is not None and named in reason


def local_app(tmp_path: Path, local_only: bool = True) -> TestClient:
    backend = make_backend(tmp_path)
    return TestClient(
        create_app(backend, require_keys=False, local_only=local_only),
        base_url="http://127.0.0.1:8000",
    )


def test_a_rebound_page_reads_and_erases_nothing(tmp_path: Path) -> None:
    client = local_app(tmp_path)
    submitted = client.post(
        "/v1/jobs", files={"file": ("c.csv", CSV)}, data={"text_column": "comment"}
    )
    assert submitted.status_code == 202, submitted.text
    request_id = submitted.json()["request_id"]
    rebound = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}
    for method, path in [
        ("GET", "/v1/jobs"),
        ("GET", f"/v1/jobs/{request_id}"),
        ("GET", f"/v1/jobs/{request_id}/results?format=csv"),
        ("DELETE", f"/v1/jobs/{request_id}?erase=true"),
        ("GET", "/health"),
    ]:
        answer = client.request(method, path, headers=rebound)
        assert answer.status_code == 403, (method, path)
        assert answer.json()["error"] == "forbidden"
        assert "evil.example" in answer.json()["detail"]
    assert client.get(f"/v1/jobs/{request_id}").json()["status"] == "queued"


def test_another_sites_form_submits_nothing(tmp_path: Path) -> None:
    client = local_app(tmp_path)
    answer = client.post(
        "/v1/jobs",
        files={"file": ("c.csv", CSV)},
        data={"text_column": "comment"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and "evil.example" in answer.json()["detail"]
    assert client.get("/v1/jobs").json() == {"jobs": []}
    same_machine = client.post(
        "/v1/jobs",
        files={"file": ("c.csv", CSV)},
        data={"text_column": "comment"},
        headers={"Origin": "http://127.0.0.1:8000"},
    )
    assert same_machine.status_code == 202


def test_with_keys_or_beyond_loopback_any_host_is_answered(tmp_path: Path) -> None:
    open_beyond = local_app(tmp_path / "open", local_only=False)
    assert open_beyond.get("/v1/jobs", headers={"Host": "pipeline.uni.edu"}).status_code == 200
    backend = make_backend(tmp_path / "keyed", api_host="0.0.0.0")
    key = service.create_key(backend, "alice").secret
    keyed = TestClient(create_app(backend))
    answer = keyed.get("/v1/jobs", headers={"Host": "pipeline.uni.edu", "X-API-Key": key})
    assert answer.status_code == 200
