"""Wire the adapters a deployment needs from one Settings object.

``local`` is the embedded default (folder, SQLite queue, worker processes); ``aws`` imports
``pipeline.adapters.aws`` only when chosen, so the embedded product never needs boto3. The
repository is the same for both: PIPELINE_DATABASE_URL picks SQLite or PostgreSQL.

A process that cannot start (a data folder it cannot write, a database it cannot reach) gets
one PipelineError whose message says what failed and what to do; the command line prints it
as one line instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.adapters.local_store import LocalObjectStore
from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.adapters.worker_launch import (
    CommandLauncher,
    ForkServerLauncher,
    WorkerLauncher,
    fork_server_available,
)
from pipeline.db import Repository
from pipeline.db.migrate import require_current, upgrade
from pipeline.db.shown_url import shown_url, without_secrets
from pipeline.errors import ConfigError, DatabaseUnavailableError
from pipeline.inputs import Limits
from pipeline.ports import JobQueue, ObjectStore, WorkerFleet
from pipeline.settings import Settings

log = logging.getLogger(__name__)

PRIVATE_MODE = 0o700
"""The data folder's mode: its owner's alone."""
OTHERS_MODE = 0o077
"""The group's and other accounts' bits of a mode."""


@dataclass(frozen=True)
class Backend:
    """The adapters every edge and the worker share; built once per process."""

    settings: Settings
    repository: Repository
    store: ObjectStore
    queue: JobQueue

    @property
    def limits(self) -> Limits:
        return Limits(
            max_bytes=self.settings.max_upload_bytes,
            max_rows=self.settings.max_rows,
            max_comment_chars=self.settings.max_comment_chars,
        )


def build_backend(settings: Settings) -> Backend:
    """Construct the adapters; no storage is created or checked (see init_backend)."""
    if settings.backend == "aws":
        aws = _aws_adapters()
        store: ObjectStore = aws.build_aws_store(settings)
        queue: JobQueue = aws.build_aws_queue(settings)
    else:
        store = LocalObjectStore(settings.data_dir / "objects")
        queue = SqliteJobQueue(
            settings.data_dir / "queue.db",
            visibility_timeout_s=settings.visibility_timeout_s,
            max_receives=settings.max_receives,
            busy_timeout_s=settings.db_busy_timeout_s,
        )
    database_url = settings.database_url
    if settings.database_secret_arn:
        database_url = _aws_adapters().database_url_with_secret(settings)
    return Backend(
        settings=settings,
        repository=_repository(database_url, settings.db_busy_timeout_s),
        store=store,
        queue=queue,
    )


def _repository(url: str, busy_timeout_s: float) -> Repository:
    """The repository on ``url``; a URL that names no usable database is refused in one line
    that never quotes it (it may hold a password)."""
    try:
        return Repository.connect(url, busy_timeout_s)
    except ImportError as exc:
        reason = f"its driver {exc.name or exc} is not installed"
    except NoSuchModuleError:
        reason = "its dialect is unknown"
    except ArgumentError:
        reason = "it is not a database URL"
    except OSError as exc:  # a SQLite file's folder that cannot be created
        reason = f"the folder of its file cannot be created ({exc.strerror or exc})"
    raise ConfigError(
        f"PIPELINE_DATABASE_URL cannot be used: {reason}; use sqlite:///PATH or "
        "postgresql+psycopg2://USER@HOST:PORT/DATABASE"
    )


def init_backend(settings: Settings) -> Backend:
    """Create whatever storage the backend needs; safe to run again."""
    ensure_writable(settings.data_dir)
    if settings.backend == "aws":
        # Before build_backend: building the SQS adapter looks up the queues' URLs.
        _aws_adapters().init_aws_resources(settings)
    backend = build_backend(settings)
    with reachable_database(backend.repository.database.url):
        upgrade(backend.repository.database.engine)
    if isinstance(backend.queue, SqliteJobQueue):
        backend.queue.initialize()
    return backend


def open_backend(settings: Settings) -> Backend:
    """The backend of a process that serves or works: refuses an uninitialised database."""
    if settings.backend == "local":
        ensure_writable(settings.data_dir)
    backend = build_backend(settings)
    with reachable_database(backend.repository.database.url):
        require_current(backend.repository.database.engine)
    return backend


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` and write a file in it, so that a read-only or impossible data folder
    stops the process at once with the fix, not later with a traceback from SQLite; then make
    it private (``make_private``)."""
    try:
        folder.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(
            f"the data folder {folder} cannot be written ({exc.strerror or exc}): make it "
            "writable, or set PIPELINE_DATA_DIR to a folder this user can write"
        ) from exc
    make_private(folder)


