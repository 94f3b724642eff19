"""The page of a job cancelled or failed part-way (AppTest against the real API on uvicorn):
what it shows and hands out is of its rows so far, and says so truthfully.

*Review → Before release* said "(the job is still running: the rows so far)" of a job that
was cancelled or failed and never will finish, and so did *Compare → A rating against the
comments*; the *Results (CSV)* and *Results (Excel)* downloads of such a job were named
``-results.csv`` and ``-results.xlsx``, the names of a whole job's files, where the API names
the same rows ``-results-partial.csv``, and its *Summary (CSV)* ``-summary.csv`` with nothing
said of the shares above it being of part of the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apptests import downloads_handed, job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import LABELS, make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend
from pipeline.ui import release

ROWS = [
    ("CHEM110", "5", "good labs"),
    ("CHEM110", "1", "bad exams: write to jo.smith@uni.edu"),
    ("PHYS201", "4", "fine lectures"),
    ("PHYS201", "2", "boring"),
    ("BIO101", "3", "ok"),
] * 2
LABELLED = 6
"""Of the ten rows, the first six are labelled when the job ends."""
ENDINGS = {
    "cancelled": lambda backend, request_id: backend.repository.jobs.cancel(request_id),
    "failed": lambda backend, request_id: backend.repository.jobs.fail(request_id, "it crashed"),
}


def ended_part_way(backend: Backend, ending: str) -> str:
    """A job of ``ROWS`` whose first ``LABELLED`` rows were labelled before it ``ending``."""
    content = "course,Q2,comment\n" + "".join(f"{c},{q},{t}\n" for c, q, t in ROWS)
    posted = TestClient(create_app(backend)).post(
        "/v1/jobs",
        files={"file": ("evals.csv", content.encode())},
        data={"text_column": "comment", "group_by": "course"},
    )
    request_id = str(posted.json()["request_id"])
    backend.repository.jobs.begin_attempt(request_id, "fake-1", list(LABELS))
    scores = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    rows = [
        {"row_index": i, "text": text, "data": {"course": course, "Q2": rating}}
        | {"label": "positive", "scores": scores, "error": None, "model_version": "fake-1"}
        for i, (course, rating, text) in enumerate(ROWS[:LABELLED])
    ]
    backend.repository.jobs.write_chunk(request_id, rows)
    ENDINGS[ending](backend, request_id)
    return request_id


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the page hands its download buttons, by file name."""
    return downloads_handed(monkeypatch)


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_job_that_ended_part_way_says_what_became_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handed: dict[str, Any], ending: str
) -> None:
    backend = make_backend(tmp_path, auth="none")
    request_id = ended_part_way(backend, ending)
    said = f"job {ending}: {LABELLED} of {len(ROWS)} rows labelled; "
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        stem = f"evals-{request_id[:8]}"
        partial = {f"{stem}-{kind}-partial.csv" for kind in ("results", "summary")}
        assert partial | {f"{stem}-results-partial.xlsx"} <= set(handed)
        whole = {f"{stem}-results.csv", f"{stem}-results.xlsx", f"{stem}-summary.csv"}
        assert not whole & set(handed), sorted(handed)
        assert f"({said}these shares are of those rows only)" in page_text(at)

        at.radio(key="c-mode").set_value("A rating against the comments").run()
        assert not at.exception, at.exception
        assert f"({said}these figures are of those rows only)" in page_text(at)

        at.session_state["view"] = "Review"
        at.run()
        assert not at.exception, at.exception
        text = page_text(at)
        assert f"withheld from reports: email 1 ({said}only those were screened)" in text, text
        assert "still running" not in text


def test_a_list_with_nothing_flagged_says_too_that_it_is_of_the_rows_so_far() -> None:
    note = "job failed: 6 of 10 rows labelled; only those were screened"
    body = {"flagged": 0, "rows_screened": 6, "complete": False, "kinds": []}
    assert release.summary_text(body, note).endswith(f"as written ({note}).")
    assert release.summary_text({**body, "complete": True}, note).endswith("as written.")
