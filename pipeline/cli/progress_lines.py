"""A followed job's progress where stderr is no terminal (a cron job's mail, ``2>> log``,
nohup's file): plain lines, one when the job's phase changes or another tenth of it is done,
never a bar redrawn each second, whose ``\\r`` frames make one giant line of near-identical
copies in a log. Pure but for ``on_terminal``."""

from __future__ import annotations

from typing import Any, TextIO

from pipeline.terminal_text import inert

STEPS = 10
"""A line each tenth of a phase's rows: a dozen lines for a job of any size."""


def on_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (a bar can be redrawn in place there); a stream that
    cannot say (closed, or no file) is not one."""
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def progress_mark(job: Any) -> tuple[str, int]:
    """What a new line is due on: the job's phase (its status, or working out what the
    comments are about once they are all labelled) and how many tenths of that phase's
    rows are done."""
    from pipeline.ui.progress import working_out

    counts = working_out(job)
    if counts is not None:
        phase, (done, total) = "about what", counts
    else:
        phase, done, total = job.status, job.rows_done, job.rows_total
    return phase, STEPS * done // total if total > 0 else 0


def progress_line(job: Any, pace: str) -> str:
    """``r1: 512/21000 rows (2%), 35 rows/s, about 12 min left``: the job's rows and the
    service's ``pace`` (its rate and time left, or its phase), inert."""
    share = f" ({job.rows_done / job.rows_total:.0%})" if job.rows_total > 0 else ""
    return inert(f"{job.request_id}: {job.rows_done}/{job.rows_total} rows{share}, {pace}")
