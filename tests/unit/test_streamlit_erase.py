"""*Erase this job* in the app (AppTest), against the real API on uvicorn: nothing happens
until the box is ticked; then the job's comments are gone from the service and the page says
the job was erased, showing none of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.worker import Worker

COMMENTS = b"course,comment\nCHEM110,the exam was unfair\nPHYS201,great lectures\n"


def labelled_job(tmp_path: Path, **settings: float) -> tuple[Backend, TestClient, str]:
    backend = make_backend(tmp_path, auth="none", **settings)
    api = TestClient(create_app(backend))
    request_id = api.post("/v1/jobs", files={"file": ("evals.csv", COMMENTS)}, data={}).json()[
        "request_id"
    ]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return backend, api, request_id


def test_a_job_is_erased_only_once_the_box_is_ticked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, api, request_id = labelled_job(tmp_path)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        assert at.dataframe, "the results are shown"
        erase = at.button(key="e-erase")
        assert erase.disabled, "not before the box is ticked"

        at.checkbox(key="e-sure").check().run()
        at.button(key="e-erase").click().run()

        assert not at.exception and not at.error, page_text(at)
        text = page_text(at)
        assert "**This job was erased** on" in text and "evals.csv, 2 comments" in text
        assert not at.dataframe and not at.tabs, "nothing of the job is shown"
    assert api.get(f"/v1/jobs/{request_id}/summary").status_code == 410
    assert api.get(f"/v1/jobs/{request_id}").json()["erased_at"]


def test_a_job_past_its_retention_says_so_and_keeps_the_sidebar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend, _api, request_id = labelled_job(tmp_path, retention_days=1e-9)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)

        assert not at.exception and not at.error, page_text(at)
        assert "**This job was erased** on" in page_text(at)  # its status read erased it
        assert not at.dataframe, "none of its comments"
        assert at.sidebar.text_input, "the sidebar still opens another job"
