"""*Compare → This job against an earlier one* (and the trend's earlier jobs) offer only the
jobs made before the open one (AppTest against the real API on uvicorn).

The picker offered every other finished job, newest first: opened from a bookmark, last term's
job listed this term's at the top under "Earlier job", and the change then ran backwards (the
newer job as *earlier*, a fall read as a rise) in the table, chart and report. A newer job's
pasted id is now said to be newer, and no change is shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apptests import APP, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest
from test_change import LAST_TERM, THIS_TERM, finish, submitted

from pipeline.api.app import create_app
from pipeline.client import JobStatus
from pipeline.ui.change import earlier_jobs, newer_than_now

MODE = "c-mode"
AGAINST_EARLIER = "This job against an earlier one"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    backend = make_backend(tmp_path_factory.mktemp("change-order"), auth="none")
    api = TestClient(create_app(backend))
    ids = {
        "earlier": submitted(api, LAST_TERM, "fall-2025.csv"),
        "now": submitted(api, THIS_TERM, "fall-2026.csv"),
    }
    finish(backend)
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, ids


def opened(url: str, request_id: str, monkeypatch: pytest.MonkeyPatch, mode: str) -> AppTest:
    monkeypatch.setenv("PIPELINE_API_URL", url)
    monkeypatch.delenv("PIPELINE_API_KEY", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["job"] = request_id
    at.run()
    at.radio(key=MODE).set_value(mode).run()
    assert not at.exception, at.exception
    return at


def test_the_earlier_job_offered_is_never_a_newer_one(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    last_term = opened(url, ids["earlier"], monkeypatch, AGAINST_EARLIER)
    assert last_term.selectbox(key="ch-since").options == [], "this term's job is newer"
    assert "No finished job made before this one" in str(last_term.selectbox(key="ch-since").proto)

    this_term = opened(url, ids["now"], monkeypatch, AGAINST_EARLIER)
    offered = this_term.selectbox(key="ch-since").options
    assert len(offered) == 1 and offered[0].endswith(ids["earlier"][:8]), offered

    trend = opened(url, ids["earlier"], monkeypatch, "Several jobs in order (a trend)")
    assert trend.multiselect(key="tr-jobs").options == []


def test_a_pasted_newer_job_is_said_to_be_newer_and_no_change_is_shown(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = opened(url, ids["earlier"], monkeypatch, AGAINST_EARLIER)
    at.text_input(key="ch-pasted").set_value(ids["now"]).run()

    assert not at.exception and not at.error, page_text(at)
    assert "fall-2026.csv" in page_text(at) and "was made after this job" in page_text(at)
    assert not any("n earlier" in frame.value for frame in at.dataframe), "no backwards change"
    assert "Change table (CSV)" not in {b.label for b in at.get("download_button")}

    at.button(key="ch-open-newer").click().run()
    assert at.query_params["job"] == ids["now"], "the newer job's page, to compare from there"


def test_earlier_jobs_are_the_ones_made_before_this_one() -> None:
    jobs = [
        JobStatus("newer", "succeeded", created_at="2026-12-06T06:18:00+00:00"),
        JobStatus("now", "succeeded", created_at="2026-12-06T05:56:00+00:00"),
        JobStatus("older", "succeeded", created_at="2026-12-06T05:55:59.5+00:00"),
        JobStatus("undated", "succeeded"),
    ]
    assert [job.request_id for job in earlier_jobs(jobs, "now", jobs[1].created_at)] == ["older"]
    # Without this job's time (an older API), nothing can be ruled out.
    assert len(earlier_jobs(jobs, "now")) == 3


def test_a_change_since_a_newer_job_is_known_as_such() -> None:
    def body(before: str, after: str) -> dict[str, dict[str, str]]:
        return {"before": {"created_at": before}, "after": {"created_at": after}}

    assert newer_than_now(body("2026-12-06T06:18:00+00:00", "2026-12-06T05:56:00+00:00"))
    assert not newer_than_now(body("2025-12-06T06:18:00+00:00", "2026-12-06T05:56:00+00:00"))
    assert not newer_than_now(body("", "2026-12-06T05:56:00+00:00")), "unknown is not newer"
