"""The overview in the app (AppTest), against the real API on uvicorn: two group values that
differ only in case, spaces, punctuation or how an accent is encoded are said to be maybe one
group, as the report and the change between jobs say."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import job_page
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.worker import Worker


def test_the_overview_says_two_groups_may_be_one_written_two_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    content = b'course,comment\nCHEM 101,good\n"CHEM 101 ",bad\nBIO 9,fine\n'
    request_id = api.post(
        "/v1/jobs", files={"file": ("alike.csv", content)}, data={"group_by": "course"}
    ).json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        notes = " ".join(caption.value for caption in at.caption)
    assert "“CHEM 101” and “CHEM 101 ” may be one group written two ways" in notes
    assert "BIO" not in notes.split("may be one")[0]
