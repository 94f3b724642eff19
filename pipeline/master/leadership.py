"""Whether this master may reconcile now: it holds the master lease, freshly renewed.

Two masters can run at once (two submissions start a Fargate task each; a second ``up`` or
``master`` on one machine); two reconciling at once would start twice the workers and stop
each other's. Each master therefore renews a lease in the database before every tick and ticks
only while it holds it; the others wait as standbys and take over once it stops renewing.

Never two: the database gives the lease to one holder until an expiry it sets from its own
clock. The holder counts its own deadline on its monotonic clock from *before* it asked, so
that deadline falls no later than the database's expiry, and it starts a tick only with at
least half the lease left: a tick (well under a second here) ends before a standby can win.
A renewal that fails or comes back lost stops reconciling at once.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Callable

from pipeline.db import LeaseRecord, LeaseRepository

log = logging.getLogger(__name__)

MASTER_LEASE = "master"


def master_id() -> str:
    """host:pid:random: readable in logs, unique even for a pid reused on another host."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Leadership:
    def __init__(
        self,
        leases: LeaseRepository,
        ttl_s: float,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.leases = leases
        self.ttl_s = ttl_s
        self.holder = holder or master_id()
        self._clock = clock
        self._valid_until = -math.inf
        self._leading = False
        self._waiting_on: str | None = None
        """The other holder this standby last said it waits on (logged once per holder)."""

    @property
    def leading(self) -> bool:
        """Held at the last ``hold`` (it may have lapsed since; ``hold`` says for sure)."""
        return self._leading

    def hold(self) -> bool:
        """Take or renew the lease; True when this master may run one tick now."""
        asked_at = self._clock()
        try:
            lease = self.leases.acquire(MASTER_LEASE, self.holder, self.ttl_s)
        except Exception:
            self._lose(None)
            raise
        if lease is None or lease.holder != self.holder:
            self._lose(lease)
            return False
        self._valid_until = asked_at + self.ttl_s
        if not self._leading:
            log.info("master %s holds the master lease: it reconciles now", self.holder)
        self._leading = True
        self._waiting_on = None
        return self._clock() + self.ttl_s / 2 < self._valid_until

    def release(self) -> None:
        """Give the lease up on a clean stop, so that a standby takes over at its next try
        instead of waiting for the lease to expire."""
        if not self._leading:
            return
        self._leading = False
        self._valid_until = -math.inf
        try:
            self.leases.release(MASTER_LEASE, self.holder)
        except Exception:
            log.warning("could not release the master lease; it expires in %.0f s", self.ttl_s)

    def _lose(self, lease: LeaseRecord | None) -> None:
        self._valid_until = -math.inf
        other = lease.holder if lease is not None else None
        if self._leading:
            log.warning(
                "master %s lost the master lease%s: it stopped reconciling",
                self.holder,
                f" to {other}" if other else "",
            )
        self._leading = False
        if lease is not None and other != self._waiting_on:
            self._waiting_on = other
            log.info(
                "master %s waits: master %s holds the lease (until %s); trying again every tick",
                self.holder,
                other,
                lease.expires_at.isoformat(timespec="seconds"),
            )
