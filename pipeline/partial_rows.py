"""What a reader of part of a job's rows must be told first: a job still running, or one that
was cancelled or failed before its last row and never will be finished. Pure, so the command
line and the app say it in the same words."""

from __future__ import annotations

SHARES_HOLD = "these shares are of those rows only"


def partial_note(
    status: str, rows_done: int, rows_total: int, holds: str = SHARES_HOLD
) -> str | None:
    """``job cancelled: 2 of 4 rows labelled; <holds>`` (``so far`` for a job queued or
    running); None for a job that succeeded with every row."""
    if status == "succeeded" and rows_done >= rows_total:
        return None
    so_far = " so far" if status in ("queued", "running") else ""
    return f"job {status}: {rows_done:,} of {rows_total:,} rows labelled{so_far}; {holds}"
