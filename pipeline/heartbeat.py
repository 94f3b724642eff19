"""The heartbeat of a delivery a worker holds: a thread that keeps the message hidden and the
worker's beat fresh for as long as the worker works on it.

The visibility timeout is short (PIPELINE_VISIBILITY_TIMEOUT_S, 60 s by default) so that a
worker that dies unseen holds its job for at most that long. Everything a delivery does can
take longer than that between two chunk commits (loading the model, downloading the input, a
chunk of very long comments, publishing a million result rows), so the extension runs on its
own clock in a thread instead of once per chunk. The beat it writes carries the receipt, which
lets the master hand the message back the moment it sees the worker is gone.

Once the queue refuses the receipt (the message was handed back or delivered again) the thread
stops extending but keeps beating: the worker is alive, and its chunk loop learns of the loss
on its own next extend. Any other failure (queue or database briefly unreachable) is logged
and tried again on the next beat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from pipeline.errors import ReceiptExpired

log = logging.getLogger(__name__)


class DeliveryHeartbeat:
    """``with DeliveryHeartbeat(extend, beat, interval_s):`` calls ``extend`` then ``beat``
    every ``interval_s`` from a daemon thread until the block ends; leaving the block waits for
    a beat in progress to finish."""

    def __init__(
        self, extend: Callable[[], None], beat: Callable[[], None], interval_s: float
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"a heartbeat interval must be positive, not {interval_s}")
        self._extend = extend
        self._beat = beat
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="delivery-heartbeat", daemon=True)
        self.holding = True
        """False once the queue refused the receipt: the message is no longer this worker's."""

    def __enter__(self) -> DeliveryHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        _kind: type[BaseException] | None,
        _error: BaseException | None,
        _trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.pulse()

    def pulse(self) -> None:
        """One heartbeat: extend the message while it is held, then beat."""
        if self.holding:
            try:
                self._extend()
            except ReceiptExpired:
                log.info("the queue no longer honours this delivery's receipt; beating only")
                self.holding = False
            except Exception:
                log.warning("could not extend the message's visibility", exc_info=True)
        try:
            self._beat()
        except Exception:
            log.warning("could not record the worker's heartbeat", exc_info=True)
