"""How the local fleet starts a worker process: a fresh interpreter, or a fork of a process
that has already imported everything a worker needs.

A fresh ``python -m pipeline worker`` spends seconds importing torch and the product, and
unpacking the language detector's model, before it can load the classifier
(docs/performance.md). ``ForkServerLauncher`` keeps one fork server (Python's multiprocessing
"forkserver") that does all of that once, as soon as the fleet is prepared; every worker is a
fork of it that starts with all of it in memory (shared copy-on-write) and only loads its own
model. The fork server runs no torch operation: torch's thread pools do not survive a fork.

Either way the fleet gets a ``WorkerProcess``: a process it can signal and whose exit status
it reads without blocking (``poll``), with ``subprocess.Popen``'s conventions (a negative
status is the signal that ended it).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import BinaryIO, Protocol

from pipeline.errors import PipelineError
from pipeline.settings import Settings

log = logging.getLogger(__name__)

PRELOAD_MODULE = "pipeline.adapters.worker_preload"
"""What the fork server imports before it forks anything (see that module)."""
PRELOADED_MODULES = (
    "torch",
    "tokenizers",
    "safetensors.torch",
    "pipeline.cli.main",
    "pipeline.bootstrap",
    "pipeline.db.migrate",
    "pipeline.worker",
    "pipeline.worker_identity",
    "pipeline.model.loading",
    "pipeline.model.lora",
    "pipeline.model.merged_cache",
    "pipeline.model.predictor",
    "pipeline.model.serving",
    "pipeline.model.bert",
)
"""Every module a worker imports on its way to its first job that takes noticeable time.
Not transformers: a worker reads the merged model and the sentence encoder with
pipeline/model/bert.py, and imports transformers only to merge an adapter the first time it
is used on a machine (or for a model of another architecture)."""
INSIGHTS_MODULES = (
    "pipeline.insights.loading",
    "pipeline.model.embeddings",
    "pipeline.model.aspects",
    "scipy.sparse",
    "sklearn.cluster",
    "sklearn.feature_extraction.text",
    "threadpoolctl",
)
"""What a worker with insights (PIPELINE_INSIGHTS) imports by the end of its first job: the
themes post-pass's scikit-learn and SciPy alone cost ≈ 0.7 CPU seconds."""
WORKER_ARGV = ("worker",)
PARENT_PID_FLAG = "--parent-pid"
LANGUAGE_SAMPLE = "The lectures were clear and the exercises helped a great deal."
STDOUT, STDERR = 1, 2


class WorkerProcess(Protocol):
    """A started worker, as ``subprocess.Popen`` exposes one."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None:
        """The exit status once the process has ended, else None; never blocks."""

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; raises ``subprocess.TimeoutExpired`` if still running then."""


class WorkerLauncher(Protocol):
    def prepare(self) -> None:
        """Get ready to launch, ahead of the first worker (may start a process)."""

    def launch(self, env: Mapping[str, str], log_file: Path | None) -> WorkerProcess:
        """Start one worker with exactly ``env`` as its environment, its output appended to
        ``log_file`` (None: this process's own output)."""


