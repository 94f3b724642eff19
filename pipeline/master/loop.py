"""The reconcile loop: observe queue, heartbeats and fleet; apply the policy; repeat.

Like rq's worker pool it compares desired and actual workers every tick. It only ever stops
workers whose heartbeat shows no job, and it turns dead letters into failed jobs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.bootstrap import Backend
from pipeline.master.policy import ScalingInputs, ScalingLimits, desired_workers, idle_to_stop
from pipeline.ports import WorkerFleet
from pipeline.service import settle_dead_letters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    observed: ScalingInputs
    desired: int
    started: list[str]
    stopped: list[str]
    failed_jobs: list[str]
    fleet_size: int
    """Workers listed by the fleet after this tick's changes, including those stopping."""


class Master:
    def __init__(
        self,
        backend: Backend,
        fleet: WorkerFleet,
        limits: ScalingLimits,
        interval_s: float = 2.0,
        exit_idle_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``exit_idle_s`` > 0 makes ``run`` return once no job, message or worker has been seen
        for that long (a master on Fargate that should not run, and cost, forever)."""
        self.backend = backend
        self.fleet = fleet
        self.limits = limits
        self.interval_s = interval_s
        self.exit_idle_s = exit_idle_s
        self._clock = clock
        self._last_activity = clock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._stale_after_s = backend.settings.visibility_timeout_s

    @classmethod
    def from_settings(cls, backend: Backend, fleet: WorkerFleet) -> Master:
        settings = backend.settings
        return cls(
            backend,
            fleet,
            ScalingLimits(
                min_workers=settings.min_workers,
                max_workers=settings.max_workers,
                idle_timeout_s=settings.worker_idle_timeout_s,
            ),
            interval_s=settings.master_interval_s,
            exit_idle_s=settings.master_exit_idle_s,
        )

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Reconcile now instead of at the end of the interval: a job was just submitted, and
        a cold start should not wait up to ``interval_s`` before a worker is started."""
        self._wake.set()

    def _pause(self) -> None:
        self._wake.wait(self.interval_s)
        self._wake.clear()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.tick()
            except Exception:
                log.exception("reconcile tick failed; trying again in %.1f s", self.interval_s)
                self._pause()
                continue
            if self._idle_exit_due(report):
                log.info("idle for %.0f s with no workers: the master exits", self.exit_idle_s)
                return
            self._pause()

    def tick(self) -> TickReport:
        failed = settle_dead_letters(self.backend)
        workers = self.backend.repository.workers
        workers.prune(self._stale_after_s)
        listed = self.fleet.list_workers()
        active = [worker for worker in listed if worker.state != "stopping"]
        holding = workers.busy(self._stale_after_s)
        busy = {worker.worker_id for worker in active if worker.worker_id in holding}
        depth = self.backend.queue.depth()
        now = self._clock()
        if depth.total or holding:
            self._last_activity = now
        observed = ScalingInputs(
            backlog=depth.visible,
            in_flight=depth.in_flight,
            workers=len(active),
            busy_workers=len(busy),
            idle_for_s=now - self._last_activity,
        )
        desired = desired_workers(observed, self.limits)
        started = self.fleet.start(desired - len(active)) if desired > len(active) else []
        stopped = idle_to_stop(active, busy, len(active) - desired)
        if stopped:
            self.fleet.stop(stopped)
        if started or stopped:
            log.info(
                "workers %d → %d: started %s, stopped %s", len(active), desired, started, stopped
            )
        return TickReport(
            observed=observed,
            desired=desired,
            started=started,
            stopped=stopped,
            failed_jobs=failed,
            fleet_size=len(listed) + len(started),
        )

    def _idle_exit_due(self, report: TickReport) -> bool:
        observed = report.observed
        return (
            self.exit_idle_s > 0
            and report.fleet_size == 0
            and observed.backlog + observed.in_flight == 0
            and observed.idle_for_s >= self.exit_idle_s
        )
