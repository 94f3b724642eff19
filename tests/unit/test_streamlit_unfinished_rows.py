"""The app's page of a job that ended with no labelled row, and of a job whose API stopped
answering, against the real API on uvicorn (AppTest).

A job that failed, or was cancelled before its first row, still holds the uploaded comments:
*Erase this job* was offered only beside the results, so such a job could not be erased from
the page. With the API gone, the open job's page was replaced by the same error twice (sidebar
and page), its sentence said twice ("The API cannot be reached. the API at … cannot be
reached"), and the results already loaded vanished."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.worker import Worker

COMMENTS = b"course,comment\nCHEM110,the exam was bad\nPHYS201,good lectures\n"


def stored(backend: Backend, request_id: str) -> list[Path]:
    """The job's files in the embedded object store (its upload, its results), not the record
    of its erasure (``erasures/``: when and why, no comment)."""
    root = backend.settings.data_dir / "objects"
    files = (path for path in root.rglob("*") if path.is_file() and request_id in str(path))
    return [path for path in files if path.parent != root / "erasures"]


def submitted(backend: Backend) -> str:
    api = TestClient(create_app(backend))
    answer = api.post("/v1/jobs", files={"file": ("evals.csv", COMMENTS)}, data={})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def failed_job(backend: Backend) -> str:
    """A job the worker could not read: failed with no row labelled, its upload kept."""
    request_id = submitted(backend)
    for path in stored(backend, request_id):
        path.write_bytes(b"\x00\x01garbage")
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    return request_id


def cancelled_job(backend: Backend) -> str:
    """A job cancelled while queued: no row labelled, its upload kept."""
    request_id = submitted(backend)
    answer = TestClient(create_app(backend)).delete(f"/v1/jobs/{request_id}")
    assert answer.json()["status"] == "cancelled", answer.text
    return request_id


@pytest.mark.parametrize("ended", [failed_job, cancelled_job], ids=["failed", "cancelled"])
def test_a_job_that_ended_before_any_row_can_be_erased_from_its_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ended: Callable[[Backend], str]
) -> None:
    backend = make_backend(tmp_path, auth="none")
    request_id = ended(backend)
    assert stored(backend, request_id), "the uploaded comments are still stored"
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        assert "0 / 2 rows" in page_text(at), page_text(at)
        assert at.button(key="e-erase").disabled, "not before the box is ticked"

        at.checkbox(key="e-sure").check().run()
        at.button(key="e-erase").click().run()

        assert not at.exception, at.exception
        assert "**This job was erased** on" in page_text(at)
    assert not stored(backend, request_id), "its comments are gone from the store"


def test_with_the_api_gone_the_page_says_so_once_and_keeps_the_results_it_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="none")
    request_id = submitted(backend)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        assert at.dataframe and at.tabs
        assert any("connected" in str(c.value) for c in at.sidebar.caption)
    at.run()  # the API has stopped

    assert not at.exception, at.exception
    errors = [str(error.value) for error in at.error]
    assert len(errors) == 1, errors
    assert "cannot be reached" in errors[0]
    assert errors[0].count("cannot be reached") == 1, "the sentence is said once"
    assert not at.sidebar.error, "the page says it; the sidebar points there"
    sidebar = " ".join(str(c.value) for c in at.sidebar.caption)
    assert "connected" not in sidebar and "no answer" in sidebar, sidebar
    assert at.dataframe and at.tabs, "the results already loaded stay on the page"
    assert "as last loaded" in page_text(at)
    assert at.sidebar.text_input, "another job can still be opened"
