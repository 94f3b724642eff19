"""Progress wording, ETA rounding and the list of recent jobs."""

from __future__ import annotations

import math

import pytest

from pipeline.client import JobStatus
from pipeline.errors import ModelLoadError
from pipeline.model_fault import waiting_note
from pipeline.ui.progress import (
    RecentJob,
    clean_request_id,
    format_duration,
    format_eta,
    format_rate,
    insights_progress,
    progress_text,
    remember,
    revision,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (44.6, "45 s"),
        (60, "1 min"),
        (125, "2 min 5 s"),
        (725, "12 min"),
        (3600, "1 h"),
        (3 * 3600 + 25 * 60 + 10, "3 h 25 min"),
    ],
)
def test_durations_are_rounded_to_what_a_person_needs(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [-1, math.inf, math.nan])
def test_a_duration_must_be_finite_and_positive(seconds: float) -> None:
    with pytest.raises(ValueError):
        format_duration(seconds)


def test_eta_wording() -> None:
    assert format_eta(None) == "estimating time left…"
    assert format_eta(math.inf) == "estimating time left…"
    assert format_eta(0.4) == "almost done"
    assert format_eta(90) == "about 1 min 30 s left"


def _job(
    status: str, done: int, total: int, failed: int = 0, eta: float | None = None
) -> JobStatus:
    return JobStatus("r1", status, total, done, failed, eta)


def test_progress_text_for_each_phase() -> None:
    assert progress_text(_job("queued", 0, 10)) == "waiting for a worker…"
    assert (
        progress_text(_job("running", 1200, 5000, eta=40)) == "1,200 / 5,000 rows · about 40 s left"
    )
    assert progress_text(_job("running", 0, 5000)) == "0 / 5,000 rows · estimating time left…"
    assert progress_text(_job("succeeded", 10, 10, failed=1)) == "10 / 10 rows (1 without a label)"


def test_progress_text_shows_the_services_rate_when_it_reports_one() -> None:
    running = JobStatus("r1", "running", 300, 64, eta_s=6.0, rows_per_s=39.6)
    assert progress_text(running) == "64 / 300 rows · 40 rows/s · about 6 s left"
    finished = JobStatus("r1", "succeeded", 300, 300, rows_per_s=41.0)
    assert progress_text(finished) == "300 / 300 rows"


def test_progress_text_follows_the_insights_once_every_label_is_in() -> None:
    labelled = JobStatus(
        "r1", "running", 300, 300, labelled_at="2026-12-02T01:00:00+00:00", insights_done=100
    )
    assert progress_text(labelled) == (
        "300 / 300 labelled · about what: 100 / 300, estimating time left…"
    )
    timed = JobStatus("r1", "running", 300, 300, eta_s=20.0, labelled_at="x", insights_done=100)
    assert progress_text(timed) == "300 / 300 labelled · about what: 100 / 300, about 20 s left"
    assert insights_progress(labelled) == pytest.approx(1 / 3)
    without = JobStatus("r1", "running", 300, 300, eta_s=0.0, labelled_at="2026-12-02T01:00")
    assert progress_text(without) == "300 / 300 rows · almost done"  # no insights to wait for
    done = JobStatus("r1", "succeeded", 300, 300, labelled_at="x", insights_done=300)
    assert progress_text(done) == "300 / 300 rows"
    assert revision(labelled) != revision(done)  # the app's results reload when it ends


@pytest.mark.parametrize(
    ("rate", "text"),
    [(45.4, "45 rows/s"), (1234.0, "1,234 rows/s"), (0.42, "0.4 rows/s"), (None, None),
     (0.0, None), (math.nan, None)],
)  # fmt: skip
def test_rate_wording(rate: float | None, text: str | None) -> None:
    assert format_rate(rate) == text


def test_request_ids_are_trimmed_as_pasted() -> None:
    assert clean_request_id("  8f3c2a1b-77\n") == "8f3c2a1b-77"
    assert clean_request_id("`8f3c2a1b`") == "8f3c2a1b"
    assert clean_request_id(' "8f3c2a1b" ') == "8f3c2a1b"
    assert clean_request_id("   ") == ""


def test_recent_jobs_put_the_latest_first_without_duplicates_and_cap_the_list() -> None:
    recent: list[RecentJob] = []
    for i in range(4):
        recent = remember(recent, RecentJob(f"id{i}", f"f{i}.csv", "queued"), limit=3)
    assert [job.request_id for job in recent] == ["id3", "id2", "id1"]

    recent = remember(recent, RecentJob("id1", "f1.csv", "succeeded"), limit=3)
    assert [(job.request_id, job.status) for job in recent] == [
        ("id1", "succeeded"),
        ("id3", "queued"),
        ("id2", "queued"),
    ]
    assert recent[0].caption == "f1.csv · id1"
    assert recent[0].icon == ":material/check_circle:"
    assert RecentJob("x", "", "odd").icon == ":material/help:"


def test_a_job_waiting_on_a_model_that_cannot_be_loaded_says_why() -> None:
    """The app said "waiting for a worker…" for ten minutes, then the job failed."""
    note = waiting_note("/nonexistent", ModelLoadError("no model at /nonexistent"))
    queued = JobStatus("r1", "queued", rows_total=30, error=note)
    assert progress_text(queued) == f"waiting: {note}"
    assert "PIPELINE_MODEL=/nonexistent" in progress_text(queued)
    assert "not of the file" in progress_text(queued)
    running = JobStatus("r2", "running", rows_total=30, rows_done=12, error=note)
    assert progress_text(running).startswith("12 / 30 rows · waiting: the model could not")
    assert progress_text(JobStatus("r3", "queued", rows_total=30)) == "waiting for a worker…"
