"""Crash recovery: kill -9 the worker that holds a job, N times, and time each stall.

Embedded default (``--backend local``): ``sentiment-pipeline up`` as a child process with the
product's defaults (benchmarks/embedded.py); a 6,000-row comment file submitted over HTTP.
Each time rows have moved for ``--interval-s``, the worker process that holds the job (its pid
from the workers table) is killed with SIGKILL; the job's status is then polled every 0.1 s
until its progress (``rows_done``, plus ``insights_done`` once every row is labelled and the
worker works out the insights) passes its value at the kill: that wait is the stall. Within
it, the time until the master forgot the dead worker's beat (just before it hands the message
back) shows what the recovery itself takes; the rest is another worker taking the job up (on
the embedded default the warm pool's spare, already loaded; else a replacement that has to
start) and committing its first chunk. When the job ends, the results CSV is checked by
``row_id``: rows lost, rows duplicated; the machine's load average is printed with the
figures.

AWS backend (``--backend aws``): the same on this machine with S3 and SQS on moto_server and a
fresh database on the local PostgreSQL (127.0.0.1:5432, user postgres). On EC2 or ECS the master
cannot see a worker's process end, so here it starts none (``PIPELINE_MAX_WORKERS=0``): the
benchmark runs the workers itself, as processes the master does not know, and starts the
replacement the moment it kills one (a fleet replacing an instance; the minutes a real instance
takes to boot are not in these figures). The master can only go by the dead worker's heartbeat
going stale (``PIPELINE_WORKER_STALE_S``), or the message's visibility timeout lapsing.

Usage: ``python benchmarks/crash_recovery.py [--backend local|aws] [--kills 3] [--rows 6000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments
from embedded import start_embedded

POLL_S = 0.1
"""How often the stall is polled; waits that time nothing poll every second, so the benchmark
takes little CPU from the worker it measures."""
IDLE_POLL_S = 1.0
POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
TEXT = "comment"


@dataclass
class Kill:
    rows_at_kill: int
    handed_back_s: float
    """From the SIGKILL until the master forgot the dead worker's beat, which it does just
    before it releases the message the worker held."""
    stall_s: float
    """From the SIGKILL to the first status whose rows_done is past ``rows_at_kill``."""
    load_1m: float
    """This machine's 1-minute load average at the kill."""


@dataclass
class Run:
    backend: str
    rows: int
    settings: dict[str, str]
    kills: list[Kill] = field(default_factory=list)
    submit_to_done_s: float = 0.0
    rows_lost: int = 0
    rows_duplicated: int = 0
    status: str = ""
    load_average: list[float] = field(default_factory=list)
    """This machine's 1-minute load average at the start and at the end."""


class Deployment:
    """The running product: its URL, how to find the worker holding a job, and what to do
    right after a kill (start a replacement, where the benchmark runs the workers)."""

    def __init__(self, url: str, database_url: str) -> None:
        from pipeline.db import Repository

        self.url = url
        self.repository = Repository.connect(database_url)

    def holder(self, request_id: str) -> tuple[str, int] | None:
        """The id and pid of the worker whose heartbeat holds the job."""
        for beat in self.repository.workers.all():
            if beat.current_job == request_id:
                return beat.worker_id, beat.pid
        return None

    def forgotten(self, worker_id: str) -> Callable[[], bool]:
        return lambda: worker_id not in {beat.worker_id for beat in self.repository.workers.all()}

    def after_kill(self) -> None:
        """The embedded master sees the process end and starts a replacement by itself."""


