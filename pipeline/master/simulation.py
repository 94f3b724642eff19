"""Replay a day of job arrivals through the master's own scaling policy, in simulated time.

What a scaling choice costs (GPU instance-hours) and what it saves against an always-on
instance, and what it costs users (how long a job waits for a worker), before anything runs
on AWS. Each master tick observes the simulated queue and fleet exactly as ``Master.tick``
observes the real ones, then asks ``desired_workers`` and ``idle_to_stop`` from
``pipeline.master.policy`` — the same functions, not a copy — what to do.

The fleet model is the ECS capacity provider of ``infra/template.yaml``: a started worker
needs a GPU instance; a new instance is billed from its launch and is ready after
``cold_start_s``; a stopped worker's instance stays up (and billed) for ``scale_in_delay_s``,
and a worker started meanwhile reuses it after ``warm_start_s``. One worker labels one job at
a time at ``rows_per_second``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.errors import ConfigError
from pipeline.master.policy import ScalingInputs, ScalingLimits, desired_workers, idle_to_stop
from pipeline.ports import WorkerInfo

DAY_S = 24 * 60 * 60


@dataclass(frozen=True)
class Arrival:
    """A job submitted ``at_s`` seconds into the trace, with ``rows`` comments."""

    at_s: float
    rows: int


@dataclass(frozen=True)
class FleetModel:
    rows_per_second: float = 2000.0
    """One worker, end to end (reading, model, database writes)."""
    cold_start_s: float = 300.0
    """A new GPU instance: boot, join the cluster, pull the worker image, load the model."""
    warm_start_s: float = 30.0
    """A worker placed on an instance that is still up: start the container, load the model."""
    scale_in_delay_s: float = 900.0
    """How long an instance without a worker stays (billed) before ECS removes it."""
    price_per_hour: float = 0.526
    tick_s: float = 2.0
    """The master's reconcile interval."""

    def __post_init__(self) -> None:
        if self.rows_per_second <= 0 or self.tick_s <= 0:
            raise ConfigError("rows_per_second and tick_s must be positive")
        if min(self.cold_start_s, self.warm_start_s, self.scale_in_delay_s) < 0:
            raise ConfigError("start times and the scale-in delay cannot be negative")


@dataclass(frozen=True)
class SimulationResult:
    waits_s: tuple[float, ...]
    """Per job, in arrival order: seconds from its arrival until a worker started it."""
    billed_s: float
    """GPU instance-seconds billed."""
    price_per_hour: float
    end_s: float
    """When the simulation stopped: the horizon, or later if work or instances remained."""
    instances_launched: int

    @property
    def worker_hours(self) -> float:
        return self.billed_s / 3600.0

    @property
    def cost(self) -> float:
        return self.worker_hours * self.price_per_hour

    @property
    def p95_wait_s(self) -> float:
        return percentile(self.waits_s, 95)

    @property
    def mean_wait_s(self) -> float:
        return sum(self.waits_s) / len(self.waits_s) if self.waits_s else 0.0

    @property
    def max_wait_s(self) -> float:
        return max(self.waits_s, default=0.0)


@dataclass
class _Instance:
    launched_at: float
    ready_at: float
    released_at: float | None = None
    idle_until: float | None = None
    """While no worker uses it: when ECS removes it."""


@dataclass
class _Worker:
    worker_id: str
    instance: _Instance
    started_at: float
    available_at: float
    """When it can take the next job: once ready, then whenever its job ends."""
    busy_until: float = -math.inf


