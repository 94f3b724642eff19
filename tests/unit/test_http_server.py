"""The API served as `up` serves it (uvicorn, with the logging configuration ``serve`` passes),
in a thread on a free port: what the access log writes, and the command line's ``results``
download over real HTTP, escaped by default and raw with ``--raw``."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from httpfakes import serving_app
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.api.access_log import QueryScrubber, uvicorn_log_config, without_query
from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.worker import Worker

SECRET = "sp_s3cr3t-never-in-a-log"


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


@pytest.fixture
def url(backend: Backend) -> Iterator[str]:
    """The app on uvicorn in a thread, its logging configured as ``serve`` configures it."""
    with serving_app(create_app(backend), log_config=uvicorn_log_config()) as found:
        yield found


def test_a_key_in_the_query_string_never_reaches_the_access_log(
    url: str, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    (handler,) = _configured(logging.getLogger("uvicorn.access"))  # filter included
    access_log = io.StringIO()
    handler.setStream(access_log)  # type: ignore[attr-defined]
    key = service.create_key(backend, "alice").secret
    with httpx.Client(base_url=url) as client:
        for params in ({"api_key": SECRET}, {"format": "csv", "token": SECRET}, {"k": key}):
            answer = client.get("/v1/jobs", params=params)
            assert answer.status_code == 401 and SECRET not in answer.text
        assert client.get(f"/health?{SECRET}").status_code == 200
        listed = client.get("/v1/jobs", params={"limit": 5}, headers={"X-API-Key": key})
        assert listed.status_code == 200
    logged, other_output = access_log.getvalue(), capsys.readouterr()
    assert logged.count("GET /v1/jobs?... HTTP/1.1") == 4, logged
    assert "GET /health" not in logged  # a successful poll is debug only (PollingQuieter)
    for secret in (SECRET, key):
        assert secret not in logged
        assert secret not in other_output.out and secret not in other_output.err


def test_the_scrubber_rewrites_only_the_request_target() -> None:
    assert without_query("/v1/jobs?api_key=x&format=csv") == "/v1/jobs?..."
    assert without_query("/v1/jobs") == "/v1/jobs"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/health?key=x", "1.1", 200), None,
    )  # fmt: skip
    assert QueryScrubber().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /health?... HTTP/1.1" 200'
    other = logging.LogRecord("x", logging.INFO, "", 0, "plain %s", ("a?b",), None)
    QueryScrubber().filter(other)
    assert other.getMessage() == "plain a?b"


def test_the_cli_downloads_escaped_results_unless_raw(
    url: str, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = service.create_key(backend, "alice").secret
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.setenv("PIPELINE_API_KEY", key)
    source = comments_csv(tmp_path / "in.csv", ["=1+1", "good", "@SUM(A1)"])
    request_id = service.submit(backend, source, "comment", owner=backend_owner(backend, key))
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    escaped, raw = tmp_path / "escaped.csv", tmp_path / "raw.csv"
    assert main(["results", request_id.request_id, "--output", str(escaped)]) == 0
    assert main(["results", request_id.request_id, "--output", str(raw), "--raw"]) == 0
    assert comments(escaped) == ["'=1+1", "good", "'@SUM(A1)"]
    assert comments(raw) == ["=1+1", "good", "@SUM(A1)"]


def backend_owner(backend: Backend, key: str) -> str:
    return service.authenticate(backend, key, required=True)


def comments(path: Path) -> list[str]:
    frame = pd.read_csv(io.BytesIO(path.read_bytes()), dtype=str, keep_default_na=False)
    return frame["comment"].tolist()


def _configured(logger: logging.Logger) -> list[logging.Handler]:
    """The logger's handlers as the server configured them: pytest 9.1 and later also attach
    their capture handlers to loggers that do not propagate, as uvicorn's access logger."""
    return [h for h in logger.handlers if not type(h).__module__.startswith("_pytest.")]
