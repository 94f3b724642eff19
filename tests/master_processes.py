"""``sentiment-pipeline master`` processes over one embedded data folder, and who holds their
lease: for the two-master e2e test and benchmarks/master_takeover.py (which puts tests/ on
sys.path to use them). Masters start no worker here (no job is queued, none is kept warm)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pipeline.bootstrap import init_backend
from pipeline.db import LeaseRepository, Repository
from pipeline.master.leadership import MASTER_LEASE
from pipeline.settings import Settings

POLL_S = 0.02


def prepare(data_dir: Path) -> LeaseRepository:
    """Initialise the folder (as ``init`` does) and return its leases, read by the database's
    clock like the masters' own."""
    backend = init_backend(Settings(data_dir=data_dir))
    return Repository.connect(backend.repository.database.url).leases


def start_master(
    data_dir: Path, name: str, settings: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A master process with a clean PIPELINE_* environment; its log is ``<name>.log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(PIPELINE_DATA_DIR=str(data_dir), PIPELINE_MIN_WORKERS="0", HF_HUB_OFFLINE="1")
    env.update(settings or {})
    with (data_dir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "master"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def holder_pid(leases: LeaseRepository) -> int | None:
    """The pid in the holder's id (host:pid:random) while the lease is held, else None."""
    lease = leases.get(MASTER_LEASE)
    return None if lease is None else int(lease.holder.split(":")[-2])


def wait_for(condition: Callable[[], bool], timeout_s: float) -> float | None:
    """The monotonic time at which ``condition`` first held, or None after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(POLL_S)
    return None


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not gone within 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
