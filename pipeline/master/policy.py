"""How many workers there should be: a pure function of what the master observes.

Scale up at once to meet demand (one worker per queued or running job with a message, up to the
limit: ``ScalingInputs.demand``); never go below the workers that hold a job; scale down only
after the whole system has been idle for the idle timeout, and then to zero (or the configured
minimum). A worker that dies starting holds the next start back, longer each time in a row
(``StartBackoff``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
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


START_WINDOW_S = 30.0
"""A worker of this master that ends this soon after its start (after the fleet last listed it
as starting), without having beaten, died starting: a setting it refuses, an import that
fails, no memory for its model, an image ECS cannot pull. A working worker beats before its
first job; one asked to stop is not counted."""
FIRST_RETRY_S = 1.0
LONGEST_RETRY_S = 60.0


def retry_delay_s(failures: int) -> float:
    """The wait before the next start after ``failures`` workers in a row died starting:
    1 s, doubled each time, at most a minute."""
    if failures <= 0:
        return 0.0
    return min(FIRST_RETRY_S * 2.0 ** min(failures - 1, 16), LONGEST_RETRY_S)


def died_starting(
    ended: Iterable[str], started_at: Mapping[str, float], beat: Collection[str], now: float
) -> list[str]:
    """The ended workers that died starting: started by this master (``started_at``, on its
    clock) within ``START_WINDOW_S`` of ``now``, and with no beat when they ended."""
    return [
        worker_id
        for worker_id in ended
        if worker_id in started_at
        and worker_id not in beat
        and now - started_at[worker_id] <= START_WINDOW_S
    ]


@dataclass(frozen=True)
class StartBackoff:
    """Workers that died starting, in a row, and the moment before which no other starts: a
    worker that cannot start is not started again and again in a tight loop."""

    failures: int = 0
    not_before: float = -math.inf

    def failed(self, count: int, now: float) -> StartBackoff:
        failures = self.failures + count
        return StartBackoff(failures, now + retry_delay_s(failures))

    def startable(self, wanted: int, now: float) -> int:
        """How many of ``wanted`` new workers to start at ``now``: none while the back-off
        runs; after it, at most one a tick until a worker shows it started (lived past the
        start window, or ended after taking a job), which ends the back-off: ``StartBackoff()``."""
        if wanted <= 0 or now < self.not_before:
            return 0
        return min(wanted, 1) if self.failures else wanted
