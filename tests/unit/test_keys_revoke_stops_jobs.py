"""Revoking a key stops its queued and running jobs: no key can read them any more, so labelling
them would only hold the workers other keys wait for (a leaked key's flood). Finished rows are
kept, as ``cancel`` keeps them; a worker labelling one stops at its next chunk. Rotating a key
(the same owner, a new secret) stops nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.cli.main import main
from pipeline.db import JobStatus
from pipeline.errors import Unauthorized
from pipeline.service.keys import revoke_key, rotate_key
from pipeline.worker import Worker

COMMENTS = ["good course", "bad labs", "okay", "fine", "great", "meh", "good", "bad", "fine"]


def submit(backend: Backend, tmp_path: Path, owner: str, name: str) -> str:
    source = comments_csv(tmp_path / name, [f"{name} {comment}" for comment in COMMENTS])
    return service.submit(backend, source, "comment", owner=owner).request_id


def key_id(backend: Backend, name: str) -> str:
    return backend.repository.keys.named(name).key_id


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="keys")


def test_revoking_cancels_the_keys_unfinished_jobs_and_no_other_keys(
    backend: Backend, tmp_path: Path
) -> None:
    service.create_key(backend, "leak")
    service.create_key(backend, "chem")
    leak, chem = key_id(backend, "leak"), key_id(backend, "chem")
    done = submit(backend, tmp_path, leak, "done.csv")
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    queued = [submit(backend, tmp_path, leak, f"q{n}.csv") for n in range(3)]
    other = submit(backend, tmp_path, chem, "chem.csv")

    revoked = revoke_key(backend, "leak")

    assert revoked.revoked_at is not None and revoked.jobs_cancelled == 3
    jobs = backend.repository.jobs
    assert [jobs.get(request_id).status for request_id in queued] == [JobStatus.CANCELLED] * 3
    assert jobs.get(done).status is JobStatus.SUCCEEDED  # finished: kept as it is
    assert jobs.get(other).status is JobStatus.QUEUED
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert jobs.get(other).status is JobStatus.SUCCEEDED
    assert [jobs.get(request_id).rows_done for request_id in queued] == [0, 0, 0]


def test_a_worker_labelling_a_revoked_keys_job_stops_at_its_next_chunk(
    backend: Backend, tmp_path: Path
) -> None:
    service.create_key(backend, "leak")
    request_id = submit(backend, tmp_path, key_id(backend, "leak"), "big.csv")

    def revoke(_rows: int) -> None:  # chunks of 4 rows: revoked once the first is committed
        revoke_key(backend, "leak")

    worker = Worker(backend, lambda _ref: FakePredictor(), "w1", on_rows=revoke)
    worker.run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.CANCELLED and job.rows_done == 4
    page = service.results_page(backend, request_id)
    assert [row["comment"] for row in page.rows] == [f"big.csv {c}" for c in COMMENTS[:4]]
    assert backend.queue.depth().total == 0


def test_rotating_a_key_cancels_nothing(backend: Backend, tmp_path: Path) -> None:
    service.create_key(backend, "chem")
    request_id = submit(backend, tmp_path, key_id(backend, "chem"), "c.csv")
    rotate_key(backend, "chem")
    assert backend.repository.jobs.get(request_id).status is JobStatus.QUEUED
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED


def test_a_submission_under_way_as_the_key_is_revoked_makes_no_job(
    backend: Backend, tmp_path: Path
) -> None:
    """Authenticated before the revocation, inserted after it: refused (the race itself is
    tested in test_keys_revoke_submit_race), so revoking again finds nothing to cancel."""
    service.create_key(backend, "leak")
    revoke_key(backend, "leak")
    with pytest.raises(Unauthorized):
        submit(backend, tmp_path, key_id(backend, "leak"), "late.csv")
    assert revoke_key(backend, "leak").jobs_cancelled == 0


def test_the_command_says_how_many_jobs_it_cancelled(
    backend: Backend,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPELINE_DATA_DIR", str(backend.settings.data_dir))
    monkeypatch.setenv("PIPELINE_MODEL", "fake")
    service.create_key(backend, "leak")
    for n in range(2):
        submit(backend, tmp_path, key_id(backend, "leak"), f"f{n}.csv")
    assert main(["keys", "revoke", "leak"]) == 0
    said = capsys.readouterr().err
    assert "API key 'leak' revoked" in said
    assert "2 of its jobs were queued or running: cancelled" in said
    assert "`keys jobs leak` lists them" in said
    assert main(["keys", "revoke", "leak"]) == 0
    said = capsys.readouterr().err
    assert "was already revoked" in said and "none of its jobs was queued or running" in said
