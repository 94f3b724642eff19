"""A job none of whose comments got a label (all in a language the model does not read, all
placeholders) says so at the top of its page, with the reasons, instead of empty shares, flat
charts and an aspect note that blames the settings (AppTest against the real API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from insightfakes import fake_analyst
from jobfakes import FakePredictor, make_backend

from pipeline.api.app import create_app
from pipeline.ui.explore import nothing_labelled
from pipeline.worker import Worker

FRENCH = (
    "course,comment\n"
    "CHIM101,Le cours était vraiment excellent et très bien organisé\n"
    "CHIM101,Les examens étaient beaucoup trop difficiles pour nous\n"
    "CHIM102,N/A\n"
).encode()


def test_the_reasons_are_counted_most_common_first_and_a_label_means_no_note() -> None:
    note = nothing_labelled(["no comment", "language fr is x", "language fr is x"])
    assert note is not None
    assert note.startswith("None of the 3 comments got a label")
    assert "2 × language fr is x; 1 × no comment." in note
    assert nothing_labelled(["no comment", None]) is None
    assert nothing_labelled(["no comment", float("nan")]) is None, "pandas' missing value"
    assert nothing_labelled([]) is None
    many = nothing_labelled(["a", "b", "c", "d", "d", "e"])
    assert many is not None and "2 × d; 1 × a; 1 × b; 2 for other reasons" in many


def test_the_page_of_a_job_with_no_label_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = make_backend(tmp_path, auth="none")
    api = TestClient(create_app(backend))
    answer = api.post("/v1/jobs", files={"file": ("chimie.csv", FRENCH)}, data={})
    assert answer.status_code == 202, answer.text
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, answer.json()["request_id"], monkeypatch)

        assert not at.exception and not at.error, page_text(at)
        (warning,) = [w.value for w in at.warning if "got a label" in w.value]
        assert warning.startswith("None of the 3 comments got a label")
        assert "2 × language fr is not supported" in warning and "1 × no comment" in warning
        at.tabs[1].run()
        assert "No comment of this job has a label" in page_text(at)
        assert "PIPELINE_INSIGHTS" not in page_text(at)
