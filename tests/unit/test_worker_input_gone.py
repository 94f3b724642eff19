"""A job whose stored input is gone from the object store fails at once, saying the file is
gone and to submit it again, and naming no folder or key. Before, the missing file counted as
a crash: after two deliveries the job failed as poison, telling its user to look for what is
unusual in rows 1–2, with the server's data folder in the error every client reads. An
erased job's input is removed on purpose: its delivery is still dropped quietly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.adapters.local_store import LocalObjectStore
from pipeline.db import JobStatus
from pipeline.errors import NotFoundError
from pipeline.worker import INPUT_GONE, Worker

COMMENTS = ["good course", "bad labs", "okay I guess", "good", "bad", "fine"]


def test_a_job_whose_input_is_gone_fails_at_once_without_blaming_rows(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    input_key = backend.repository.jobs.get(request_id).input_key
    backend.store.delete(input_key)

    handled = Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    status = service.get_status(backend, request_id)
    assert handled == 1, "one delivery: a missing file is not retried"
    assert (status.status, status.error) == (JobStatus.FAILED, INPUT_GONE)
    error = status.error or ""
    assert "submit it again" in error and "no longer in the service's storage" in error
    assert "crashed" not in error and "row" not in error
    for private in (str(tmp_path), "objects", input_key, "/"):
        assert private not in error
    assert backend.queue.depth().total == 0


def test_a_job_erased_while_its_input_is_fetched_is_dropped_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure lands between the delivery's start and the input's download: the input is
    gone because it was erased, which is no failure to report."""
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", COMMENTS)
    request_id = service.submit(backend, source, "comment").request_id
    get_file = backend.store.get_file

    def erased_first(key: str, destination: Path, version: str | None = None) -> Path:
        service.erase(backend, request_id)
        return get_file(key, destination, version)

    monkeypatch.setattr(backend.store, "get_file", erased_first)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)

    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.CANCELLED and job.erased_at is not None
    assert job.error is None
    assert backend.queue.depth().total == 0


def test_the_local_store_names_no_folder_for_a_missing_object(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put_bytes("uploads/x/other.csv", b"a")
    reads: list[Any] = [
        lambda: store.get_file("uploads/x/input.csv", tmp_path / "in.csv"),
        lambda: store.get_file("uploads/x/input.csv", tmp_path / "in.csv", "1:2:3:4:5"),
        lambda: store.get_bytes("uploads/x/input.csv"),
        lambda: store.stat("uploads/x/input.csv"),
        lambda: store.copy("uploads/x/input.csv", "uploads/y/input.csv"),
    ]
    for read in reads:
        with pytest.raises(NotFoundError) as caught:
            read()
        assert "uploads/x/input.csv" in str(caught.value)
        assert str(tmp_path) not in str(caught.value)
