"""Whether this process can serve: the state of each dependency it calls.

Live is "the process answers" and needs no dependency. Ready is every dependency answering a
cheap probe now (the database would take a write, the object store and the queue answer), so
a load balancer or a person sees *which* one is down and why, not a bare "ok" beside 500s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.errors import PipelineError, ServiceUnavailableError, code_of

DEPENDENCIES = ("database", "object_store", "queue")
OK = "ok"
UNAVAILABLE = "unavailable"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DependencyState:
    """``error`` is the code the API would answer a call with (``database_locked``…)."""

    name: str
    error: str | None = None
    detail: str | None = None
    retry_after_s: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"status": OK}
        return {"status": UNAVAILABLE, "error": self.error, "detail": self.detail}


@dataclass(frozen=True)
class HealthReport:
    dependencies: tuple[DependencyState, ...]

    @property
    def ready(self) -> bool:
        return all(state.ok for state in self.dependencies)

    def state(self, name: str) -> DependencyState:
        return next(state for state in self.dependencies if state.name == name)

    @property
    def retry_after_s(self) -> int:
        """The longest wait any failing dependency suggests."""
        return max((state.retry_after_s for state in self.dependencies), default=0)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": OK if self.ready else UNAVAILABLE}
        failing = [state for state in self.dependencies if not state.ok]
        if failing:
            body["detail"] = "; ".join(f"{state.name}: {state.detail}" for state in failing)
        body["dependencies"] = {state.name: state.to_dict() for state in self.dependencies}
        return body


def check_health(backend: Backend) -> HealthReport:
    probes: dict[str, Callable[[], None]] = {
        "database": backend.repository.database.check,
        "object_store": backend.store.check,
        "queue": backend.queue.check,
    }
    return HealthReport(tuple(_probe(name, probes[name]) for name in DEPENDENCIES))


def _probe(name: str, check: Callable[[], None]) -> DependencyState:
    """A probe's failure becomes that dependency's state; a bug in a probe is logged and
    reported like an outage, since the dependency cannot be shown to work either."""
    retry_after_s = ServiceUnavailableError.retry_after_s
    try:
        check()
    except PipelineError as exc:
        if isinstance(exc, ServiceUnavailableError):
            retry_after_s = exc.retry_after_s
        return DependencyState(name, code_of(type(exc)), str(exc), retry_after_s)
    except Exception:
        log.exception("the %s health probe failed", name)
        detail = "the probe failed unexpectedly; the server log has the details"
        return DependencyState(name, "internal", detail, retry_after_s)
    return DependencyState(name)