class CommandLauncher:
    """``command`` as a fresh process per worker."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)

    def prepare(self) -> None:
        """Nothing to prepare: every worker starts from scratch."""

    def launch(self, env: Mapping[str, str], log_file: Path | None) -> WorkerProcess:
        with _appending(log_file) as output:  # the child keeps its own handle
            return subprocess.Popen(
                self._command, env=dict(env), stdout=output, stderr=subprocess.STDOUT
            )


class ForkServerLauncher:
    """Each worker is a fork of one fork server, which imported ``PRELOAD_MODULE`` once; in the
    child, ``entry`` runs with ``argv`` plus ``--parent-pid`` (the fork server, which exits
    when the process that launched it does, so its workers notice that and stop).

    Launching never waits for the fork server: ``prepare`` starts it in the background and
    forks a probe once it serves, and until then (or if it cannot start) workers are started
    by ``fallback``, as fresh processes. A fork server killed later is started again by the
    next launch, which then waits for its imports, and the workers forked by the dead one read
    as ended (status 255) although they finish their chunk and stop on their own. The fork
    server is process-wide (multiprocessing keeps one per process): the first launcher's
    ``preload`` is the one it imports."""

    def __init__(
        self,
        fallback: WorkerLauncher,
        entry: Callable[[list[str]], int] | None = None,
        argv: Sequence[str] = WORKER_ARGV,
        preload: Sequence[str] = (PRELOAD_MODULE,),
    ) -> None:
        if entry is None:
            from pipeline.cli.main import main as entry
        self._fallback = fallback
        self._entry = entry
        self._argv = list(argv)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(preload))
        self._ready = threading.Event()
        self._starting: threading.Thread | None = None
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Start the fork server in the background (once): its imports run while nothing
        waits for them."""
        with self._lock:
            if self._starting is None:
                self._starting = threading.Thread(
                    target=self._start_server, name="worker-fork-server", daemon=True
                )
                self._starting.start()

    def wait_ready(self, timeout_s: float | None = None) -> bool:
        """Whether the fork server serves (waiting up to ``timeout_s`` for it)."""
        return self._ready.wait(timeout_s)

    def launch(self, env: Mapping[str, str], log_file: Path | None) -> WorkerProcess:
        self.prepare()
        if not self._ready.is_set():
            return self._fallback.launch(env, log_file)
        process = self._context.Process(
            target=run_forked,
            args=(self._entry, self._argv, dict(env), None if log_file is None else str(log_file)),
            name="sentiment-pipeline-worker",
            daemon=True,  # if this process exits without stopping it: SIGTERM, then a join
        )
        process.start()
        return ForkedProcess(process)

    def _start_server(self) -> None:
        """Fork a probe that exits at once: it returns once the fork server has preloaded."""
        try:
            probe = self._context.Process(target=_probe, name="fork-server-probe", daemon=True)
            probe.start()
            probe.join()
        except (OSError, EOFError, RuntimeError):
            log.warning("the worker fork server cannot start; workers start afresh", exc_info=True)
            return
        if probe.exitcode == 0:
            self._ready.set()
        else:
            log.warning(
                "the worker fork server's probe ended %s; workers start afresh", probe.exitcode
            )


class ForkedProcess:
    """A worker forked by the fork server, seen through ``WorkerProcess``."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def poll(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired(str(self._process.name), timeout or 0.0)
        return code


def _probe() -> None:
    """A fork server's first child: that it ran shows the fork server serves."""


def fork_server_available() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def preloaded_modules(environ: Mapping[str, str]) -> tuple[str, ...]:
    """What the fork server imports: the insights' modules too unless PIPELINE_INSIGHTS is off
    in ``environ`` (the fork server's, which its workers inherit)."""
    try:
        insights = Settings.from_env(environ).insights
    except PipelineError:  # a setting the worker itself will refuse; preload everything
        insights = True
    return PRELOADED_MODULES + (INSIGHTS_MODULES if insights else ())


def prepare_fork_parent(modules: Sequence[str] = PRELOADED_MODULES) -> None:
    """Import what every worker needs and unpack the language detector's model (numpy only).
    Nothing here may stop the fork server from serving: what fails is only logged, and the
    workers do it themselves; a module that cannot be imported (scikit-learn is optional)
    does not keep the others out."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            log.warning("the worker fork server could not import %s", name, exc_info=True)
    try:
        from pipeline.model.language import Py3LangidDetector

        Py3LangidDetector().probabilities(LANGUAGE_SAMPLE)
    except Exception:
        log.warning("the worker fork server could not unpack the language detector", exc_info=True)


def run_forked(
    entry: Callable[[list[str]], int], argv: list[str], env: dict[str, str], log_file: str | None
) -> None:
    """The forked worker's first step: its own output and environment, then ``entry``."""
    _let_go_of_fork_server()
    if log_file is not None:
        _send_output_to(Path(log_file))
    os.environ.clear()
    os.environ.update(env)
    raise SystemExit(entry([*argv, PARENT_PID_FLAG, str(os.getppid())]))


def _let_go_of_fork_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe. multiprocessing hands one to
    every child, and the fork server exits only once every copy is closed: kept, it would hold
    the fork server (this worker's parent) up after the fleet's process died, and the worker,
    which stops when its parent is gone, would run on for ever."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    descriptor = getattr(server, "_forkserver_alive_fd", None)
    if server is None or descriptor is None:
        return
    with contextlib.suppress(OSError):
        os.close(descriptor)
    server._forkserver_alive_fd = None


def _send_output_to(path: Path) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(descriptor, STDOUT)
        os.dup2(descriptor, STDERR)
    finally:
        os.close(descriptor)


def _appending(path: Path | None) -> AbstractContextManager[BinaryIO | None]:
    return nullcontext() if path is None else path.open("ab")
