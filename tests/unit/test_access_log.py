"""Status polls stay out of the access log at info level; refused or failed requests, and
everything that is not a poll, stay in it. The records are logged the way uvicorn logs them,
through the logging configuration ``up`` passes to uvicorn."""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Iterator

import pytest

from pipeline.api.access_log import is_status_poll, uvicorn_log_config

ACCESS = "uvicorn.access"
# uvicorn's access record: client, method, target, HTTP version, status.
FORMAT = '%s - "%s %s HTTP/%s" %d'


@pytest.fixture
def access_logger(caplog: pytest.LogCaptureFixture) -> Iterator[logging.Logger]:
    """uvicorn's loggers configured as ``up`` configures them, caplog listening; restored after."""
    names = ("uvicorn", "uvicorn.error", ACCESS)
    saved = {
        name: (lg.handlers[:], lg.filters[:], lg.level, lg.propagate)
        for name, lg in ((n, logging.getLogger(n)) for n in names)
    }
    logging.config.dictConfig(uvicorn_log_config())
    logger = logging.getLogger(ACCESS)
    logger.addHandler(caplog.handler)
    try:
        yield logger
    finally:
        for name, (handlers, filters, level, propagate) in saved.items():
            restored = logging.getLogger(name)
            restored.handlers, restored.filters = handlers, filters
            restored.level, restored.propagate = level, propagate


def _request(logger: logging.Logger, method: str, target: str, status: int) -> None:
    logger.info(FORMAT, "127.0.0.1:5000", method, target, "1.1", status)


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records]


def test_successful_status_polls_are_not_logged_at_info(
    access_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    for target in (
        "/health",
        "/health/ready",
        "/v1/jobs/abc123",
        "/v1/jobs/abc123/summary?x=1",
        "/v1/jobs/abc123/aspects?group_by=course",
    ):
        _request(access_logger, "GET", target, 200)
    _request(access_logger, "HEAD", "/health/live", 200)

    assert _lines(caplog) == []


def test_errors_and_other_requests_are_still_logged_at_info(
    access_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    _request(access_logger, "GET", "/v1/jobs/nosuchjob", 404)
    _request(access_logger, "GET", "/v1/jobs/abc123/summary", 401)
    _request(access_logger, "GET", "/health/ready", 503)
    _request(access_logger, "POST", "/v1/jobs", 202)
    _request(access_logger, "DELETE", "/v1/jobs/abc123", 200)
    _request(access_logger, "GET", "/v1/jobs/abc123/results?format=csv", 200)

    assert _lines(caplog) == [
        ("INFO", '127.0.0.1:5000 - "GET /v1/jobs/nosuchjob HTTP/1.1" 404'),
        ("INFO", '127.0.0.1:5000 - "GET /v1/jobs/abc123/summary HTTP/1.1" 401'),
        ("INFO", '127.0.0.1:5000 - "GET /health/ready HTTP/1.1" 503'),
        ("INFO", '127.0.0.1:5000 - "POST /v1/jobs HTTP/1.1" 202'),
        ("INFO", '127.0.0.1:5000 - "DELETE /v1/jobs/abc123 HTTP/1.1" 200'),
        # The query is scrubbed by the access handler (QueryScrubber), which ran first.
        ("INFO", '127.0.0.1:5000 - "GET /v1/jobs/abc123/results?... HTTP/1.1" 200'),
    ]


def test_at_debug_level_polls_are_logged_as_debug(
    access_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    access_logger.setLevel(logging.DEBUG)
    _request(access_logger, "GET", "/v1/jobs/abc123", 200)

    assert _lines(caplog) == [("DEBUG", '127.0.0.1:5000 - "GET /v1/jobs/abc123 HTTP/1.1" 200')]


def test_other_records_of_the_access_logger_pass_unchanged(
    access_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    access_logger.info("plain %s", "/health")
    access_logger.warning(FORMAT, "127.0.0.1:5000", "GET", "/health", "1.1", 200)

    assert _lines(caplog) == [
        ("INFO", "plain /health"),
        ("WARNING", '127.0.0.1:5000 - "GET /health HTTP/1.1" 200'),
    ]


@pytest.mark.parametrize(
    ("method", "target", "status", "poll"),
    [
        ("GET", "/v1/jobs/abc", 200, True),
        ("GET", "/v1/jobs/abc?api_key=x", 304, True),
        ("GET", "/v1/jobs", 200, False),
        ("GET", "/v1/jobs/abc/results", 200, False),
        ("GET", "/v1/jobs/abc/summary/extra", 200, False),
        ("GET", "/healthz", 200, False),
        ("POST", "/v1/jobs/abc", 200, False),
        ("GET", "/v1/jobs/abc", 404, False),
    ],
)
def test_what_counts_as_a_status_poll(method: str, target: str, status: int, poll: bool) -> None:
    assert is_status_poll(method, target, status) is poll