class OwnWorkers(Deployment):
    """Workers run by the benchmark, unknown to the master (as EC2/ECS processes are)."""

    def __init__(self, url: str, database_url: str, env: Mapping[str, str], logs: Path) -> None:
        super().__init__(url, database_url)
        self._env = dict(env)
        self._logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start_worker(self) -> None:
        worker_id = f"bench-{uuid.uuid4().hex[:8]}"
        env = {**self._env, "PIPELINE_WORKER_ID": worker_id}
        self._logs.mkdir(parents=True, exist_ok=True)
        with (self._logs / f"{worker_id}.log").open("wb") as log:
            command = [sys.executable, "-m", "pipeline", "worker"]
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)

    def after_kill(self) -> None:
        self.start_worker()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until(
    condition: Callable[[], bool], what: str, poll_s: float = IDLE_POLL_S, timeout_s: float = 3600
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(poll_s)


def run_job(deployment: Deployment, source: Path, args: argparse.Namespace, run: Run) -> None:
    """Submit, kill the holder ``args.kills`` times with progress in between, wait for the
    end, and check the results row by row."""
    from pipeline.client import TERMINAL_STATUSES, PipelineClient

    with PipelineClient(deployment.url, timeout_s=120) as client:
        started = time.perf_counter()
        with source.open("rb") as handle:
            request_id = client.submit(handle, source.name, TEXT).request_id

        def rows_done() -> int:
            """Progress: rows labelled, then (labels first) rows whose insights are done."""
            status = client.status(request_id)
            return status.rows_done + (status.insights_done or 0)

        def moved_past(rows: int) -> Callable[[], bool]:
            return lambda: rows_done() > rows

        for number in range(1, args.kills + 1):
            wait_until(lambda: rows_done() > 0, "the first rows")
            time.sleep(args.interval_s)
            holder = deployment.holder(request_id)
            if holder is None or client.status(request_id).status in TERMINAL_STATUSES:
                print(f"kill {number}: the job had no worker left to kill (finished)")
                break
            worker_id, pid = holder
            os.kill(pid, signal.SIGKILL)
            killed_at = time.perf_counter()
            load = os.getloadavg()[0]
            deployment.after_kill()
            at_kill = rows_done()
            wait_until(deployment.forgotten(worker_id), f"the master to see kill {number}", POLL_S)
            handed_back = time.perf_counter() - killed_at
            wait_until(moved_past(at_kill), f"rows to move after kill {number}", POLL_S)
            stall = time.perf_counter() - killed_at
            run.kills.append(Kill(at_kill, handed_back, stall, load))
            print(
                f"kill {number}: at {at_kill:,} rows; handed back after {handed_back:.1f} s, "
                f"rows moved again after {stall:.1f} s; load average {load:.1f}",
                flush=True,
            )
        wait_until(lambda: client.status(request_id).status in TERMINAL_STATUSES, "the end")
        run.submit_to_done_s = time.perf_counter() - started
        status = client.status(request_id)
        run.status = status.status
        if status.status != "succeeded":
            print(f"the job ended {status.status}: {status.error}")
            return
        results = source.with_name("results.csv")
        with results.open("wb") as target:
            client.download_results(request_id, target)
    seen = pd.read_csv(results, usecols=["row_id"], dtype={"row_id": int})["row_id"]
    run.rows_duplicated = int(seen.duplicated().sum())
    run.rows_lost = len(set(range(run.rows)) - set(seen))


def run_local(folder: Path, source: Path, args: argparse.Namespace) -> Run:
    settings = {"PIPELINE_MODEL": args.model}
    run = Run("local", args.rows, settings)
    data = folder / "data-local"
    process, url = start_embedded(data, settings)
    try:
        run_job(Deployment(url, f"sqlite:///{data / 'pipeline.db'}"), source, args, run)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    return run


def run_aws(folder: Path, source: Path, args: argparse.Namespace) -> Run:
    suffix = uuid.uuid4().hex[:8]
    with moto_server(folder) as endpoint, fresh_database(f"crash_bench_{suffix}") as database:
        aws_env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        settings = {
            "PIPELINE_BACKEND": "aws",
            "PIPELINE_AWS_REGION": "us-east-1",
            "PIPELINE_BUCKET": f"crash-{suffix}",
            "PIPELINE_QUEUE_NAME": f"crash-{suffix}",
            "PIPELINE_DATABASE_URL": database,
            "PIPELINE_MODEL": args.model,
            "PIPELINE_MIN_WORKERS": "0",
            "PIPELINE_MAX_WORKERS": "0",
        }
        run = Run("aws", args.rows, settings)
        data = folder / "data-aws"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
        env.update(aws_env, **settings, PIPELINE_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
        init = subprocess.run(
            [sys.executable, "-m", "pipeline", "init"], env=env, capture_output=True, text=True
        )
        if init.returncode != 0:
            raise SystemExit(f"init failed: {init.stderr}")
        os.environ.update(aws_env)  # start_embedded passes them on to `up`
        process, url = start_embedded(data, settings)
        workers = OwnWorkers(url, database, env, data / "logs")
        try:
            workers.start_worker()
            run_job(workers, source, args, run)
        finally:
            workers.stop()
            workers.repository.database.dispose()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    return run


@contextmanager
def moto_server(folder: Path) -> Iterator[str]:
    """moto_server on a free port, for S3 and SQS."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    executable = shutil.which("moto_server")
    command = [executable] if executable else [sys.executable, "-m", "moto.server"]
    with (folder / "moto_server.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: _listening(port), "moto_server", POLL_S, timeout_s=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new database on the local PostgreSQL, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(run: Run) -> None:
    stalls = [kill.stall_s for kill in run.kills]
    handed = [kill.handed_back_s for kill in run.kills]
    print(
        f"{run.backend}: {run.rows:,} rows, {len(stalls)} kills; handed back after "
        f"{_figures(handed)}; rows moving again after {_figures(stalls)}; job {run.status} "
        f"{run.submit_to_done_s:.1f} s after submit; rows lost {run.rows_lost}, duplicated "
        f"{run.rows_duplicated}; load average {' → '.join(f'{v:.1f}' for v in run.load_average)}"
    )


def _figures(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    listed = ", ".join(f"{value:.1f}" for value in seconds)
    return f"{listed} s (median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s)"


def main(argv: Sequence[str] | None = None) -> list[Run]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["local", "aws", "both"], default="local")
    parser.add_argument("--rows", type=int, default=6_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument(
        "--interval-s", type=float, default=2.0, help="rows move this long before each kill"
    )
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    backends = ["local", "aws"] if args.backend == "both" else [args.backend]
    runs = []
    with tempfile.TemporaryDirectory(prefix="crash-") as scratch:
        folder = Path(scratch)
        source = write_comments(folder / "comments.csv", args.rows)
        for backend in backends:
            load = os.getloadavg()[0]
            run = (run_local if backend == "local" else run_aws)(folder, source, args)
            run.load_average = [load, os.getloadavg()[0]]
            report(run)
            runs.append(run)
    if args.json:
        args.json.write_text(json.dumps([asdict(run) for run in runs], indent=2) + "\n")
    return runs


if __name__ == "__main__":
    main()
