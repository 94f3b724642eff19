"""Dead workers against a fake fleet: the master hands back at once the message a worker held
when its process ended or its heartbeat went stale, stops a stale worker its fleet still runs,
starts a replacement, and a job whose workers die after every chunk finishes with every row
exactly once without ever waiting out the visibility timeout (the queue's clock never moves)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest
from jobfakes import FakeClock, FakeFleet, FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus, WorkerRegistry
from pipeline.db.engine import utcnow
from pipeline.db.records import WorkerRecord
from pipeline.errors import PipelineError
from pipeline.master import Master, ScalingLimits
from pipeline.master.recovery import Recovery
from pipeline.model.predictor import Predictor
from pipeline.ports import JobQueue, QueueMessage
from pipeline.worker import Worker

ONE_WORKER = ScalingLimits(min_workers=0, max_workers=1, idle_timeout_s=60)


class CrashingFleet(FakeFleet):
    """A fake fleet that can lose a worker the way the local fleet sees a process end."""

    def __init__(self) -> None:
        super().__init__()
        self._ended: list[str] = []

    def crash(self, worker_id: str) -> None:
        del self.workers[worker_id]
        self._ended.append(worker_id)

    def exited(self) -> list[str]:
        ended, self._ended = self._ended, []
        return ended


class Killed(BaseException):
    """Stands in for kill -9: nothing in the worker catches it."""


def submit(backend: Backend, tmp_path: Path, comments: list[str]) -> str:
    source = comments_csv(tmp_path / "in.csv", comments)
    return service.submit(backend, source, "comment").request_id


def take(backend: Backend, worker_id: str, request_id: str) -> QueueMessage:
    """The worker receives the job and beats with the delivery's receipt, as a worker does."""
    message = backend.queue.receive()
    assert message is not None and message.body["request_id"] == request_id
    backend.repository.workers.beat(worker_id, request_id, "host", 1, receipt=message.receipt)
    return message


def test_a_worker_process_that_ended_has_its_message_handed_back_and_is_replaced(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ONE_WORKER, clock=clock)
    request_id = submit(backend, tmp_path, ["good", "bad"])
    assert master.tick().started == ["w1"]
    take(backend, "w1", request_id)
    report = master.tick()
    assert report.recovery == Recovery([], [], [])
    assert (report.observed.backlog, report.observed.busy_workers, report.started) == (0, 1, [])

    fleet.crash("w1")
    report = master.tick()
    assert report.recovery == Recovery(exited=["w1"], stale=[], released=[request_id])
    assert (report.observed.backlog, report.observed.in_flight) == (1, 0)
    assert report.started == ["w2"]
    assert backend.repository.workers.all() == []
    again = backend.queue.receive()  # at once: the clock never moved past the visibility
    assert again is not None and again.receive_count == 2


def test_workers_that_ended_holding_nothing_release_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ScalingLimits(0, 3, 60), clock=clock)
    finished = submit(backend, tmp_path, ["good"])
    fleet.start(3)
    message = take(backend, "w1", finished)
    backend.queue.delete(message.receipt)  # w1 finished its job, then died before beating
    backend.repository.workers.beat("w2", None, "host", 2)  # idle
    for worker_id in ("w1", "w2", "w3"):  # w3 never beat: it exited before it started
        fleet.crash(worker_id)
    report = master.tick()
    assert report.recovery == Recovery(exited=["w1", "w2"], stale=[], released=[])
    assert backend.repository.workers.all() == []


