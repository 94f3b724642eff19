"""One Settings object, read from PIPELINE_* environment variables; explicit arguments win."""

from __future__ import annotations

import dataclasses
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from pipeline.chunk_sizing import check_target
from pipeline.errors import ConfigError, PipelineError

_CHOICES: dict[str, tuple[str, ...]] = {
    "backend": ("local", "aws"),
    "fleet": ("local", "ec2", "ecs"),
    "device": ("auto", "cpu", "cuda"),
    "precision": ("auto", "fp32", "bf16", "int8"),
    "worker_id_source": ("auto", "ecs", "ec2", "host"),
    "auth": ("auto", "keys", "none"),
    "worker_launch": ("forkserver", "subprocess"),
}
_LEAST: dict[str, int] = {
    "batch_size": 1,
    "chunk_rows": 1,
    "first_chunk_rows": 1,
    "max_upload_bytes": 1,
    "max_rows": 1,
    "max_comment_chars": 1,
    "max_failures_per_chunk": 1,
    "max_receives": 1,
    "min_workers": 0,
    "max_workers": 0,
}
"""Each whole-number setting's least value. Below it a deployment starts and every job then
fails or waits for another reason (a batch size of 0 reads as the model failing to load)."""
PORTS = range(1, 65_536)
MAX_RETENTION_DAYS = 36_500
"""100 years: longer than any policy keeps comments. Far longer (about 740,000 days) puts the
retention cut-off before year 1, which no date holds: every read of a finished job and the
master's retention pass would fail. Keeping jobs for ever is 0."""


