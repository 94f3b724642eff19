"""Errors become one HTTP answer each; only real server faults are logged as errors."""

from __future__ import annotations

import logging

import pytest

from pipeline.api.errors import UNEXPECTED_DETAIL, error_answer
from pipeline.errors import ConfigError, MissingColumnError, Unauthorized, Unsupported


def test_each_error_class_has_its_status_code_and_message() -> None:
    missing = error_answer(MissingColumnError("column 'x' is not in the file"))
    assert (missing.status, missing.body["error"]) == (400, "missing_column")
    assert missing.body["detail"] == "column 'x' is not in the file"
    refused = error_answer(Unauthorized("unknown key"))
    assert refused.status == 401 and refused.headers == {"WWW-Authenticate": "X-API-Key"}
    assert error_answer(Unsupported("no upload URLs here")).status == 501


def test_unexpected_errors_hide_their_details_from_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = error_answer(KeyError("secret internals"))
    assert answer.status == 500
    assert answer.body == {"error": "internal", "detail": UNEXPECTED_DETAIL}
    assert "secret internals" in caplog.text


def test_a_feature_this_deployment_lacks_is_not_logged_as_a_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="pipeline.api.errors"):
        error_answer(Unsupported("this deployment's object store cannot issue upload URLs"))
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        error_answer(ConfigError("PIPELINE_DATABASE_URL is not a database URL"))
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