def test_a_worker_whose_heartbeat_went_stale_is_taken_for_gone(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, worker_stale_s=30)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ScalingLimits(0, 2, 60), clock=clock)
    hung, other = submit(backend, tmp_path, ["good"]), submit(backend, tmp_path, ["bad", "x"])
    assert master.tick().started == ["w1", "w2"]
    hung_message = take(backend, "w1", hung)
    take(backend, "w2", other)
    past = WorkerRegistry(backend.repository.database, now=lambda: utcnow() - timedelta(seconds=31))
    past.beat("w1", hung, "host", 1, receipt=hung_message.receipt)  # w1 stopped beating

    report = master.tick()
    assert report.recovery == Recovery(exited=[], stale=["w1"], released=[hung])
    assert fleet.stopped == ["w1"]  # so that EC2/ECS replace what they still run of it
    assert report.observed.busy_workers == 1  # w2, beating: untouched
    assert (report.observed.backlog, report.started) == (1, ["w3"])
    assert [worker.worker_id for worker in backend.repository.workers.all()] == ["w2"]
    again = backend.queue.receive()
    assert again is not None and again.body["request_id"] == hung


def test_a_stale_worker_the_fleet_no_longer_lists_is_not_stopped_again(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    fleet = CrashingFleet()
    past = WorkerRegistry(backend.repository.database, now=lambda: utcnow() - timedelta(hours=1))
    past.beat("i-terminated", None, "host", 1)
    report = Master(backend, fleet, ONE_WORKER).tick()
    assert report.recovery == Recovery(exited=[], stale=["i-terminated"], released=[])
    assert fleet.stopped == [] and backend.repository.workers.all() == []


class RefusingRelease:
    """A queue that refuses to release one receipt the way SQS refuses a role without
    sqs:ChangeMessageVisibility: a plain PipelineError, neither expired nor unavailable."""

    def __init__(self, queue: JobQueue, refused: str) -> None:
        self._queue = queue
        self._refused = refused

    def release(self, receipt: str) -> None:
        if receipt == self._refused:
            raise PipelineError("SQS call failed (AccessDenied: not authorized)")
        self._queue.release(receipt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


def test_a_refused_hand_back_fails_neither_the_tick_nor_the_other_hand_backs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The stale workers' beats are forgotten before their messages are handed back: a
    release that raised out of the tick would skip the others and the scaling for good. The
    refused one is logged; its job resumes once its visibility timeout lapses."""
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock, worker_stale_s=30)
    fleet = CrashingFleet()
    first, second = submit(backend, tmp_path, ["good"]), submit(backend, tmp_path, ["bad"])
    past = WorkerRegistry(backend.repository.database, now=lambda: utcnow() - timedelta(hours=1))
    held = {}
    for worker_id, request_id in (("w1", first), ("w2", second)):
        message = backend.queue.receive()
        assert message is not None and message.body["request_id"] == request_id
        past.beat(worker_id, request_id, "host", 1, receipt=message.receipt)
        held[request_id] = message.receipt
    refusing = RefusingRelease(backend.queue, held[first])
    master = Master(dataclasses.replace(backend, queue=refusing), fleet, ONE_WORKER, clock=clock)

    report = master.tick()
    assert report.recovery == Recovery(exited=[], stale=["w1", "w2"], released=[second])
    assert report.started == ["w1"]  # the tick went on to scale
    assert f"job {first} resumes once its message's visibility timeout lapses" in caplog.text
    again = backend.queue.receive()
    assert again is not None and again.body["request_id"] == second
    assert backend.queue.receive() is None  # the refused one waits out its timeout
    clock.advance(backend.settings.visibility_timeout_s + 1)
    late = backend.queue.receive()
    assert late is not None and late.body["request_id"] == first


class Killer:
    """Kills the worker where it is called (after a chunk, labelling one, or loading the
    model), like kill -9 would: the worker's own clean-up never runs, so its last beat stays,
    receipt and all (``run`` puts back the beat the in-process stand-in's ``finally`` clauses
    removed)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.left_behind: list[WorkerRecord] = []

    def kill(self) -> NoReturn:
        self.left_behind = self.backend.repository.workers.all()
        raise Killed

    def after_rows(self, _rows: int) -> NoReturn:
        self.kill()

    def load_predictor(self, reference: str) -> Predictor:
        self.kill()

    def dying_predictor(self, reference: str) -> Predictor:
        """A predictor that kills its worker when it labels its first chunk."""
        killer = self

        class Dying(FakePredictor):
            def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
                killer.kill()

        return Dying()

    def run(self, worker: Worker) -> bool:
        """Run the worker; True when it was killed."""
        try:
            worker.run(burst=True)
        except Killed:
            for beat in self.left_behind:
                self.backend.repository.workers.beat(
                    beat.worker_id, beat.current_job, beat.host, beat.pid, beat.receipt
                )
            return True
        return False


def test_a_job_whose_workers_die_after_every_chunk_resumes_at_once_and_finishes(
    tmp_path: Path,
) -> None:
    """kill -9 between chunks, six times: every death is seen, every message handed back
    without waiting, the job is never judged poison while it progresses, and every row comes
    out exactly once."""
    clock = FakeClock()  # never advanced: no visibility timeout ever lapses
    backend = make_backend(tmp_path, clock=clock, max_receives=3)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ONE_WORKER, clock=clock)
    comments = [f"good comment {n}" for n in range(22)]  # six chunks of 4
    request_id = submit(backend, tmp_path, comments)
    kills = 0
    (worker_id,) = master.tick().started
    for _ in range(10):
        killer = Killer(backend)
        worker = Worker(backend, lambda _ref: FakePredictor(), worker_id, on_rows=killer.after_rows)
        if not killer.run(worker):
            break
        kills += 1
        fleet.crash(worker_id)
        report = master.tick()
        assert report.recovery.released == [request_id]
        (worker_id,) = report.started
    job = backend.repository.jobs.get(request_id)
    assert kills == 6 and job.attempts == 7 and job.rows_done == 22 and job.error is None
    rows = [row["comment"] for row in service.results_page(backend, request_id).rows]
    assert rows == comments
    assert backend.queue.depth().total == 0 and backend.queue.dead_letters() == []


def test_workers_that_die_twice_without_progress_still_poison_the_job(tmp_path: Path) -> None:
    """Handing the message back sooner changes nothing in how poison is judged."""
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ONE_WORKER, clock=clock)
    request_id = submit(backend, tmp_path, ["good", "bad"])
    (worker_id,) = master.tick().started
    for _ in range(2):  # each one dies labelling the first chunk
        killer = Killer(backend)
        assert killer.run(Worker(backend, killer.dying_predictor, worker_id))
        fleet.crash(worker_id)
        report = master.tick()
        assert report.recovery.released == [request_id]
        (worker_id,) = report.started
    predictor = FakePredictor()
    assert Worker(backend, lambda _ref: predictor, worker_id).run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.FAILED and predictor.calls == 0
    assert (job.error or "").startswith("the worker crashed twice on rows 1–2")


def test_workers_that_die_loading_the_model_do_not_poison_the_job(tmp_path: Path) -> None:
    """Dying before any row is read (a model too big for the machine) is the deployment's
    fault, not the rows' (pipeline.model_fault): the job is never failed naming its rows, and
    a worker that loads the model finishes it."""
    clock = FakeClock()
    backend = make_backend(tmp_path, clock=clock)
    fleet = CrashingFleet()
    master = Master(backend, fleet, ONE_WORKER, clock=clock)
    request_id = submit(backend, tmp_path, ["good", "bad"])
    (worker_id,) = master.tick().started
    for _ in range(3):
        killer = Killer(backend)
        assert killer.run(Worker(backend, killer.load_predictor, worker_id))
        fleet.crash(worker_id)
        report = master.tick()
        assert report.recovery.released == [request_id]
        (worker_id,) = report.started
    assert backend.repository.jobs.get(request_id).status is JobStatus.QUEUED
    assert Worker(backend, lambda _ref: FakePredictor(), worker_id).run(burst=True) == 1
    job = backend.repository.jobs.get(request_id)
    assert (job.status, job.rows_done, job.error) == (JobStatus.SUCCEEDED, 2, None)