def _default_data_dir() -> Path:
    return Path.home() / ".sentiment-pipeline"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a deployment. Env var = PIPELINE_ + field name upper-cased."""

    backend: str = "local"
    data_dir: Path = field(default_factory=_default_data_dir)
    database_url: str = ""
    database_secret_arn: str = ""
    # Init only (pipeline.db.roles): the secrets of the API's and the workers' login roles,
    # which init creates and grants after migrating. Both or neither.
    api_database_secret_arn: str = ""
    worker_database_secret_arn: str = ""
    # How long a SQLite write (repository or queue) waits for another writer's lock before the
    # API answers 503 database_locked / queue_unavailable.
    db_busy_timeout_s: float = 30.0
    model: str = "default"
    fleet: str = "local"
    device: str = "auto"
    # auto = the fastest precision at label parity with fp32 on this machine (docs/performance.md)
    precision: str = "auto"
    batch_size: int = 64
    # Comments told to be in another language get no label (pipeline/model/screening.py):
    # comma-separated ISO 639-1 codes of the languages to label, or "all" to label every one.
    languages: str = "en"
    # Placeholders ("N/A", "none"…) get no label; these add to the default list: phrases
    # separated by commas, and a UTF-8 file of one phrase a line (pipeline/model/no_opinion.py).
    no_opinion_extra: str = ""
    no_opinion_file: str = ""
    # Reports withhold comments with these words, besides the shipped list: terms separated by
    # commas, and a UTF-8 file of one term a line (pipeline/release/abusive.txt says how).
    screen_words: str = ""
    screen_words_file: str = ""
    # Reports mask these people's names (students, teaching assistants): a UTF-8 file of one
    # name a line, "Sarah Chen" or "Chen, Sarah" (pipeline/release/roster.py).
    screen_names_file: str = ""
    # Where a worker posts how many comments of a finished job hold a threat or words of
    # self-harm (a Slack or Teams incoming webhook; https only): pipeline/release/alert.py.
    alert_url: str = ""
    # Chunks are sized by time (pipeline/chunk_sizing.py): a delivery's first chunk has
    # first_chunk_rows rows, later ones about chunk_target_s of work at the measured rate, none
    # over chunk_rows rows. chunk_target_s = 0: every chunk has chunk_rows rows. 2 s, not 1 s:
    # a chunk ends in its own part-filled batch, re-scoring pass and commit (about 0.1 s), and
    # a worker labelled 10,000 short comments 5 % faster (docs/performance.md).
    chunk_rows: int = 2048
    first_chunk_rows: int = 32
    chunk_target_s: float = 2.0
    # The insights pass (aspects, embeddings) sizes its chunks the same way, to this many
    # seconds each (0: chunk_rows rows). Longer than the labels' chunks because a chunk's
    # clauses are read in padded batches and its embedding batches are filled to a fixed shape
    # per width: on a 2-core Zen 3, insights took 0.78x the time in chunks of 400 rows that
    # they took in chunks of 100 (docs/insights.md). The labels are all committed by then, so
    # only the insights' own progress moves less often.
    insight_chunk_target_s: float = 6.0
    # A worker that has labelled one job for this long, between two chunks, puts it behind a
    # job that has waited as long for its first delivery (a free worker would have taken it by
    # then): a small file is not held up for the whole of a large one (docs/pipeline.md).
    # 0: a job is labelled to its end once a worker has taken it.
    turn_s: float = 30.0
    max_upload_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_comment_chars: int = 20_000
    max_workers: int = 2
    worker_idle_timeout_s: float = 60.0
    # A worker's message stays hidden this long past its last heartbeat: the longest a worker
    # that dies unseen (an instance gone) holds its job. The heartbeat extends it every
    # heartbeat_s while the worker works; the master treats a worker whose beat is older than
    # worker_stale_s as gone and hands its message back at once (docs/pipeline.md).
    visibility_timeout_s: float = 60.0
    heartbeat_s: float = 10.0
    worker_stale_s: float = 30.0
    # Poison is judged by the worker from progress (pipeline/poison.py): a job fails after this
    # many crashes in a row without a committed row. max_receives is only the queue's backstop
    # (SQS maxReceiveCount) for deliveries that die before the worker can judge them.
    max_failures_per_chunk: int = 2
    max_receives: int = 10
    bucket: str = "sentiment-pipeline"
    queue_name: str = "sentiment-jobs"
    # AWS backend only (see pipeline/adapters/aws.py); subnets and security_groups are
    # comma-separated; the price is the worker instance's on-demand $/hour, for cost records.
    aws_region: str = ""
    deployment: str = "sentiment-pipeline"
    ecs_cluster: str = "sentiment-pipeline"
    ecs_launch_type: str = "EC2"
    ecs_capacity_provider: str = ""
    worker_task_definition: str = "sentiment-worker"
    master_task_definition: str = "sentiment-master"
    subnets: str = ""
    security_groups: str = ""
    ec2_launch_template: str = ""
    worker_price_per_hour: float = 0.526
    api_url: str = "http://127.0.0.1:8000"
    api_key: str = ""
    # A file that holds the key, readable by its owner alone (chmod 600): unlike --api-key,
    # which every account on the machine reads in `ps`. Not with PIPELINE_API_KEY.
    api_key_file: str = ""
    # Whether every API call needs a key: keys, none, or auto (keys unless the API listens on
    # loopback only; always keys behind API Gateway). See pipeline.service.keys.keys_required.
    auth: str = "auto"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Workers kept running while idle. `up` with the local fleet keeps 2 unless this is set
    # (pipeline.api.serve.with_warm_pool); other fleets scale to zero by default.
    min_workers: int = 0
    # Local fleet: forkserver = fork each worker from a process that has imported torch,
    # transformers and the worker once (starts in a fraction of a second); subprocess = a fresh
    # `python -m pipeline worker` per worker (pipeline/adapters/worker_launch.py).
    worker_launch: str = "forkserver"
    master_interval_s: float = 2.0
    master_exit_idle_s: float = 0.0
    # Jobs are erased this many days after they finished, by the master (their comments,
    # labels, results files and analysis; pipeline/service/erase.py); 0 keeps them.
    retention_days: float = 0.0
    # Only the master holding this lease reconciles (pipeline/master/leadership.py); it renews
    # it every tick, and a standby takes over this long after the holder last renewed it.
    master_lease_s: float = 10.0
    worker_poll_s: float = 1.0
    # Aspects, sentence embeddings and themes per job (docs/insights.md): on by default; off
    # (0) labels only, about 4x faster on short comments (benchmarks/insights_cost.py), and
    # such jobs have no aspects or themes.
    insights: bool = True
    worker_id: str = ""
    worker_id_source: str = "auto"

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(
                    f"PIPELINE_{name.upper()}={value!r} is not one of {', '.join(allowed)}"
                )
        _check_numbers(self)
        if not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ConfigError(
                f"PIPELINE_RETENTION_DAYS={self.retention_days:g} must be the days after which "
                f"a finished job is erased, at most {MAX_RETENTION_DAYS:,} (100 years), or 0 to "
                "keep every job for ever"
            )
        check_target(self.chunk_target_s, "PIPELINE_CHUNK_TARGET_S")
        check_target(self.insight_chunk_target_s, "PIPELINE_INSIGHT_CHUNK_TARGET_S")
        if not math.isfinite(self.turn_s) or self.turn_s < 0:
            raise ConfigError(
                f"PIPELINE_TURN_S={self.turn_s} must be 0 (a job is labelled to its end) or "
                "more seconds"
            )
        if not self.heartbeat_s > 0:
            raise ConfigError(
                f"PIPELINE_HEARTBEAT_S={self.heartbeat_s:g} must be more than 0 seconds"
            )
        if not 2 * self.heartbeat_s <= self.worker_stale_s:
            raise ConfigError(
                f"PIPELINE_WORKER_STALE_S={self.worker_stale_s:g} must be at least twice "
                f"PIPELINE_HEARTBEAT_S={self.heartbeat_s:g}: one late beat must not make "
                "the master take a working worker for dead"
            )
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite:///{Path(self.data_dir) / 'pipeline.db'}"
            )
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment; keyword overrides beat environment variables."""
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"PIPELINE_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw, hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def client_key(self) -> str:
        """The key a client of the API sends: ``api_key``, or what ``api_key_file`` holds
        (``read_key_file``). ConfigError when both are set: which one is meant cannot be
        guessed, and a key silently ignored would be sent in the other's place."""
        if not self.api_key_file:
            return self.api_key
        if self.api_key.strip():
            raise ConfigError(
                "PIPELINE_API_KEY and PIPELINE_API_KEY_FILE are both set: keep one (the file, "
                "on a machine other accounts share)"
            )
        return read_key_file(Path(self.api_key_file), "PIPELINE_API_KEY_FILE")


