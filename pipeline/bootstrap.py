"""Wire the adapters a deployment needs from one Settings object.

``local`` is the embedded default (folder, SQLite queue, worker processes); ``aws`` imports
``pipeline.adapters.aws`` only when chosen, so the embedded product never needs boto3. The
repository is the same for both: PIPELINE_DATABASE_URL picks SQLite or PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass
from types import ModuleType

from pipeline.adapters.local_fleet import LocalProcessFleet
from pipeline.adapters.local_store import LocalObjectStore
from pipeline.adapters.sqlite_queue import SqliteJobQueue
from pipeline.db import Repository
from pipeline.db.migrate import require_current, upgrade
from pipeline.errors import ConfigError
from pipeline.inputs import Limits
from pipeline.ports import JobQueue, ObjectStore, WorkerFleet
from pipeline.settings import Settings


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
        )
    database_url = settings.database_url
    if settings.database_secret_arn:
        database_url = _aws_adapters().database_url_with_secret(settings)
    return Backend(
        settings=settings,
        repository=Repository.connect(database_url),
        store=store,
        queue=queue,
    )


def init_backend(settings: Settings) -> Backend:
    """Create whatever storage the backend needs; safe to run again."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.backend == "aws":
        # Before build_backend: building the SQS adapter looks up the queues' URLs.
        _aws_adapters().init_aws_resources(settings)
    backend = build_backend(settings)
    upgrade(backend.repository.database.engine)
    if isinstance(backend.queue, SqliteJobQueue):
        backend.queue.initialize()
    return backend


def open_backend(settings: Settings) -> Backend:
    """The backend of a process that serves or works: refuses an uninitialised database."""
    backend = build_backend(settings)
    require_current(backend.repository.database.engine)
    return backend


def build_fleet(settings: Settings) -> WorkerFleet:
    """What the master scales: local worker processes, or EC2 instances / ECS tasks."""
    if settings.fleet == "local":
        return LocalProcessFleet(
            command=[sys.executable, "-m", "pipeline", "worker", "--parent-pid", str(os.getpid())],
            env={**os.environ, **settings_environment(settings)},
            log_dir=settings.data_dir / "logs",
        )
    fleet: WorkerFleet = _aws_adapters().build_aws_fleet(settings)
    return fleet


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
