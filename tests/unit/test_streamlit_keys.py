"""The app against an API that asks for keys (AppTest, the real API on uvicorn): with no key
set it says a key is needed, not that the key it never sent was refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import job_page
from httpfakes import serving_app
from jobfakes import make_backend

from pipeline import service
from pipeline.api.app import create_app


def test_no_key_set_is_told_apart_from_a_refused_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    service.create_key(backend, "chair")
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, "AAAAAAAAAAAAAAAAAAAAAA", monkeypatch)
        messages = " ".join(str(error.value) for error in at.error)
    assert "**The API asks for an API key, and none is set.**" in messages
    assert "refused the API key" not in messages
    assert "PIPELINE_API_KEY" in messages
