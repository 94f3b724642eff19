"""Workers forked from the preloaded fork server (PIPELINE_WORKER_LAUNCH=forkserver, the local
fleet's default) behave like fresh processes: each gets its own id, environment and log; the
fleet lists them by their real pids, signals them, and sees them end with the same exit
statuses (0 after SIGTERM, -9 after kill -9, the worker's own code); they stop when the process
that launched them dies; and a forked worker labels a job exactly as the model does in
process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import psutil
import pytest

from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.adapters.worker_launch import ForkServerLauncher, WorkerProcess

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def stand_in(argv: list[str]) -> int:
    """A worker stand-in: prints its id, then exits with STAND_IN_EXIT when that is set, or
    waits until SIGTERM (prints "stopping", exits 0) or until its parent is gone ("orphaned")."""
    parent = int(argv[argv.index("--parent-pid") + 1])
    print(os.environ["PIPELINE_WORKER_ID"], flush=True)
    if "STAND_IN_EXIT" in os.environ:
        return int(os.environ["STAND_IN_EXIT"])
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while not stopping.is_set() and os.getppid() == parent:
        time.sleep(0.05)
    print("stopping" if stopping.is_set() else "orphaned", flush=True)
    return 0


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def log_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def has_output(log: Path) -> bool:
    return bool(log_lines(log))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def serving_launcher() -> ForkServerLauncher:
    """A launcher whose fork server serves (so nothing falls back to a fresh process)."""
    launcher = ForkServerLauncher(fallback=RefusingLauncher(), entry=stand_in)
    launcher.prepare()
    assert launcher.wait_ready(timeout_s=900), "the fork server did not start"
    return launcher


class RefusingLauncher:
    def prepare(self) -> None:
        """Nothing to prepare."""

    def launch(self, env: Mapping[str, str], log_file: Path | None) -> WorkerProcess:
        raise AssertionError("this worker should have been forked")


class RecordingLauncher(RefusingLauncher):
    def __init__(self) -> None:
        self.launched: list[str] = []

    def launch(self, env: Mapping[str, str], log_file: Path | None) -> WorkerProcess:
        self.launched.append(env["PIPELINE_WORKER_ID"])
        return subprocess.Popen([sys.executable, "-c", "pass"])


def test_until_the_fork_server_serves_workers_start_as_fresh_processes() -> None:
    fallback = RecordingLauncher()
    launcher = ForkServerLauncher(fallback=fallback, entry=stand_in)
    assert launcher.launch({"PIPELINE_WORKER_ID": "early"}, None).wait(timeout=600) == 0
    assert fallback.launched == ["early"]  # the fork server was still importing


def test_forked_workers_are_listed_signalled_and_seen_to_end(tmp_path: Path) -> None:
    fleet = LocalProcessFleet(
        serving_launcher(), {"PATH": os.environ.get("PATH", "")}, tmp_path / "logs"
    )
    ended = threading.Semaphore(0)
    assert fleet.notify_exits(ended.release)
    started = fleet.start(2)
    listed = {worker.worker_id: worker.details["pid"] for worker in fleet.list_workers()}
    assert set(listed) == set(started) and all(alive(pid) for pid in listed.values())
    assert all(psutil.Process(pid).ppid() != os.getpid() for pid in listed.values())  # forked
    for worker_id in started:
        log = tmp_path / "logs" / f"{worker_id}.log"
        wait_until(partial(has_output, log), f"{worker_id} to start")
        assert log_lines(log)[0] == worker_id  # its own id, environment and log
    fleet.stop([started[0]])
    wait_until(lambda: fleet.exited() == [started[0]], "the stopped worker to end")
    assert log_lines(tmp_path / "logs" / f"{started[0]}.log")[-1] == "stopping"
    assert ended.acquire(timeout=60)
    os.kill(listed[started[1]], signal.SIGKILL)
    assert ended.acquire(timeout=60)  # at once, before the fork server reports the status
    assert fleet.exited() == [started[1]]
    assert fleet.list_workers() == []


def test_a_forked_worker_reports_its_exit_status_like_a_process(tmp_path: Path) -> None:
    launcher = serving_launcher()
    waiting = launcher.launch({"PIPELINE_WORKER_ID": "a"}, tmp_path / "waiting.log")
    exiting = launcher.launch(
        {"PIPELINE_WORKER_ID": "b", "STAND_IN_EXIT": "3"}, tmp_path / "exiting.log"
    )
    assert exiting.wait(timeout=600) == 3
    wait_until(partial(has_output, tmp_path / "waiting.log"), "the worker to start")
    assert waiting.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        waiting.wait(timeout=0.1)
    waiting.kill()
    assert waiting.wait(timeout=60) == -signal.SIGKILL
    assert waiting.poll() == -signal.SIGKILL


LAUNCHING_PARENT = """
import sys, time
sys.path.insert(0, {here!r})
from test_forked_workers import serving_launcher

