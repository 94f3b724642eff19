"""The reconcile loop: observe queue, live jobs, heartbeats and fleet; apply the policy; repeat.

Like rq's worker pool it compares desired and actual workers every tick. It only ever stops
workers whose heartbeat shows no job (or shows nothing any more: ``recovery.py`` hands such a
worker's message back at once, as it does for a worker process that ended), it turns dead
letters into failed jobs, and it sends a message to a live job whose message never went out
or is gone (``pipeline.service.unsent``), after erasing again any job whose erasure a database
restored from a backup lost (``pipeline.service.restored_erasures``). Only the master holding
the master lease ticks (``leadership.py``); any other one waits as a standby. A worker that
dies starting is named with its last words (a local worker's last log line, ECS's reason for
stopping its task, EC2's for stopping its instance: ``WorkerFleet.last_words``), and the next
start waits, longer each time in a row (``policy.StartBackoff``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from pipeline.bootstrap import Backend
from pipeline.errors import ConfigError
from pipeline.master.demand import live_jobs
from pipeline.master.leadership import Leadership
from pipeline.master.policy import (
    START_WINDOW_S,
    ScalingInputs,
    ScalingLimits,
    StartBackoff,
    desired_workers,
    died_starting,
    idle_to_stop,
    work_waiting,
)
from pipeline.master.recovery import Recovery, recover_dead_workers
from pipeline.master.tick_failures import TickFailures
from pipeline.master.worker_logs import WORKER_LOGS, last_line
from pipeline.master.worker_settings import check_worker_settings
from pipeline.ports import WorkerFleet, WorkerInfo
from pipeline.service import settle_dead_letters
from pipeline.service.erase import RETENTION_BATCH, erase_expired
from pipeline.service.restored_erasures import RestoredErasureCheck
from pipeline.service.unsent import resend_stranded, resend_unsent

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 3600.0
"""How often the master looks for jobs past their retention."""


@dataclass(frozen=True)
class TickReport:
    observed: ScalingInputs
    desired: int
    started: list[str]
    stopped: list[str]
    failed_jobs: list[str]
    fleet_size: int
    """Workers listed by the fleet after this tick's changes, including those stopping."""
    recovery: Recovery
    """Workers found gone this tick, and the jobs whose messages were handed back."""
    erased_jobs: tuple[str, ...] = ()
    """Jobs erased this tick at the end of their retention (``PIPELINE_RETENTION_DAYS``)."""
    died_starting: tuple[str, ...] = ()
    """Workers of this master that ended before their first beat, soon after their start."""
    stranded_jobs: tuple[str, ...] = ()
    """Live jobs whose queue message was gone, sent a new one this tick (``unsent.py``)."""
    erased_again: tuple[str, ...] = ()
    """Jobs erased before the database was restored from a backup, erased again this tick
    (``pipeline.service.restored_erasures``)."""


