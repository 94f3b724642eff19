"""kill -9 of real worker processes in the middle of a job, with the master running: the
message the dead worker held is handed back at once (not after the visibility timeout, set
here to ten minutes), a replacement worker resumes the job, and every row comes out exactly
once. On the embedded default the fleet sees the process end, and wakes the master the moment
it does, so a spare worker of the warm pool takes the job over; on the AWS backend (SQS on
moto_server, the real PostgreSQL) the fleet cannot, as with EC2 or ECS, and the master goes by
the worker's heartbeat going stale instead."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from jobfakes import comments_csv
from postgres import fresh_database

from pipeline import service
from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.bootstrap import Backend, init_backend, settings_environment
from pipeline.db import JobStatus
from pipeline.master import Master, ScalingLimits, TickReport
from pipeline.settings import Settings

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parents[1]
ROWS = 1200
KILLS = 2
VISIBILITY_S = 600.0
"""Longer than the test may take: only the master's hand-back can explain a quick resume."""

# A worker process as the fleet starts it, labelling with a keyword predictor that takes a
# moment per chunk, so that a kill lands in the middle of the job.
WORKER = """
import os, time
from jobfakes import FakePredictor
from pipeline.bootstrap import open_backend
from pipeline.settings import Settings
from pipeline.worker import Worker, install_stop_signals

class Paced(FakePredictor):
    def predict_proba(self, texts):
        time.sleep(0.3)
        return super().predict_proba(texts)

worker = Worker(
    open_backend(Settings.from_env()),
    lambda _ref: Paced(),
    os.environ["PIPELINE_WORKER_ID"],
    parent_pid=os.getppid(),
)
install_stop_signals(worker)
worker.run()
"""


class BlindFleet(LocalProcessFleet):
    """Local worker processes the master cannot see end, as on EC2 or ECS."""

    def exited(self) -> list[str]:
        return []


@pytest.fixture(params=["embedded", "aws"])
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Backend, LocalProcessFleet]]:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "model": "fake",
        "chunk_rows": 100,
        "max_workers": 1,
        "visibility_timeout_s": VISIBILITY_S,
        "worker_poll_s": 0.1,
    }
    if request.param == "embedded":
        settings = Settings(**values)
        yield from _deployment(settings, LocalProcessFleet)
        return
    moto_server = request.getfixturevalue("moto_server")
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:8]
    with fresh_database("pipeline_crash") as database_url:
        settings = Settings(
            **values,
            backend="aws",
            aws_region="us-east-1",
            bucket=f"crash-{suffix}",
            queue_name=f"crash-{suffix}",
            database_url=database_url,
            heartbeat_s=0.5,
            worker_stale_s=3.0,
        )
        yield from _deployment(settings, BlindFleet)


def _deployment(
    settings: Settings, fleet_kind: type[LocalProcessFleet]
) -> Iterator[tuple[Backend, LocalProcessFleet]]:
    backend = init_backend(settings)
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **settings_environment(settings), "PYTHONPATH": path}
    fleet = fleet_kind([sys.executable, "-c", WORKER], env, settings.data_dir / "logs")
    try:
        yield backend, fleet
    finally:
        fleet.shutdown(grace_s=10)
        backend.repository.database.dispose()


def tick_until(
    master: Master, condition: Callable[[TickReport], bool], what: str, timeout_s: float = 180
) -> TickReport:
    """Reconcile every 0.2 s, as the master's loop would, until a tick's report satisfies
    ``condition``."""
    deadline = time.monotonic() + timeout_s
    while True:
        report = master.tick()
        if condition(report):
            return report
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_killed_worker_s_job_is_handed_back_at_once_and_finishes_every_row_once(
    deployment: tuple[Backend, LocalProcessFleet], tmp_path: Path
) -> None:
    backend, fleet = deployment
    master = Master(backend, fleet, ScalingLimits(0, 1, idle_timeout_s=3600))
    comments = [f"the lectures were {'good' if n % 3 else 'bad'}, number {n}" for n in range(ROWS)]
    source = comments_csv(tmp_path / "c.csv", comments)
    job_id = service.submit(backend, source, "comment").request_id
    jobs = backend.repository.jobs
    seen_by_fleet = not isinstance(fleet, BlindFleet)

    def progress_beyond(rows: int) -> Callable[[TickReport], bool]:
        return lambda _report: jobs.get(job_id).rows_done > rows

    for _ in range(KILLS):
        tick_until(master, progress_beyond(jobs.get(job_id).rows_done), "a new chunk")
        (worker,) = fleet.list_workers()
        os.kill(worker.details["pid"], signal.SIGKILL)
        report = tick_until(master, lambda r: bool(r.recovery.released), "the hand-back")
        gone = report.recovery.exited if seen_by_fleet else report.recovery.stale
        assert (gone, report.recovery.released) == ([worker.worker_id], [job_id])
        # visible again at once (the visibility timeout is ten minutes away): the backlog is
        # counted in the same tick, with a replacement worker there to take it
        assert report.observed.backlog == 1
        (replacement,) = fleet.list_workers()
        assert replacement.worker_id != worker.worker_id

    tick_until(master, lambda _report: jobs.get(job_id).is_terminal, "the job to finish")
    job = jobs.get(job_id)
    assert (job.status, job.rows_done, job.error) == (JobStatus.SUCCEEDED, ROWS, None)
    assert job.attempts == KILLS + 1
    rows = [
        (row.row_index, row.text)
        for batch in backend.repository.results.batches(job_id)
        for row in batch
    ]
    assert rows == list(enumerate(comments))
    results = backend.store.get_bytes(job.result_key or "").decode("utf-8").splitlines()
    assert len(results) == ROWS + 1
    tick_until(master, lambda r: r.observed.backlog + r.observed.in_flight == 0, "an empty queue")
    assert backend.queue.dead_letters() == []


