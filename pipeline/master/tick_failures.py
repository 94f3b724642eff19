"""How the master reports a reconcile tick that keeps failing: once in full, then briefly.

A database or store that is down makes every tick fail the same way, every
``PIPELINE_MASTER_INTERVAL_S`` (2 s by default): a traceback each time buries the one that
says why, and whatever else the log holds. The first failure of a kind is logged with its
traceback, failures of a kind already shown in the streak as one line at most every
``REPEAT_EVERY_S`` with how many ticks failed, and the first tick that succeeds after them
says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

REPEAT_EVERY_S = 60.0
"""How often a failure that goes on is logged again (one line, with its count)."""


_NUMBERS = re.compile(r"\d+")


def failure_kind(exc: BaseException) -> str:
    """What makes two failures "the same": their type and message, its numbers aside (a
    driver's message may carry a connection id, a port or a time that changes each tick)."""
    return _NUMBERS.sub("N", f"{type(exc).__name__}: {exc}")


class TickFailures:
    """The streak of failed ticks and what has been logged of it."""

    def __init__(self, log: logging.Logger, clock: Callable[[], float]) -> None:
        self._log = log
        self._clock = clock
        self._seen: set[str] = set()
        self._count = 0
        self._first_at = 0.0
        self._said_at = 0.0

    def failed(self, exc: BaseException, retry_in_s: float) -> None:
        """Log this failure: in full if its kind is new to the streak, else as one line once
        every ``REPEAT_EVERY_S``."""
        kind = failure_kind(exc)
        now = self._clock()
        if not self._count:
            self._first_at = now
        self._count += 1
        if kind not in self._seen:
            self._seen.add(kind)
            self._said_at = now
            self._log.error(
                "reconcile tick failed; trying again every %.1f s", retry_in_s, exc_info=exc
            )
            return
        if now - self._said_at >= REPEAT_EVERY_S:
            self._said_at = now
            self._log.error(
                "reconcile tick still failing: %d ticks in a row over %.0f s (%s)",
                self._count,
                now - self._first_at,
                kind,
            )

    def succeeded(self) -> None:
        """Say that ticks work again after a streak of failures, once."""
        if self._count:
            self._log.warning(
                "reconcile tick succeeded after %d failed in a row over %.0f s",
                self._count,
                self._clock() - self._first_at,
            )
        self._seen.clear()
        self._count = 0