def make_private(folder: Path) -> None:
    """Keep other local accounts out of the data folder: its database, queue and logs hold
    every key's comments, which SQLite and the logs create with the umask's modes (0644 under
    the usual 022), while the API serves each key only its own jobs. A folder others could
    enter is made owner-only (said in the log); one this user cannot change is refused, with
    the fix. A file system without Unix modes keeps its own (a warning says so)."""
    mode = folder.stat().st_mode & 0o777
    if not mode & OTHERS_MODE:
        return
    try:
        folder.chmod(mode & ~OTHERS_MODE)
    except OSError as exc:
        raise ConfigError(
            f"the data folder {folder} can be read by other accounts (mode {mode:o}) and this "
            f"user cannot change that ({exc.strerror or exc}); it would hold every job's "
            f"comments: run `chmod 700 {folder}` as its owner, or set PIPELINE_DATA_DIR to a "
            "folder of this user's own"
        ) from exc
    if folder.stat().st_mode & OTHERS_MODE:
        log.warning(
            "the data folder %s keeps mode %o on this file system: other accounts may read "
            "every job's comments there",
            folder,
            mode,
        )
    else:
        log.warning(
            "the data folder %s could be read by other accounts (mode %o): made owner-only, "
            "since it holds every job's comments",
            folder,
            mode,
        )


@contextmanager
def reachable_database(url: str) -> Iterator[None]:
    """Turn a database that cannot be reached or opened at startup into one line that names
    it (password hidden), the driver's reason and the fix."""
    try:
        yield
    except DBAPIError as exc:
        cause = exc.orig or exc
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        reason = without_secrets(reason, url)  # "could not translate host name "tail@db""
        parsed = make_url(url)
        fix = (
            "this user can write its file and folder"
            if parsed.get_backend_name() == "sqlite"
            else "the database server is running and reachable"
        )
        raise DatabaseUnavailableError(
            f"cannot use the database at {shown_url(parsed)}: "
            f"{reason}; check PIPELINE_DATABASE_URL and that {fix}"
        ) from exc


def build_fleet(settings: Settings) -> WorkerFleet:
    """What the master scales: local worker processes, or EC2 instances / ECS tasks."""
    if settings.fleet == "local":
        return LocalProcessFleet(
            launcher=worker_launcher(settings.worker_launch),
            env={**os.environ, **settings_environment(settings)},
            log_dir=settings.data_dir / "logs",
        )
    fleet: WorkerFleet = _aws_adapters().build_aws_fleet(settings)
    return fleet


def worker_launcher(how: str) -> WorkerLauncher:
    """PIPELINE_WORKER_LAUNCH: forks of a preloaded fork server where the platform has one
    (fresh processes until it serves), else a fresh ``python -m pipeline worker``; either
    stops when this process is gone."""
    fresh = CommandLauncher(
        [sys.executable, "-m", "pipeline", "worker", "--parent-pid", str(os.getpid())]
    )
    if how == "forkserver" and fork_server_available():
        return ForkServerLauncher(fallback=fresh)
    return fresh


def settings_environment(settings: Settings) -> dict[str, str]:
    """The PIPELINE_* variables that rebuild these settings in a child process."""
    return {
        f"PIPELINE_{field.name.upper()}": str(getattr(settings, field.name))
        for field in dataclasses.fields(settings)
    }


def _aws_adapters() -> ModuleType:
    try:
        from pipeline.adapters import aws
    except ImportError as exc:
        raise ConfigError(
            f"PIPELINE_BACKEND=aws or PIPELINE_FLEET=ec2|ecs needs pipeline.adapters.aws, which "
            f"cannot be imported ({exc}); install the extra: pip install "
            f"'comment-sentiment-pipeline[aws]'"
        ) from exc
    return aws