def test_a_spare_worker_takes_over_as_soon_as_the_process_end_is_seen(tmp_path: Path) -> None:
    """The master ticks only when woken (its interval is ten minutes, as is the visibility
    timeout): the fleet's notice of the kill alone must hand the message back, and the warm
    pool's spare, started before the kill, resumes the job."""
    settings = Settings(
        data_dir=tmp_path / "data",
        model="fake",
        chunk_rows=100,
        min_workers=2,
        max_workers=2,
        visibility_timeout_s=VISIBILITY_S,
        worker_poll_s=0.1,
    )
    with contextmanager(_deployment)(settings, LocalProcessFleet) as (backend, fleet):
        master = Master(
            backend, fleet, ScalingLimits(2, 2, idle_timeout_s=3600), interval_s=VISIBILITY_S
        )
        loop = threading.Thread(target=master.run, daemon=True)
        loop.start()
        try:
            _kill_the_holder_and_watch_the_spare(backend, fleet, tmp_path)
        finally:
            master.request_stop()
            loop.join(timeout=60)


def _kill_the_holder_and_watch_the_spare(
    backend: Backend, fleet: LocalProcessFleet, tmp_path: Path
) -> None:
    comments = [f"the course was {'good' if n % 3 else 'bad'}, number {n}" for n in range(ROWS)]
    source = comments_csv(tmp_path / "c.csv", comments)
    job_id = service.submit(backend, source, "comment").request_id
    jobs, beats = backend.repository.jobs, backend.repository.workers
    wait_for(lambda: jobs.get(job_id).rows_done > 0, "the first chunk")
    pool = {worker.worker_id for worker in fleet.list_workers()}
    (holder,) = [beat for beat in beats.all() if beat.current_job == job_id]
    os.kill(holder.pid, signal.SIGKILL)

    def holders() -> set[str]:
        return {beat.worker_id for beat in beats.all() if beat.current_job == job_id}

    wait_for(lambda: bool(holders() - {holder.worker_id}), "another worker")
    assert holders() <= pool - {holder.worker_id}  # the spare, not a new worker
    wait_for(lambda: jobs.get(job_id).is_terminal, "the job to finish")
    job = jobs.get(job_id)
    assert (job.status, job.rows_done, job.attempts) == (JobStatus.SUCCEEDED, ROWS, 2)
    rows = [
        (row.row_index, row.text)
        for batch in backend.repository.results.batches(job_id)
        for row in batch
    ]
    assert rows == list(enumerate(comments))
    assert len(fleet.list_workers()) == 2  # the dead worker was replaced


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_ctrl_c_to_the_whole_group_then_the_fleets_stop_hands_the_job_back(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches ``up`` and every worker (one process group); ``up`` then
    stops each worker itself. The worker finishes its chunk and hands the job back at once:
    no crash counted against its rows, the message visible again (the visibility timeout is
    ten minutes away), every row labelled so far kept."""
    settings = Settings(
        data_dir=tmp_path / "data",
        model="fake",
        chunk_rows=100,
        max_workers=1,
        visibility_timeout_s=VISIBILITY_S,
        worker_poll_s=0.1,
    )
    with contextmanager(_deployment)(settings, LocalProcessFleet) as (backend, fleet):
        master = Master(backend, fleet, ScalingLimits(0, 1, idle_timeout_s=3600))
        comments = [f"the labs were {'good' if n % 3 else 'bad'}, number {n}" for n in range(ROWS)]
        job_id = service.submit(backend, comments_csv(tmp_path / "c.csv", comments), "comment")
        jobs = backend.repository.jobs
        tick_until(master, lambda _r: jobs.get(job_id.request_id).rows_done > 0, "a chunk")
        (worker,) = fleet.list_workers()
        os.kill(worker.details["pid"], signal.SIGINT)
        fleet.shutdown(grace_s=30)
        job = jobs.get(job_id.request_id)
        assert (job.status, job.error) == (JobStatus.RUNNING, None)
        assert backend.queue.depth().visible == 1
        tick_until(master, lambda _r: jobs.get(job_id.request_id).is_terminal, "the job's end")
        job = jobs.get(job_id.request_id)
        assert (job.status, job.rows_done, job.attempts) == (JobStatus.SUCCEEDED, ROWS, 2)
