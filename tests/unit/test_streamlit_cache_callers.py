"""The app's caches are shared by every session of its server: what one visitor's key read is
never handed to another key, nor to the same key once revoked (AppTest; the real API on uvicorn
for the keys, a canned one that answers every key for the charts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from apptests import APP, counted_chart_builds, page_text
from fastapi.testclient import TestClient
from httpfakes import serving, serving_app
from jobfakes import FakePredictor, make_backend
from streamlit.testing.v1 import AppTest
from test_streamlit_insights import InsightsApi

from pipeline import service
from pipeline.api.app import create_app
from pipeline.service.keys import HEADER, revoke_key
from pipeline.worker import Worker

CSV = "course,comment\nBIO9,great labs\nBIO9,too much homework\nCHEM110,fine\nCHEM110,good\n"
BUILT = ("distribution_chart", "confidence_chart", "group_chart")  # the Overview's charts


def visit(url: str, key: str, request_id: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A new session (another visitor of the same server) on the job's page with ``key``."""
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.setenv("PIPELINE_API_KEY", key)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = request_id
    at.run()
    assert not at.exception, at.exception
    return at


def shows_job_data(at: AppTest) -> bool:
    return bool(at.get("vega_lite_chart") or at.get("arrow_data_frame") or at.metric)


def test_another_key_and_a_revoked_one_are_refused_not_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the app's uncached status read, which refuses another key and a revoked one
    before any cached figure is reached: it passes without the chart cache's key digest too.
    The chart cache keyed by the caller is tested by the next test."""
    backend = make_backend(tmp_path, auth="keys")
    chem = service.create_key(backend, "chem").secret
    bio = service.create_key(backend, "bio").secret
    answer = TestClient(create_app(backend)).post(
        "/v1/jobs",
        headers={HEADER: chem},
        files={"file": ("evaluations.csv", CSV)},
        data={"text_column": "comment", "group_by": "course"},
    )
    request_id = str(answer.json()["request_id"])
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        owner = visit(url, chem, request_id, monkeypatch)  # its answers are cached now
        assert shows_job_data(owner)

        other = visit(url, bio, request_id, monkeypatch)
        assert "No such job." in page_text(other)
        assert not shows_job_data(other)

        revoke_key(backend, "chem")
        revoked = visit(url, chem, request_id, monkeypatch)
        assert "The API refused the API key." in page_text(revoked)
        assert not shows_job_data(revoked)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """How often each of the Overview's charts is built (from an empty cache)."""
    yield counted_chart_builds(monkeypatch, BUILT)
    st.cache_resource.clear()


def test_a_chart_made_for_one_key_is_not_handed_to_another(
    monkeypatch: pytest.MonkeyPatch, builds: dict[str, int]
) -> None:
    """A chart holds the job's figures as one key's answers gave them: another key gets one
    made of its own answers (here the canned API answers both)."""
    with serving(InsightsApi) as url:
        visit(url, "sp_first", "insightjob", monkeypatch)
        assert builds == dict.fromkeys(BUILT, 1)
        visit(url, "sp_first", "insightjob", monkeypatch)  # the same key: made once
        assert builds == dict.fromkeys(BUILT, 1)
        visit(url, "sp_second", "insightjob", monkeypatch)
    assert builds == dict.fromkeys(BUILT, 2)
