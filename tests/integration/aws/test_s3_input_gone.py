"""On S3 as on the local folder: a job whose stored input is gone (NoSuchKey: removed, or
expired by the bucket's rule) fails at once saying so, naming neither the bucket nor the key,
rather than failing as poison with the object's ``s3://`` address in its error."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.aws import ensure_bucket
from pipeline.adapters.s3_store import S3ObjectStore
from pipeline.db import JobStatus
from pipeline.errors import NotFoundError
from pipeline.worker import INPUT_GONE, Worker

BUCKET = "pipeline-input-gone-bucket"


@pytest.fixture
def store(s3: Any) -> S3ObjectStore:
    ensure_bucket(s3, BUCKET)
    return S3ObjectStore(s3, BUCKET)


def test_a_job_whose_input_expired_from_the_bucket_fails_at_once(
    store: S3ObjectStore, s3: Any, tmp_path: Path
) -> None:
    backend = dataclasses.replace(make_backend(tmp_path), store=store)
    source = comments_csv(tmp_path / "in.csv", ["good course", "bad labs", "fine"])
    request_id = service.submit(backend, source, "comment").request_id
    input_key = backend.repository.jobs.get(request_id).input_key
    s3.delete_object(Bucket=BUCKET, Key=input_key)

    handled = Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert handled == 1
    assert (job.status, job.error) == (JobStatus.FAILED, INPUT_GONE)
    assert backend.queue.depth().total == 0


def test_a_missing_key_names_the_key_but_not_the_bucket(
    store: S3ObjectStore, tmp_path: Path
) -> None:
    store.put_bytes("uploads/x/other.csv", b"a")
    reads = [
        lambda: store.get_file("uploads/x/input.csv", tmp_path / "in.csv"),
        lambda: store.get_bytes("uploads/x/input.csv"),
        lambda: store.stat("uploads/x/input.csv"),
        lambda: store.copy("uploads/x/input.csv", "uploads/y/input.csv"),
    ]
    for read in reads:
        with pytest.raises(NotFoundError) as caught:
            read()
        assert "uploads/x/input.csv" in str(caught.value)
        assert BUCKET not in str(caught.value) and "s3://" not in str(caught.value)
