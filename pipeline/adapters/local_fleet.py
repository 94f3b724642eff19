"""WorkerFleet of local worker processes: what the master scales on the embedded default.

The fleet sees a worker's process end: ``exited`` lists it at the master's next tick, and a
watcher thread per worker (a Linux pidfd, which tells that a process ended without reaping it)
wakes the master the moment it happens, so a killed worker's job is handed back within
milliseconds rather than up to a tick later.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

from pipeline.adapters.worker_launch import CommandLauncher, WorkerLauncher, WorkerProcess
from pipeline.ports import WorkerFleet, WorkerInfo


class LocalProcessFleet(WorkerFleet):
    """Starts one process per worker through ``launcher`` (a command: a fresh process each;
    ``worker_launch.ForkServerLauncher``: forks of a preloaded fork server) with
    PIPELINE_WORKER_ID set; stopping sends SIGTERM, which lets the worker finish its chunk and
    hand its message back."""

    def __init__(
        self,
        launcher: WorkerLauncher | Sequence[str],
        env: Mapping[str, str],
        log_dir: Path | None = None,
    ) -> None:
        self._launcher = CommandLauncher(launcher) if isinstance(launcher, Sequence) else launcher
        self._env = dict(env)
        self._log_dir = log_dir
        self._processes: dict[str, WorkerProcess] = {}
        self._started_at: dict[str, float] = {}
        self._stopping: set[str] = set()
        self._exited: list[str] = []
        self._notify: Callable[[], None] | None = None
        self._seen_ended: set[str] = set()
        """Workers whose end a watcher saw: a forked worker's exit status reaches ``poll`` only
        once the fork server has reaped it, which can come after the master's wake-up tick."""
        self._lock = threading.Lock()

    def list_workers(self) -> list[WorkerInfo]:
        self._reap()
        return [
            WorkerInfo(
                worker_id=worker_id,
                state="stopping" if worker_id in self._stopping else "running",
                started_at=self._started_at[worker_id],
                details={"pid": process.pid},
            )
            for worker_id, process in self._processes.items()
        ]

    def notify_exits(self, notify: Callable[[], None]) -> bool:
        """Workers started from now on are watched; ``notify`` runs when one of them ends."""
        if not hasattr(os, "pidfd_open"):
            return False
        self._notify = notify
        return True

    def prepare(self) -> None:
        """Get the launcher ready before the first worker is needed (the fork server starts
        importing), so that a job arriving later does not wait for it."""
        self._launcher.prepare()

    def start(self, count: int) -> list[str]:
        started = []
        for _ in range(count):
            worker_id = f"local-{uuid.uuid4().hex[:10]}"
            env = {**self._env, "PIPELINE_WORKER_ID": worker_id}
            process = self._launcher.launch(env, self._log_file(worker_id))
            self._processes[worker_id] = process
            self._started_at[worker_id] = time.time()
            if self._notify is not None:
                _watch_end(process.pid, partial(self._ended, worker_id, self._notify))
            started.append(worker_id)
        return started

    def stop(self, worker_ids: list[str]) -> None:
        for worker_id in worker_ids:
            process = self._processes.get(worker_id)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                self._stopping.add(worker_id)

    def shutdown(self, grace_s: float = 30.0) -> None:
        """Stop every worker and wait; those still running after ``grace_s`` are killed."""
        self.stop(list(self._processes))
        deadline = time.monotonic() + grace_s
        for process in self._processes.values():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._reap()

    def exited(self) -> list[str]:
        """Workers whose process ended since the last call, in the order they were seen."""
        self._reap()
        ended, self._exited = self._exited, []
        return ended

    def _ended(self, worker_id: str, notify: Callable[[], None]) -> None:
        with self._lock:
            self._seen_ended.add(worker_id)
        notify()

    def _reap(self) -> None:
        with self._lock:
            seen, self._seen_ended = self._seen_ended, set()
        for worker_id, process in list(self._processes.items()):
            if process.poll() is not None or worker_id in seen:
                del self._processes[worker_id]
                del self._started_at[worker_id]
                self._stopping.discard(worker_id)
                self._exited.append(worker_id)

    def _log_file(self, worker_id: str) -> Path | None:
        """The worker's log file; none means the worker writes to our output."""
        if self._log_dir is None:
            return None
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return self._log_dir / f"{worker_id}.log"


def _watch_end(pid: int, notify: Callable[[], None]) -> None:
    """Call ``notify`` from a daemon thread once process ``pid`` has ended. A pidfd becomes
    readable when its process ends and leaves reaping it to its parent (this process through
    ``poll``, or the fork server); it is opened now, while the pid cannot have been reused."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:  # ended already
        notify()
        return

    def wait_then_notify() -> None:
        try:
            readable = select.poll()
            readable.register(descriptor, select.POLLIN)
            readable.poll()
        finally:
            os.close(descriptor)
        notify()

    threading.Thread(target=wait_then_notify, name=f"worker-{pid}-end", daemon=True).start()
