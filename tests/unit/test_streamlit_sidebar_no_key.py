"""The sidebar of a page whose API asks for a key while none is set (AppTest, the real API on
uvicorn): it says a key is needed, as the page does, not that a key was refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import APP, job_page
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest

from pipeline import service
from pipeline.api.app import create_app

NO_JOB = "AAAAAAAAAAAAAAAAAAAAAA"


def sidebar(at: AppTest) -> str:
    return " ".join(str(caption.value) for caption in at.sidebar.caption)


def test_no_key_set_reads_as_a_key_asked_for_in_the_sidebar_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    service.create_key(backend, "secretary")  # the API asks for keys from now on
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, NO_JOB, monkeypatch)
    said = sidebar(at)
    assert "it asks for a key (see the page)" in said, said
    assert "refused" not in said, said


def test_a_key_set_and_refused_still_reads_as_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="keys")
    service.create_key(backend, "secretary")
    with serving_app(create_app(backend), log_level="warning") as url:
        monkeypatch.setenv("PIPELINE_API_URL", url)
        monkeypatch.setenv("PIPELINE_API_KEY", "sp_wrongwrongwrong")
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params["job"] = NO_JOB
        at.run()
    assert not at.exception, at.exception
    assert "the key is refused (see the page)" in sidebar(at)
