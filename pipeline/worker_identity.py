"""The id a worker records in the heartbeat table: the fleet's own id for it.

The master spares a worker whose heartbeat says it holds a job, and it matches heartbeats to
the fleet's listing by id; a worker recording any other id looks idle and could be stopped
mid-job. So on ECS a worker is its task ARN (from the container metadata endpoint v4) and on
EC2 its instance id (from the instance metadata service, IMDSv2). ``PIPELINE_WORKER_ID`` wins
when set (the local fleet sets it); ``PIPELINE_WORKER_ID_SOURCE`` picks the source:
``auto`` (ECS metadata when present, else IMDS on the aws backend, else host-pid), ``ecs``,
``ec2`` or ``host``. The parsing is pure; HTTP goes through an injected ``HttpCall``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import urllib.request
from collections.abc import Callable, Mapping
from typing import Protocol

from pipeline.errors import ConfigError, PipelineError
from pipeline.settings import Settings

ECS_METADATA_VARIABLE = "ECS_CONTAINER_METADATA_URI_V4"
IMDS_URL = "http://169.254.169.254/latest"
IMDS_TOKEN_TTL_S = 60
_TASK_ARN = re.compile(r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task/\S+")
_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8,17}")

log = logging.getLogger(__name__)


class HttpCall(Protocol):
    def __call__(self, method: str, url: str, headers: Mapping[str, str]) -> str:
        """The body of a successful answer; any failure raises OSError or PipelineError."""


def host_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def task_arn_from_metadata(body: str) -> str:
    """The task ARN in the answer of ``${ECS_CONTAINER_METADATA_URI_V4}/task``."""
    try:
        arn = json.loads(body).get("TaskARN", "")
    except (ValueError, AttributeError) as exc:
        raise PipelineError("the ECS task metadata is not a JSON object") from exc
    if not isinstance(arn, str) or not _TASK_ARN.fullmatch(arn):
        raise PipelineError(f"the ECS task metadata has no valid TaskARN (got {arn!r})")
    return arn


def instance_id_from_imds(body: str) -> str:
    instance_id = body.strip()
    if not _INSTANCE_ID.fullmatch(instance_id):
        raise PipelineError(f"IMDS answered {instance_id[:40]!r}, which is not an instance id")
    return instance_id


def ecs_task_arn(environ: Mapping[str, str], http: HttpCall) -> str:
    base = environ.get(ECS_METADATA_VARIABLE, "").rstrip("/")
    if not base:
        raise ConfigError(
            f"{ECS_METADATA_VARIABLE} is not set: this worker is not an ECS task (ECS agent 1.39 "
            "or later sets it); use PIPELINE_WORKER_ID_SOURCE=ec2 or host"
        )
    return task_arn_from_metadata(http("GET", f"{base}/task", {}))


def ec2_instance_id(http: HttpCall) -> str:
    """IMDSv2: a session token first (PUT), then the instance id with that token."""
    token = http(
        "PUT",
        f"{IMDS_URL}/api/token",
        {"X-aws-ec2-metadata-token-ttl-seconds": str(IMDS_TOKEN_TTL_S)},
    ).strip()
    body = http("GET", f"{IMDS_URL}/meta-data/instance-id", {"X-aws-ec2-metadata-token": token})
    return instance_id_from_imds(body)


def resolve_worker_id(
    settings: Settings,
    environ: Mapping[str, str],
    http: HttpCall,
    fallback: Callable[[], str] = host_worker_id,
) -> str:
    """The worker's id; an explicit source that cannot be read is an error, ``auto`` falls
    back to host-pid with a warning (the master then cannot protect this worker's job)."""
    if settings.worker_id:
        return settings.worker_id
    source = settings.worker_id_source
    if source == "ecs":
        return _read_ecs(environ, http)
    if source == "ec2":
        return _read_imds(http)
    if source == "auto" and environ.get(ECS_METADATA_VARIABLE):
        return _or_fallback(lambda: _read_ecs(environ, http), "ECS task metadata", fallback)
    if source == "auto" and settings.backend == "aws":
        return _or_fallback(lambda: _read_imds(http), "EC2 instance metadata", fallback)
    return fallback()


def urllib_call(method: str, url: str, headers: Mapping[str, str], timeout_s: float = 1.0) -> str:
    """The default HttpCall: both endpoints are link-local and answer in milliseconds."""
    request = urllib.request.Request(url, method=method, headers=dict(headers))
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return str(response.read().decode("utf-8"))


def _read_ecs(environ: Mapping[str, str], http: HttpCall) -> str:
    try:
        return ecs_task_arn(environ, http)
    except OSError as exc:
        raise PipelineError(f"the ECS container metadata cannot be read ({exc})") from exc


def _read_imds(http: HttpCall) -> str:
    try:
        return ec2_instance_id(http)
    except OSError as exc:
        raise PipelineError(
            f"the EC2 instance metadata service cannot be reached ({exc}); inside a container "
            "the instance needs an IMDSv2 hop limit of 2 (HttpPutResponseHopLimit)"
        ) from exc


def _or_fallback(read: Callable[[], str], what: str, fallback: Callable[[], str]) -> str:
    try:
        return read()
    except PipelineError as exc:
        worker_id = fallback()
        log.warning("cannot read the %s (%s); worker id %s", what, exc, worker_id)
        return worker_id