if __name__ == "__main__":
    worker = serving_launcher().launch({{"PIPELINE_WORKER_ID": "w"}}, None)
    print(worker.pid, flush=True)
    time.sleep(600)
"""


def test_forked_workers_stop_when_the_process_that_launched_them_is_killed(
    tmp_path: Path,
) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(LAUNCHING_PARENT.format(here=str(HERE))))
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None
        first = {parent.stdout.readline().strip() for _ in range(2)}
        assert "w" in first  # the worker's own first line (which comes first may vary)
        worker_pid = int((first - {"w"}).pop())
        parent.kill()
        assert parent.stdout.readline().strip() == "orphaned"
    wait_until(lambda: not alive(worker_pid), "the orphaned worker to exit")


def test_a_forked_worker_labels_a_job_as_the_model_does_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jobfakes import comments_csv

    from pipeline import service
    from pipeline.bootstrap import init_backend, settings_environment, worker_launcher
    from pipeline.db import JobStatus
    from pipeline.model.predictor import Predictor
    from pipeline.settings import Settings

    monkeypatch.setenv("PIPELINE_MODEL_CACHE", str(tmp_path / "cache"))
    comments = [
        "The lectures were clear and the professor cared about every student.",
        "Disorganised labs, late grades and an exam that had nothing to do with the course.",
        "It was fine.",
        "Best course I have taken: hard, fair and full of good examples.",
    ] * 10
    settings = Settings(data_dir=tmp_path / "data", model="default", worker_poll_s=0.2)
    assert settings.worker_launch == "forkserver"
    backend = init_backend(settings)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "in.csv", comments), "comment", []
    ).request_id
    launcher = worker_launcher(settings.worker_launch)
    assert isinstance(launcher, ForkServerLauncher)
    launcher.prepare()
    assert launcher.wait_ready(timeout_s=900)
    environment = {**os.environ, **settings_environment(settings)}
    fleet = LocalProcessFleet(launcher, environment, settings.data_dir / "logs")
    [worker_id] = fleet.start(1)
    [pid] = [worker.details["pid"] for worker in fleet.list_workers()]
    assert psutil.Process(pid).ppid() != os.getpid()  # forked from the fork server

    def finished() -> bool:
        return backend.repository.jobs.get(request_id).is_terminal

    wait_until(finished, "the forked worker to finish the job", timeout_s=1200)
    fleet.shutdown(grace_s=120)
    assert fleet.exited() == [worker_id]
    assert backend.repository.jobs.get(request_id).status is JobStatus.SUCCEEDED
    batches = backend.repository.results.batches(request_id)
    labelled = [row.label for batch in batches for row in batch]
    expected = [p.label for p in Predictor.load("default").predict(comments)]
    assert labelled == expected
    log = (tmp_path / "data" / "logs" / f"{worker_id}.log").read_text()
    assert "handled 1 messages" in log