class Master:
    def __init__(
        self,
        backend: Backend,
        fleet: WorkerFleet,
        limits: ScalingLimits,
        interval_s: float = 2.0,
        exit_idle_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        leadership: Leadership | None = None,
        retention_days: float = 0.0,
        calendar: Callable[[], datetime] = lambda: datetime.now(UTC),
        last_words: Callable[[str], str | None] | None = None,
    ) -> None:
        """``exit_idle_s`` > 0 makes ``run`` return once no job, message or worker has been seen
        for that long (a master on Fargate that should not run, and cost, forever).
        ``leadership``: the lease ``run`` ticks under (default: the master lease in the
        backend's database, ``PIPELINE_MASTER_LEASE_S``). ``retention_days`` > 0: finished jobs
        are erased that long after they finished, looked for every ``RETENTION_EVERY_S`` of
        ``clock`` (and while a pass finds a full batch), the days counted on ``calendar``. Jobs
        erased before the database was restored from a backup are erased again, whatever the
        retention (``pipeline.service.restored_erasures``), checked from the first tick on.
        ``last_words``: why a worker ended, named when it died starting (default: what the
        fleet says, ``WorkerFleet.last_words``)."""
        self.backend = backend
        self.fleet = fleet
        self.limits = limits
        self.interval_s = interval_s
        self.exit_idle_s = exit_idle_s
        self._clock = clock
        self._last_activity = clock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._stale_after_s = backend.settings.worker_stale_s
        self.retention_days = retention_days
        self._calendar = calendar
        self._retention_due = clock()
        self._restored = RestoredErasureCheck(clock)
        self._last_words = last_words or fleet.last_words
        self._starting: dict[str, float] = {}
        """Workers this master started that have not yet shown they started: id → their
        start, or the last tick the fleet listed them as still starting."""
        self._backoff = StartBackoff()
        self._failures = TickFailures(log, clock)
        self.leadership = leadership or Leadership(
            backend.repository.leases, backend.settings.master_lease_s
        )
        fleet.notify_exits(self.wake)

    @classmethod
    def from_settings(cls, backend: Backend, fleet: WorkerFleet) -> Master:
        """The master the settings describe; ConfigError for a lease too short for the ticks
        and, on the local fleet, whose workers run on these settings, for one every worker
        would refuse at its start (``worker_settings``). EC2 and ECS workers have their own,
        and their fleet says why one ended."""
        settings = backend.settings
        local = settings.fleet == "local"
        if local:
            check_worker_settings(settings)
        if settings.master_lease_s < 2 * settings.master_interval_s:
            raise ConfigError(
                f"PIPELINE_MASTER_LEASE_S={settings.master_lease_s:g} must be at least twice "
                f"PIPELINE_MASTER_INTERVAL_S={settings.master_interval_s:g}: the master renews "
                "its lease once per tick, and a lease that lapses between ticks hands it over"
            )
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
            retention_days=settings.retention_days,
            last_words=partial(last_line, settings.data_dir / WORKER_LOGS) if local else None,
        )

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Reconcile now instead of at the end of the interval: a job was just submitted, and
        a cold start should not wait up to ``interval_s`` before a worker is started; or a
        worker's process ended, and the message it held should not wait either."""
        self._wake.set()

    def _pause(self) -> None:
        self._wake.wait(self.interval_s)
        self._wake.clear()

    def run(self) -> None:
        """Tick every interval while this master holds the lease, wait as a standby while
        another one does; release the lease on the way out so a standby takes over at once."""
        try:
            while not self._stop.is_set():
                try:
                    report = self.tick_if_leading()
                except Exception as exc:
                    self._failures.failed(exc, self.interval_s)
                    self._pause()
                    continue
                self._failures.succeeded()
                if report is not None and self._idle_exit_due(report):
                    log.info("idle for %.0f s with no workers: the master exits", self.exit_idle_s)
                    return
                self._pause()
        finally:
            self.leadership.release()

    def tick_if_leading(self) -> TickReport | None:
        """One tick if this master holds the lease, else None. A master that just took over
        counts from now before it calls the fleet idle: what it inherits was not idle to it."""
        was_leading = self.leadership.leading
        if not self.leadership.hold():
            return None
        if not was_leading:
            self._last_activity = self._clock()
        return self.tick()

    def tick(self) -> TickReport:
        failed = settle_dead_letters(self.backend)
        erased_again = self._restored.tick(self.backend)  # before any job is sent a message
        resend_unsent(self.backend, self._calendar())  # before the depth, which counts them
        erased = self._erase_expired()
        workers = self.backend.repository.workers
        ended = self.fleet.exited()
        recovery = recover_dead_workers(
            self.backend.queue, workers, self.fleet, self._stale_after_s, ended
        )
        listed = self.fleet.list_workers()
        active = [worker for worker in listed if worker.state != "stopping"]
        holding = workers.busy(self._stale_after_s)
        busy = {worker.worker_id for worker in active if worker.worker_id in holding}
        # after the recovery, which hands dead workers' messages back; before the depth
        stranded = resend_stranded(self.backend, set(holding.values()), self._calendar())
        depth = self.backend.queue.depth()
        live = live_jobs(self.backend.repository)  # after the depth: see live_jobs
        now = self._clock()
        dead_at_start = self._note_starts(ended, recovery, active, now)
        if work_waiting(depth.total, live) or holding:
            self._last_activity = now
        observed = ScalingInputs(
            backlog=depth.visible,
            in_flight=depth.in_flight,
            workers=len(active),
            busy_workers=len(busy),
            idle_for_s=now - self._last_activity,
            live_jobs=live,
        )
        desired = desired_workers(observed, self.limits)
        startable = self._backoff.startable(desired - len(active), now)
        started = self.fleet.start(startable) if startable else []
        self._starting.update((worker_id, now) for worker_id in started)
        stopped = idle_to_stop(active, busy, len(active) - desired)
        if stopped:
            self.fleet.stop(stopped)
            for worker_id in stopped:
                self._starting.pop(worker_id, None)
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
            recovery=recovery,
            erased_jobs=tuple(erased),
            died_starting=tuple(dead_at_start),
            stranded_jobs=tuple(stranded),
            erased_again=tuple(erased_again),
        )

    def _note_starts(
        self, ended: list[str], recovery: Recovery, active: list[WorkerInfo], now: float
    ) -> list[str]:
        """The workers that died starting, each logged with its last words, and the back-off
        they call for. The window counts from when the fleet stops listing a worker as
        starting (an ECS task waits minutes for a GPU instance, then fails to pull its image).
        A worker still listed past the window, or one that beat before it ended, has
        started: the back-off is over."""
        for worker in active:
            if worker.state == "starting" and worker.worker_id in self._starting:
                self._starting[worker.worker_id] = now
        dead = died_starting(ended, self._starting, recovery.exited, now)
        listed = {worker.worker_id for worker in active}
        past = [worker_id for worker_id, at in self._starting.items() if now - at > START_WINDOW_S]
        for worker_id in (*ended, *past):
            self._starting.pop(worker_id, None)
        started = set(recovery.exited) | (set(past) & listed)
        if dead:
            self._backoff = self._backoff.failed(len(dead), now)
            for worker_id in dead:
                log.error(
                    "worker %s ended before it took a job (%d in a row died starting): %s; "
                    "the next worker starts in %.0f s",
                    worker_id,
                    self._backoff.failures,
                    self._last_words(worker_id) or "its last words are not known",
                    self._backoff.not_before - now,
                )
        elif self._backoff.failures and started:
            log.info("a worker started, after %d that died starting", self._backoff.failures)
            self._backoff = StartBackoff()
        return dead

    def _erase_expired(self) -> list[str]:
        """The retention pass when it is due: at the first tick, then every
        ``RETENTION_EVERY_S``, and at once again after a pass that erased a full batch."""
        now = self._clock()
        if self.retention_days <= 0 or now < self._retention_due:
            return []
        erased = erase_expired(self.backend, self.retention_days, self._calendar())
        if erased:
            log.info("erased %d jobs at the end of their retention: %s", len(erased), erased)
        full = len(erased) >= RETENTION_BATCH
        self._retention_due = now if full else now + RETENTION_EVERY_S
        return erased

    def _idle_exit_due(self, report: TickReport) -> bool:
        observed = report.observed
        return (
            self.exit_idle_s > 0
            and report.fleet_size == 0
            and observed.demand == 0  # a cancelled job's message waits for no master
            and observed.idle_for_s >= self.exit_idle_s
        )
