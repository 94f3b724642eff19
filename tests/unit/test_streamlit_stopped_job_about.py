"""The *About what* tab of a job cancelled or failed while its comments were being labelled
(AppTest against the real API on uvicorn), before any comment was tagged with an aspect.

It said, one under the other, "The job stopped before it worked out what its 6 labelled
comments are about" and "None of the 0 labelled comments was tagged with an aspect. The service
may run with aspect tagging switched off (PIPELINE_INSIGHTS=0)…" (a wrong count and a wrong
cause), then "Themes are found when the job completes" with an hourglass, of a job that never
will complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import LABELS, make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend

ROWS = [("CHEM110", "good labs"), ("PHYS201", "boring lectures"), ("BIO101", "ok")] * 4
LABELLED = 6
ENDINGS = {
    "cancelled": lambda backend, request_id: backend.repository.jobs.cancel(request_id),
    "failed": lambda backend, request_id: backend.repository.jobs.fail(request_id, "it crashed"),
}


def stopped_before_aspects(backend: Backend, ending: str) -> str:
    """A job whose worker tags aspects, ``ending`` after labelling its first ``LABELLED`` rows
    and before tagging any (aspects come after every label)."""
    content = "course,comment\n" + "".join(f"{c},{t}\n" for c, t in ROWS)
    posted = TestClient(create_app(backend)).post(
        "/v1/jobs",
        files={"file": ("evals.csv", content.encode())},
        data={"text_column": "comment", "group_by": "course"},
    )
    request_id = str(posted.json()["request_id"])
    backend.repository.jobs.begin_attempt(
        request_id, "fake-1", list(LABELS), insights_key="fake-insights", aspect_model="aspects-1"
    )
    scores = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    rows = [
        {"row_index": i, "text": text, "data": {"course": course}}
        | {"label": "positive", "scores": scores, "error": None, "model_version": "fake-1"}
        for i, (course, text) in enumerate(ROWS[:LABELLED])
    ]
    backend.repository.jobs.write_chunk(request_id, rows)
    ENDINGS[ending](backend, request_id)
    return request_id


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_job_stopped_before_its_aspects_says_so_once_and_waits_for_no_themes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    backend = make_backend(tmp_path, auth="none")
    request_id = stopped_before_aspects(backend, ending)
    with serving_app(create_app(backend), log_level="warning") as url:
        at = job_page(url, request_id, monkeypatch)
        at.session_state["view"] = "About what"
        at.run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert f"stopped before it worked out what its {LABELLED} labelled comments are about" in text
    assert "None of the" not in text and "PIPELINE_INSIGHTS" not in text, text
    said = "was cancelled" if ending == "cancelled" else "failed"
    assert f"The job {said} before it completed, so it has no themes" in text
    assert "Themes are found when the job completes" not in text
    icons = {info.icon for info in at.info}
    assert ":material/hourglass_top:" not in icons, "nothing to wait for"
