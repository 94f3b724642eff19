"""*Compare → This job against an earlier one* and *Several jobs in order* take any finished
job as an earlier one, whenever it was uploaded (AppTest against the real API on uvicorn).

The app offered only the jobs uploaded before the open one and refused a pasted later upload
as "no earlier job": an older term submitted again (as the model-change note advises), or
last year's file filled in after this term's, could no longer be compared with this term or
put before it in a trend, which had no box for pasted ids at all. The command line and the
API follow the order the user gives (upload dates are not the terms' order); so does the app
now, warning where the upload dates disagree instead of refusing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apptests import job_page, page_text
from fastapi.testclient import TestClient
from httpfakes import serving_app
from jobfakes import make_backend
from streamlit.testing.v1 import AppTest
from test_change import LAST_TERM, THIS_TERM, finish, submitted

from pipeline.api.app import create_app
from pipeline.client import JobStatus
from pipeline.ui.change import earlier_jobs, job_caption, pasted_ids, uploaded_later

MODE = "c-mode"
LATER_UPLOAD = "uploaded after this job"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """This term's job, then last term's file submitted again after it."""
    backend = make_backend(tmp_path_factory.mktemp("any-earlier"), auth="none")
    api = TestClient(create_app(backend))
    ids = {"now": submitted(api, THIS_TERM, "fall-2026.csv")}
    ids["earlier"] = submitted(api, LAST_TERM, "fall-2025.csv")
    finish(backend)
    with serving_app(create_app(backend), log_level="warning") as url:
        yield url, ids


def compare(url: str, request_id: str, monkeypatch: pytest.MonkeyPatch, mode: str) -> AppTest:
    at = job_page(url, request_id, monkeypatch)
    at.radio(key=MODE).set_value(mode).run()
    assert not at.exception, at.exception
    return at


def test_a_term_uploaded_later_can_be_chosen_as_the_earlier_one(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = compare(url, ids["now"], monkeypatch, "This job against an earlier one")
    since = at.selectbox(key="ch-since")
    (offered,) = since.options
    assert offered.startswith("fall-2025.csv") and offered.endswith(LATER_UPLOAD), offered

    since.set_value(ids["earlier"]).run()

    assert not at.exception and not at.error, page_text(at)
    assert "fall-2025.csv was uploaded after this job" in page_text(at)
    table = next(f.value for f in at.dataframe if "n earlier" in f.value)
    chem = table[table["part"] == "CHEM110"].iloc[0]
    assert chem["negative: earlier → now"] == "75 % → 12 %", "last term read as the earlier"
    assert "Change table (CSV)" in {b.label for b in at.get("download_button")}

    at.button(key="ch-open-newer").click().run()
    assert at.query_params["job"] == ids["earlier"], "to compare the other way round there"


def test_the_trend_takes_pasted_ids_in_the_order_given(
    served: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = served
    at = compare(url, ids["now"], monkeypatch, "Several jobs in order (a trend)")
    (offered,) = at.multiselect(key="tr-jobs").options
    assert offered.endswith(LATER_UPLOAD), "offered, marked"

    at.text_input(key="tr-pasted").set_value("fall-2025.csv").run()
    assert "is not a request id" in page_text(at)

    at.text_input(key="tr-pasted").set_value(f" {ids['earlier']}, {ids['now']}\n").run()

    assert not at.exception and not at.error, page_text(at)
    text = page_text(at)
    assert text.index("1 fall-2025.csv") < text.index("2 fall-2026.csv"), "the order given"
    assert "**fall-2025.csv** was uploaded after a job that follows" in text
    table = next(f.value for f in at.dataframe if "n by job" in f.value and "part" in f.value)
    assert table[table["part"] == "CHEM110"].iloc[0]["negative % by job"] == "75 → 12"


def test_every_other_finished_job_is_offered_those_uploaded_before_first() -> None:
    jobs = [
        JobStatus("newer", "succeeded", created_at="2026-12-06T06:18:00+00:00"),
        JobStatus("now", "succeeded", created_at="2026-12-06T05:56:00+00:00"),
        JobStatus("older", "succeeded", created_at="2026-12-06T05:55:59.5+00:00"),
        JobStatus("undated", "succeeded"),
        JobStatus("running", "running", created_at="2026-12-06T05:00:00+00:00"),
    ]
    made = jobs[1].created_at

    assert [job.request_id for job in earlier_jobs(jobs, "now", made)] == [
        "older",
        "undated",
        "newer",
    ]
    assert job_caption(jobs[0], made).endswith(f"newer · {LATER_UPLOAD}")
    assert LATER_UPLOAD not in job_caption(jobs[2], made)


def test_jobs_read_before_a_job_uploaded_earlier_are_named() -> None:
    def job(name: str, created_at: str) -> dict[str, str]:
        return {"input_name": name, "created_at": created_at}

    fresh = job("spring-2024.csv", "2026-12-06T18:59:00+00:00")  # submitted again
    spring = job("spring-2025.csv", "2026-12-06T18:50:00+00:00")
    fall = job("fall-2023.csv", "2026-12-06T18:40:00+00:00")

    assert uploaded_later([fresh, spring]) == [fresh]
    assert uploaded_later([fall, fresh, spring]) == [fresh]
    assert uploaded_later([fall, spring]) == []
    assert uploaded_later([job("a.csv", ""), spring]) == [], "a time unknown is not later"


def test_pasted_ids_are_split_and_cleaned() -> None:
    assert pasted_ids(" 'abc', def;ghi\n-jk ") == ["abc", "def", "ghi", "-jk"]
    assert pasted_ids("  ") == []
