"""The API Lambda's entry: builds the Gateway once per cold start, from the environment.

A cold start that cannot build it (database not migrated, a queue missing, the database
down) answers with the error's status and code, and the next event tries again. What to fix
goes to the function's log, not to the caller: no key has been checked yet, and the reason
names the database's host, login and name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from pipeline.api.errors import error_answer
from pipeline.api.gateway import Answer, Gateway
from pipeline.bootstrap import open_backend
from pipeline.settings import Settings

log = logging.getLogger(__name__)
COLD_START_DETAIL = "the service could not start; the API function's log says why"

# Starting the master is a side errand of a submit or a poll, inside API Gateway's 29 s: an ECS
# endpoint that does not answer costs seconds, not botocore's default minutes of retries.
ECS_FROM_LAMBDA: dict[str, Any] = {
    "connect_timeout": 2,
    "read_timeout": 5,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}


def gateway_from_environment(environ: Mapping[str, str] | None = None) -> Gateway:
    """PIPELINE_* settings; with PIPELINE_DATABASE_SECRET_ARN the database password comes from
    Secrets Manager; on the aws backend the master's Fargate task is started on demand."""
    settings = Settings.from_env(environ)
    backend = open_backend(settings)
    if settings.backend != "aws":
        return Gateway(backend)
    from botocore.config import Config

    from pipeline.adapters import aws

    ecs = aws.aws_client("ecs", settings, Config(**ECS_FROM_LAMBDA))
    return Gateway(backend, ensure_master=lambda: aws.ensure_master(settings, ecs))


class LambdaEntry:
    """The handler object: ``handler(event, context)`` → an API Gateway proxy result."""

    def __init__(self, build: Callable[[], Gateway] = gateway_from_environment) -> None:
        self._build = build
        self._gateway: Gateway | None = None

    def __call__(self, event: Mapping[str, Any], _context: Any = None) -> dict[str, Any]:
        if self._gateway is None:
            try:
                self._gateway = self._build()
            except Exception as exc:
                log.error("the API could not start: %s", exc, exc_info=exc)
                error = error_answer(exc)
                body = {**error.body, "detail": COLD_START_DETAIL}
                return Answer.json(error.status, body, error.headers).to_proxy()
        return self._gateway.handle(event)
