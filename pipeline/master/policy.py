"""How many workers there should be: a pure function of what the master observes.

Scale up at once to meet demand (one worker per queued or running job with a message, up to the
limit: ``ScalingInputs.demand``); never go below the workers that hold a job; scale down only
after the whole system has been idle for the idle timeout, and then to zero (or the configured
minimum).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import ConfigError
from pipeline.ports import WorkerInfo


@dataclass(frozen=True)
class ScalingInputs:
    backlog: int
    """Messages waiting to be received."""
    in_flight: int
    """Messages received and not yet deleted (being processed, or held by a dead worker)."""
    workers: int
    """Workers the fleet lists as starting or running."""
    busy_workers: int
    """Workers whose heartbeat says they hold a job."""
    idle_for_s: float
    """Seconds since there was last any demand or busy worker."""
    live_jobs: int | None = None
    """Jobs queued or running, where known (``pipeline.master.demand``): a message of a job
    cancelled or erased while queued waits for a worker to drop it, and is no work."""

    @property
    def demand(self) -> int:
        """Messages that stand for work: all of them, at most one per live job."""
        return work_waiting(self.backlog + self.in_flight, self.live_jobs)


@dataclass(frozen=True)
class ScalingLimits:
    min_workers: int = 0
    max_workers: int = 2
    idle_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_workers <= self.max_workers:
            raise ConfigError(
                f"worker limits must satisfy 0 <= min ({self.min_workers}) <= max "
                f"({self.max_workers})"
            )
        if self.idle_timeout_s < 0:
            raise ConfigError("the worker idle timeout cannot be negative")


def work_waiting(messages: int, live_jobs: int | None) -> int:
    """The messages, capped by the live jobs where their number is known. The cap drops the
    messages of ended jobs; a live job whose message is not sent yet adds nothing (the message
    is counted at the next tick)."""
    return messages if live_jobs is None else min(messages, live_jobs)


def desired_workers(observed: ScalingInputs, limits: ScalingLimits) -> int:
    demand = observed.demand
    if demand > 0:
        wanted = max(observed.workers, min(demand, limits.max_workers))
    elif observed.idle_for_s >= limits.idle_timeout_s:
        wanted = 0
    else:
        wanted = observed.workers
    floor = max(limits.min_workers, observed.busy_workers)
    return max(floor, min(wanted, limits.max_workers))


def idle_to_stop(active: list[WorkerInfo], busy: set[str], surplus: int) -> list[str]:
    """The newest idle workers, at most ``surplus`` of them; busy workers are never chosen."""
    if surplus <= 0:
        return []
    idle = [worker for worker in active if worker.worker_id not in busy]
    idle.sort(key=lambda worker: worker.started_at or 0.0, reverse=True)
    return [worker.worker_id for worker in idle[:surplus]]
