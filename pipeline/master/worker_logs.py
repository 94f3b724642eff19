"""What a local worker wrote last: the master names it when a worker dies starting.

Local workers write to ``<data dir>/logs/<worker id>.log`` (``pipeline.bootstrap.build_fleet``).
A worker that refuses to start ends its log with why (``error: PIPELINE_ALERT_URL must be …``,
or a traceback's last line); other fleets' workers log elsewhere, and are not read.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.messages import bounded
from pipeline.terminal_text import inert

WORKER_LOGS = "logs"
"""The folder of the local workers' logs, under the data folder."""
TAIL_BYTES = 4096
"""Read from the end of a log: its last line, however long the log."""


def last_line(folder: Path, worker_id: str) -> str | None:
    """The last line of ``worker_id``'s log in ``folder``, made inert and bounded; None
    without one."""
    try:
        with (folder / f"{worker_id}.log").open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - TAIL_BYTES))
            tail = log.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return inert(bounded(lines[-1])) if lines else None
