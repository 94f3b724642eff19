"""The erasure marks on S3 (moto): an erasure undone by restoring the database from a backup
is found in the bucket and done again by the master, and the job is never sent again."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.aws import ensure_bucket
from pipeline.adapters.s3_store import S3ObjectStore
from pipeline.bootstrap import Backend
from pipeline.master import Master, ScalingLimits
from pipeline.service.erasure_marks import mark_key, read_mark
from pipeline.worker import Worker

BUCKET = "pipeline-marks-bucket"


def on_s3(tmp_path: Path, s3: Any) -> Backend:
    return dataclasses.replace(
        make_backend(tmp_path, insights=False), store=S3ObjectStore(s3, BUCKET)
    )


def test_a_restored_database_is_erased_again_from_the_marks_in_the_bucket(
    tmp_path: Path, s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ensure_bucket(s3, BUCKET)
    backend = on_s3(tmp_path, s3)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "c.csv", ["QUOKKAS3 was good"]), "comment"
    ).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    database = backend.settings.data_dir / "pipeline.db"
    source, copy = sqlite3.connect(database), sqlite3.connect(tmp_path / "backup.db")
    with copy:
        source.backup(copy)
    source.close()
    copy.close()

    service.erase(backend, request_id, "anonymous")
    mark = read_mark(backend.store, request_id)
    assert mark is not None and mark.reason == "at its owner's request"
    assert b"QUOKKAS3" not in s3.get_object(Bucket=BUCKET, Key=mark_key(request_id))["Body"].read()

    backend.repository.database.engine.dispose()
    for suffix in ("-wal", "-shm"):
        database.with_name(f"pipeline.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "backup.db", database)
    again = on_s3(tmp_path, s3)
    assert again.repository.jobs.get(request_id).erased_at is None
    limits = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)
    with caplog.at_level(logging.WARNING):
        report = Master(again, FakeFleet(), limits).tick()

    assert report.erased_again == (request_id,)
    assert again.repository.jobs.get(request_id).erased_at == mark.erased_at
    assert "the database was restored from before it: erased again" in caplog.text
    assert again.queue.depth().total == 0
