"""The time left the service reports is the whole job's, from enough evidence (hunt 1,
finding 1): it said "about 30 min left" from a first chunk of 32 rows (5-15 times too long),
"about 17 s left" while labelling with 96 s to go (the insights pass after the labels left
out), then "about 27 min left" from that pass's first chunk, which loads its models. The
clock is the job record's timestamps: no time passes in these tests."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_pace import STARTED, _job, at

from pipeline.db import JobRecord, JobStatus
from pipeline.service.pace import (
    FIRST_CHUNK_ROWS,
    INSIGHTS_PER_LABEL,
    MIN_EVIDENCE_S,
    job_pace,
)

ROWS = 18_000


def labelling(
    rows_done: int, committed_after_s: float, insights: bool = True, rows_total: int = ROWS
) -> JobRecord:
    """A running job that committed ``rows_done`` labels by ``committed_after_s`` after it
    started; with ``insights`` its worker works out what they are about after every label."""
    return replace(
        _job(rows_total),
        status=JobStatus.RUNNING,
        rows_done=rows_done,
        started_at=STARTED,
        updated_at=at(committed_after_s),
        insights_key="analysis/r1" if insights else None,
    )


def analysing(insights_done: int, committed_after_s: float, labelled_after_s: float) -> JobRecord:
    """A job of ``ROWS`` rows, every one labelled ``labelled_after_s`` after it started, that
    has worked out the insights of ``insights_done`` rows by ``committed_after_s``."""
    return replace(
        labelling(ROWS, committed_after_s),
        labelled_at=at(labelled_after_s),
        insights_done=insights_done,
    )


def test_no_time_left_is_told_from_the_first_chunk_alone() -> None:
    first = labelling(FIRST_CHUNK_ROWS, committed_after_s=MIN_EVIDENCE_S + 5)  # a slow set-up
    assert job_pace(first, at(MIN_EVIDENCE_S + 5)).eta_s is None
    assert job_pace(first, at(MIN_EVIDENCE_S + 5)).rows_per_s is not None  # the rate is told


def test_no_time_left_is_told_before_the_commits_span_enough_time() -> None:
    early = labelling(400, committed_after_s=MIN_EVIDENCE_S - 1)
    assert job_pace(early, at(MIN_EVIDENCE_S - 1)).eta_s is None
    enough = labelling(400, committed_after_s=MIN_EVIDENCE_S)
    assert job_pace(enough, at(MIN_EVIDENCE_S)).eta_s is not None


def test_while_labelling_the_time_left_holds_the_insights_pass_too() -> None:
    job = labelling(6_000, committed_after_s=60.0)  # 100 rows/s
    labels_left = (ROWS - 6_000) / 100
    insights = ROWS * INSIGHTS_PER_LABEL / 100
    assert job_pace(job, at(60.0)).eta_s == pytest.approx(labels_left + insights)
    without = replace(job, insights_key=None)  # labels only: the labels left alone
    assert job_pace(without, at(60.0)).eta_s == pytest.approx(labels_left)


def test_the_time_left_does_not_jump_when_the_labels_are_all_in() -> None:
    last_labels = labelling(17_900, committed_after_s=179.0)  # 100 rows/s
    before = job_pace(last_labels, at(179.0)).eta_s
    all_in = analysing(0, committed_after_s=180.0, labelled_after_s=180.0)
    after = job_pace(all_in, at(180.0)).eta_s
    # the first insights chunk: 32 rows in 9 s, loading the insight models
    first = analysing(32, committed_after_s=189.0, labelled_after_s=180.0)
    later = job_pace(first, at(189.0)).eta_s
    assert before is not None and after is not None and later is not None
    assert after == pytest.approx(before - 1.0, rel=0.01)  # one second on, one second less
    assert later == pytest.approx(after, rel=0.05)  # not "about 27 min left"


def test_the_insights_pass_own_rate_takes_over_as_it_runs() -> None:
    # labelled at 100 rows/s: that pass is projected at 50 rows/s, but it runs at 150 rows/s
    truth = [
        job_pace(analysing(150 * s, 180.0 + s, 180.0), at(180.0 + s)).eta_s for s in (20, 60, 100)
    ]
    left = [(ROWS - 150 * s) / 150 for s in (20, 60, 100)]
    assert all(eta is not None for eta in truth)
    errors = [abs(eta - real) / real for eta, real in zip(truth, left, strict=True) if eta]
    assert errors == sorted(errors, reverse=True)  # closer and closer
    assert errors[-1] < 0.1


def test_a_short_labelling_gives_no_projection_until_the_insights_pass_is_measured() -> None:
    quick = replace(
        analysing(0, committed_after_s=3.0, labelled_after_s=3.0), rows_total=300, rows_done=300
    )
    assert job_pace(quick, at(3.0)).eta_s is None  # 300 labels in 3 s: too little to project
    measured = replace(quick, insights_done=200, updated_at=at(13.0))
    assert job_pace(measured, at(13.0)).eta_s == pytest.approx(5.0)  # 100 left at 20 rows/s
