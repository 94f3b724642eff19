"""A report asked for while a labelled job works out its aspects and themes says that is what
it waits for, not that it "needs every row" when every row is labelled."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from jobfakes import make_backend, new_job

from pipeline.db import JobStatus
from pipeline.report.job import _not_finished


def test_a_labelled_job_still_working_out_its_insights_is_said_to_be(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    job = backend.repository.jobs.create(new_job("r1", rows=30))
    labelling = dataclasses.replace(job, status=JobStatus.RUNNING, rows_done=12)
    assert "12 of 30 rows labelled): a report needs every row" in _not_finished(labelling)
    working_out = dataclasses.replace(
        labelling, rows_done=30, labelled_at=datetime.now(UTC), insights_done=7
    )
    told = _not_finished(working_out)
    assert "every row of the job is labelled" in told and "(7 of 30 rows)" in told
    assert "needs every row" not in told
