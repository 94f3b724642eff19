"""The pace the service reports: the rate up to the last commit, an ETA that counts down
between commits and holds when a commit is late; and both in every status body. (The ETA from
enough evidence and for the whole job, insights included: test_pace_whole_job.py.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobfakes import FakePredictor, comments_csv, make_backend, new_job

from pipeline import service
from pipeline.db import JobRecord, JobStatus
from pipeline.service.pace import COUNTDOWN_S, INSIGHTS_PER_LABEL, PRIOR_S, Pace, job_pace
from pipeline.worker import Worker

STARTED = datetime(2026, 1, 1, tzinfo=UTC)


def running(rows_done: int, committed_after_s: float, rows_total: int = 1000) -> JobRecord:
    """A running job of ``rows_total`` rows that committed ``rows_done`` of them by
    ``committed_after_s`` after it started."""
    job = _job(rows_total)
    return replace(
        job,
        status=JobStatus.RUNNING,
        rows_done=rows_done,
        started_at=STARTED,
        updated_at=STARTED + timedelta(seconds=committed_after_s),
    )


def _job(rows_total: int) -> JobRecord:
    record = new_job(rows=rows_total)
    return JobRecord(
        request_id=record.request_id,
        owner=record.owner,
        status=JobStatus.QUEUED,
        input_key=record.input_key,
        input_name=record.input_name,
        input_format=record.input_format,
        input_columns=record.input_columns,
        input_options={},
        text_column=record.text_column,
        group_by=record.group_by,
        content_hash=record.content_hash,
        dedup_key=record.dedup_key,
        model=record.model,
        model_version=None,
        labels=None,
        result_key=None,
        rows_total=rows_total,
        rows_done=0,
        rows_failed=0,
        attempts=0,
        error=None,
        worker_seconds=0.0,
        cost_usd=0.0,
        created_at=STARTED,
        started_at=None,
        finished_at=None,
        updated_at=STARTED,
    )


def at(seconds: float) -> datetime:
    return STARTED + timedelta(seconds=seconds)


def test_no_rate_and_no_eta_before_the_first_commit() -> None:
    assert job_pace(_job(1000), at(5)) == Pace(None, None)  # queued
    assert job_pace(running(0, 0), at(5)) == Pace(None, None)


def test_the_rate_is_measured_up_to_the_last_commit() -> None:
    job = running(rows_done=400, committed_after_s=20.0)
    assert job_pace(job, at(20.0)) == Pace(20.0, 30.0)  # 600 rows left at 20 rows/s


def test_the_eta_counts_down_between_commits_then_holds() -> None:
    job = running(rows_done=400, committed_after_s=20.0)
    assert job_pace(job, at(20.5)).eta_s == 29.5
    assert job_pace(job, at(20.0 + COUNTDOWN_S)).eta_s == 28.0
    assert job_pace(job, at(80.0)).eta_s == 28.0  # a late commit: held, never "almost done"
    assert job_pace(job, at(80.0)).rows_per_s == 20.0


def test_the_eta_never_goes_below_zero() -> None:
    job = running(rows_done=990, committed_after_s=99.0)
    assert job_pace(job, at(110.0)).eta_s == 0.0


def test_a_finished_job_keeps_its_rate_and_only_a_succeeded_one_has_eta_zero() -> None:
    done = replace(
        running(rows_done=1000, committed_after_s=4.0),
        status=JobStatus.SUCCEEDED,
        finished_at=at(5.0),
    )
    assert job_pace(done, at(100)) == Pace(200.0, 0.0)
    cancelled = replace(done, status=JobStatus.CANCELLED, rows_done=500)
    assert job_pace(cancelled, at(100)) == Pace(100.0, None)


def analysing(insights_done: int, committed_after_s: float) -> JobRecord:
    """A job of 1,000 rows labelled in 50 s that has worked out the insights of
    ``insights_done`` rows by ``committed_after_s`` after it started."""
    return replace(
        running(rows_done=1000, committed_after_s=committed_after_s),
        labelled_at=at(50.0),
        insights_key="analysis/r1",
        insights_done=insights_done,
    )


def test_after_the_labels_the_rate_stays_the_labellings_and_the_eta_is_the_insights() -> None:
    # second pass unmeasured: projected at the labelling's 20 rows/s over INSIGHTS_PER_LABEL
    assert job_pace(analysing(0, 50.0), at(50.0)) == Pace(20.0, 1000 * INSIGHTS_PER_LABEL / 20)
    job = analysing(insights_done=500, committed_after_s=150.0)  # 5 rows/s since the labels
    projected = 20.0 / INSIGHTS_PER_LABEL
    rate = (500 + projected * PRIOR_S) / (100.0 + PRIOR_S)  # its own rate, weighed in
    assert job_pace(job, at(150.0)) == Pace(20.0, round(500 / rate, 1))
    held = round(500 / rate - COUNTDOWN_S, 1)
    assert job_pace(job, at(200.0)) == Pace(20.0, held)  # counted down for 2 s, then held
    without_insights = replace(job, insights_key=None, insights_done=0)
    assert job_pace(without_insights, at(150.0)) == Pace(20.0, 0.0)


def test_every_status_body_carries_the_rate_and_the_eta(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good"] * 10)
    request_id = service.submit(backend, source, "comment").request_id
    queued = service.get_status(backend, request_id).to_dict()
    assert (queued["rows_per_s"], queued["eta_s"]) == (None, None)
    assert Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True) == 1
    done = service.get_status(backend, request_id).to_dict()
    assert done["eta_s"] == 0.0 and done["rows_per_s"] > 0
    listed = service.list_jobs(backend, service.ANONYMOUS)[0].to_dict()
    assert "rows_per_s" in listed and listed["eta_s"] == 0.0