class _Fleet:
    """Simulated workers on simulated instances, billed from launch to release."""

    def __init__(self, model: FleetModel) -> None:
        self.model = model
        self.instances: list[_Instance] = []
        self.workers: list[_Worker] = []
        self._started = 0

    def start(self, now: float, ready_at_once: bool = False) -> None:
        self._started += 1
        waiting = [i for i in self.instances if i.idle_until is not None]
        if waiting and not ready_at_once:
            instance = waiting[0]
            instance.idle_until = None
            ready = max(now + self.model.warm_start_s, instance.ready_at)
        else:
            ready = now if ready_at_once else now + self.model.cold_start_s
            instance = _Instance(launched_at=now, ready_at=ready)
            self.instances.append(instance)
        self.workers.append(_Worker(f"w{self._started}", instance, now, ready))

    def stop(self, worker_ids: set[str], now: float) -> None:
        for worker in self.workers:
            if worker.worker_id in worker_ids:
                worker.instance.idle_until = now + self.model.scale_in_delay_s
        self.workers = [w for w in self.workers if w.worker_id not in worker_ids]

    def release_expired(self, now: float) -> None:
        for instance in self.instances:
            if instance.idle_until is not None and instance.idle_until <= now:
                instance.released_at, instance.idle_until = instance.idle_until, None

    @property
    def draining(self) -> bool:
        return any(instance.idle_until is not None for instance in self.instances)

    def billed_s(self, end: float) -> float:
        return sum(
            (end if i.released_at is None else i.released_at) - i.launched_at
            for i in self.instances
        )


def simulate(
    arrivals: Sequence[Arrival],
    limits: ScalingLimits,
    model: FleetModel,
    horizon_s: float = DAY_S,
) -> SimulationResult:
    """Run the policy over the trace until the horizon and until the fleet has scaled in.

    With ``limits.min_workers`` > 0 that many workers are up and ready from the start and
    kept throughout: ``min_workers == max_workers`` is an always-on fleet."""
    upcoming = deque(sorted(range(len(arrivals)), key=lambda index: arrivals[index].at_s))
    pending: deque[int] = deque()
    waits: dict[int, float] = {}
    fleet = _Fleet(model)
    for _ in range(limits.min_workers):
        fleet.start(0.0, ready_at_once=True)
    now = last_activity = 0.0
    while True:
        while upcoming and arrivals[upcoming[0]].at_s <= now:
            pending.append(upcoming.popleft())
        _assign(pending, fleet.workers, arrivals, waits, model, now)
        busy = {w.worker_id for w in fleet.workers if w.busy_until > now}
        if pending or busy:
            last_activity = now
        observed = ScalingInputs(
            backlog=len(pending),
            in_flight=len(busy),
            workers=len(fleet.workers),
            busy_workers=len(busy),
            idle_for_s=now - last_activity,
        )
        desired = desired_workers(observed, limits)
        for _ in range(desired - len(fleet.workers)):
            fleet.start(now)
        listed = [WorkerInfo(w.worker_id, "running", w.started_at) for w in fleet.workers]
        fleet.stop(set(idle_to_stop(listed, busy, len(fleet.workers) - desired)), now)
        fleet.release_expired(now)
        settled = len(fleet.workers) <= limits.min_workers and not fleet.draining
        if now >= horizon_s and not (upcoming or pending or busy) and settled:
            break
        now += model.tick_s
    end = max(now, horizon_s)
    return SimulationResult(
        waits_s=tuple(waits[index] for index in range(len(arrivals))),
        billed_s=fleet.billed_s(end),
        price_per_hour=model.price_per_hour,
        end_s=end,
        instances_launched=len(fleet.instances),
    )


def percentile(values: Sequence[float], rank: float) -> float:
    """Nearest-rank percentile (the smallest value with ``rank`` % of values at or below)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = max(1, math.ceil(rank / 100 * len(ordered)))
    return ordered[position - 1]


def _assign(
    pending: deque[int],
    workers: list[_Worker],
    arrivals: Sequence[Arrival],
    waits: dict[int, float],
    model: FleetModel,
    now: float,
) -> None:
    """Ready workers take waiting jobs in arrival order, at the exact moment both are there
    (workers long-poll the queue, so they do not wait for the master's tick)."""
    while pending:
        free = [w for w in workers if w.available_at <= now]
        if not free:
            return
        worker = min(free, key=lambda w: w.available_at)
        index = pending.popleft()
        begin = max(arrivals[index].at_s, worker.available_at)
        waits[index] = begin - arrivals[index].at_s
        end = begin + arrivals[index].rows / model.rows_per_second
        worker.busy_until = worker.available_at = end
