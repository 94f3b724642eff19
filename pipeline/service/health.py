"""Whether this process can serve: the state of each dependency it calls.

Live is "the process answers" and needs no dependency. Ready is every dependency answering a
cheap probe now (the database would take a write and its file is whole, the object store
answers, the queue would take a message and its depth can be read), so a load balancer or a
person sees *which* one is down and why, not a bare "ok" beside 500s. A probe that fails in a
way no fault names (the queue's file removed while the service runs: its table is gone) still
reports its dependency unavailable, with the code a call would meet there, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.errors import (
    DatabaseUnavailableError,
    PipelineError,
    QueueUnavailableError,
    ServiceUnavailableError,
    StoreUnavailableError,
    code_of,
)
from pipeline.ports import QueueDepth

DEPENDENCIES = ("database", "object_store", "queue")
OK = "ok"
UNAVAILABLE = "unavailable"
UNEXPECTED: dict[str, tuple[type[ServiceUnavailableError], str]] = {
    "database": (DatabaseUnavailableError, "the database"),
    "object_store": (StoreUnavailableError, "the object store"),
    "queue": (QueueUnavailableError, "the job queue"),
}
"""What a dependency whose probe failed unexpectedly is reported as: its own unavailable
error, naming it."""

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
    queue_depth: QueueDepth | None = None
    """The queue's depth as its probe read it; None when the queue did not answer."""

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
    depths: list[QueueDepth] = []

    def queue() -> None:
        backend.queue.check()
        depths.append(backend.queue.depth())  # reads the messages themselves

    probes: dict[str, Callable[[], None]] = {
        "database": backend.repository.database.check,
        "object_store": backend.store.check,
        "queue": queue,
    }
    states = tuple(_probe(name, probes[name]) for name in DEPENDENCIES)
    return HealthReport(states, depths[0] if depths else None)


def _probe(name: str, check: Callable[[], None]) -> DependencyState:
    """A probe's failure becomes that dependency's state; one no fault names (a bug in a
    probe, or a failure its adapter does not recognise) is logged and reported as the
    dependency unavailable, since it cannot be shown to work either."""
    try:
        check()
    except PipelineError as exc:
        retry_after_s = ServiceUnavailableError.retry_after_s
        if isinstance(exc, ServiceUnavailableError):
            retry_after_s = exc.retry_after_s
        return DependencyState(name, code_of(type(exc)), str(exc), retry_after_s)
    except Exception:
        log.exception("the %s health probe failed", name)
        kind, what = UNEXPECTED[name]
        detail = f"{what} failed its probe unexpectedly; the server log has the details"
        return DependencyState(name, code_of(kind), detail, kind.retry_after_s)
    return DependencyState(name)