KEY_FILE_MOST_BYTES = 4096
"""More than any key (``sp_`` and 43 characters): a larger file is not a key file."""


def read_key_file(path: Path, source: str, refusal: type[PipelineError] = ConfigError) -> str:
    """The key ``path`` holds (spaces and line breaks around it dropped), failing closed:
    ``refusal`` naming ``source`` and the file, never its content, for a file that cannot be
    read, holds no key or more than one line, or that other accounts may read or change
    (any group or other permission bit, as ssh refuses a private key: ``chmod 600``).
    A shell's ``<(pass show api-key)`` is a pipe of the user's own, and is read as a file."""
    named = f"{source} {path}"
    try:
        with open(path.expanduser(), "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if os.name == "posix" and mode & 0o077:
                raise refusal(
                    f"{named}: other accounts may read or change it (mode "
                    f"{stat.S_IMODE(mode):04o}); make it the owner's alone: chmod 600 {path}"
                )
            content = handle.read(KEY_FILE_MOST_BYTES + 1)
    except OSError as exc:
        raise refusal(f"cannot read {named}: {exc.strerror or exc}") from exc
    if len(content) > KEY_FILE_MOST_BYTES:
        raise refusal(f"{named} is not a key file: over {KEY_FILE_MOST_BYTES:,} bytes")
    try:
        key = content.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise refusal(f"{named} is not a key file: it is not text") from None
    if not key:
        raise refusal(f"{named} holds no key: it is empty")
    if len(key.splitlines()) > 1:
        raise refusal(f"{named} holds more than one line: a key file holds the key alone")
    return key


_POSITIVE_SECONDS = ("master_interval_s", "visibility_timeout_s")
"""Durations that must be more than 0: a master ticking every -1 s would spin."""
_SECONDS = ("worker_poll_s",)
"""Durations that may be 0 (no wait between polls) but not less."""


def _check_numbers(settings: Settings) -> None:
    """Refuse a whole number out of its range, naming its variable and the range."""
    for name, least in _LEAST.items():
        value = getattr(settings, name)
        if value < least:
            raise ConfigError(f"PIPELINE_{name.upper()}={value} must be at least {least}")
    for names, fits, bound in (
        (_POSITIVE_SECONDS, (0.0).__lt__, "more than 0"),
        (_SECONDS, (0.0).__le__, "at least 0"),
    ):
        for name in names:
            value = getattr(settings, name)
            if not fits(value):  # NaN too
                raise ConfigError(f"PIPELINE_{name.upper()}={value:g} must be {bound} seconds")
    if settings.min_workers > settings.max_workers:
        raise ConfigError(
            f"PIPELINE_MIN_WORKERS={settings.min_workers} must be at most "
            f"PIPELINE_MAX_WORKERS={settings.max_workers}"
        )
    if settings.api_port not in PORTS:
        raise ConfigError(
            f"PIPELINE_API_PORT={settings.api_port} must be a TCP port, {PORTS.start} to "
            f"{PORTS.stop - 1}"
        )


def _convert(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is Path:
            return Path(raw).expanduser()
        if kind is bool:
            return _boolean(raw)
        return raw
    except ValueError as exc:
        message = f"PIPELINE_{name.upper()}={raw!r} is not a valid {kind.__name__}"
        if kind is bool:
            message = f"{message}: {exc}"
        raise ConfigError(message) from exc


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"use one of {', '.join(_TRUE + _FALSE)}")
