"""When a job that keeps failing is poison: failures without progress, not deliveries.

A queue's receive count cannot tell a job that crashes on the same rows every time from a long
job whose workers were killed while it kept committing rows, so counting deliveries either
gives up on healthy jobs or lets poison loop for long. The job's own trace can tell: each
delivery records the committed-row count it started from; a delivery that ends without
finishing (its worker crashed, was killed, or raised) is a failure *at* the row where the job
then stands. Failures in a row at the same row mean no progress in between; after
``max_failures`` of them the job stops, naming the rows it was stuck on. Any committed row in
between starts the count again, so a job killed any number of times while it makes progress
finishes.

Past the last row no row can be blamed. A job whose every row is labelled and analysed has
only its post-pass left (finding the themes, which clusters every comment at once: an OOM kill
there repeats on the same data) and publishing its results. Failures in a row there first give
up the themes (``THEMES_GIVEN_UP``): the count starts again and the job completes without them,
as when the post-pass raises. Only a job that keeps crashing after that fails, and its reason
names no rows.

Everything here is pure: the repository applies it inside the transaction that locks the job
row, and the worker decides at receive time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.errors import ConfigError

THEMES_GIVEN_UP = "finding the themes was given up"
"""How ``themes_error`` begins for a job whose worker kept crashing past every row."""


@dataclass(frozen=True)
class PoisonPolicy:
    max_failures: int = 2
    """Failed deliveries in a row at the same committed row before the job fails."""
    chunk_rows: int = 512
    """The most rows of a worker's chunk (``pipeline.chunk_sizing``)."""
    first_chunk_rows: int | None = None
    """The rows of a delivery's first chunk; None: every chunk has ``chunk_rows``."""

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ConfigError(
                f"PIPELINE_MAX_FAILURES_PER_CHUNK={self.max_failures} must be at least 1"
            )
        if self.chunk_rows < 1:
            raise ConfigError(f"PIPELINE_CHUNK_ROWS={self.chunk_rows} must be at least 1")
        if self.first_chunk_rows is not None and self.first_chunk_rows < 1:
            raise ConfigError(
                f"PIPELINE_FIRST_CHUNK_ROWS={self.first_chunk_rows} must be at least 1"
            )

    def suspect_rows(self, stalls: int) -> int:
        """How many rows from the committed one the crashing worker may have been on. Chunks
        vary in size, but a delivery starts with a first chunk of known size: after two
        failures in a row at the same row the last one died in its first chunk. After one,
        it may have died in any chunk, so up to the largest."""
        if stalls >= 2 and self.first_chunk_rows is not None:
            return min(self.first_chunk_rows, self.chunk_rows)
        return self.chunk_rows


@dataclass(frozen=True)
class DeliveryTrace:
    """What a job row records about its deliveries."""

    rows_done: int
    """Rows committed so far."""
    open_at: int | None
    """Committed rows when the current delivery began; None when no delivery is open."""
    stalled_at: int | None
    """Committed rows when the last failed delivery ended."""
    stalls: int
    """Failed deliveries in a row that ended at ``stalled_at``."""


def after_failure(trace: DeliveryTrace) -> DeliveryTrace:
    """The open delivery ended without finishing: one more failure where the job stands, or
    the first one there when rows were committed since the previous failure."""
    stalls = trace.stalls + 1 if trace.stalled_at == trace.rows_done else 1
    return DeliveryTrace(trace.rows_done, open_at=None, stalled_at=trace.rows_done, stalls=stalls)


def on_delivery(
    trace: DeliveryTrace, policy: PoisonPolicy, opening: bool = True
) -> tuple[DeliveryTrace, bool]:
    """A new delivery of the job: returns the updated trace and whether the job is poison.

    A delivery still open from before means its worker died without a word: that counts as a
    failure first. With ``opening`` the new delivery is recorded as open from the current row
    (the worker is about to work on it); without, only the judgement is made."""
    if trace.open_at is not None:
        trace = after_failure(trace)
    if trace.stalled_at == trace.rows_done and trace.stalls >= policy.max_failures:
        return trace, True
    return replace(trace, open_at=trace.rows_done if opening else None), False


def poison_reason(
    trace: DeliveryTrace,
    policy: PoisonPolicy,
    rows_total: int,
    last_error: str | None,
    two_phases: bool = True,
) -> str:
    """Why the job was stopped, naming the rows (counted from 1, the first row under the
    header) the worker was on each time it crashed. Past ``rows_total`` the trace counts rows
    whose insights are done (the second phase, pipeline/worker.py, with ``two_phases``);
    past every row, no row is named or blamed."""
    if past_every_row(trace, rows_total, two_phases):
        return _after_every_row(trace, rows_total, two_phases, last_error)
    if trace.rows_done < rows_total:
        where = _on_rows(trace.rows_done, policy.suspect_rows(trace.stalls), rows_total)
    else:
        analysed = trace.rows_done - rows_total
        where = f"after all {rows_total:,} rows were labelled"
        if analysed == 0:
            where += " (while working out what they are about, or publishing the results)"
        else:
            rows = _on_rows(analysed, policy.suspect_rows(trace.stalls), rows_total)
            where += f", while working out what the comments {rows} are about"
    reason = (
        f"the worker crashed {_times(trace.stalls)} {where} without committing a row, so the "
        "job was stopped rather than retried forever: look for what is unusual in those rows, "
        "fix or remove it and submit the file again"
    )
    return _with_error(reason, last_error)


def past_every_row(trace: DeliveryTrace, rows_total: int, two_phases: bool) -> bool:
    """Whether every row is labelled and, with ``two_phases``, analysed: what is left (the
    themes, publishing the results) reads every row at once, so no row can be blamed."""
    return trace.rows_done >= rows_total * (2 if two_phases else 1)


def themes_given_up(stalls: int) -> str:
    """Why a job completes without themes after its worker kept dying past every row."""
    return (
        f"{THEMES_GIVEN_UP}: the worker crashed {_times(stalls)} while finding them or "
        "publishing the results, after every row was labelled and analysed (the worker's log "
        "says why it ended: often its memory, as the themes cluster every comment at once), so "
        "the job completes without themes; every row's labels and aspects are kept"
    )


def gave_up_themes(themes_error: str | None) -> bool:
    """Whether the job's themes were given up (``themes_given_up``): not to be tried again."""
    return themes_error is not None and themes_error.startswith(THEMES_GIVEN_UP)


def without_themes(trace: DeliveryTrace, opening: bool = True) -> DeliveryTrace:
    """The trace once the themes are given up: the count starts again for what is left
    (publishing the results), and this delivery is opened (with ``opening``)."""
    return DeliveryTrace(trace.rows_done, trace.rows_done if opening else None, None, 0)


def _after_every_row(
    trace: DeliveryTrace, rows_total: int, two_phases: bool, last_error: str | None
) -> str:
    if two_phases:
        where = (
            f"after all {rows_total:,} rows were labelled and analysed (while finding their "
            "themes or publishing the results; their themes were then left out, and it kept "
            "crashing without them)"
        )
    else:
        where = f"after all {rows_total:,} rows were labelled (while publishing the results)"
    reason = (
        f"the worker crashed {_times(trace.stalls)} {where}, so the job was stopped rather than "
        "retried forever: no row is to blame, as every row's labels are committed; the "
        "worker's log says why it ended (often its memory or disk): once that is fixed, "
        "submit the file again"
    )
    return _with_error(reason, last_error)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _with_error(reason: str, last_error: str | None) -> str:
    return f"{reason} (last error: {last_error})" if last_error else reason


def _on_rows(done: int, suspects: int, rows_total: int) -> str:
    first, last = done + 1, min(done + suspects, rows_total)
    return f"on row {first:,}" if first == last else f"on rows {first:,}–{last:,}"


def needs_fresh_message(receive_count: int, max_receives: int) -> bool:
    """Whether a delivery the worker judged healthy should be re-sent as a new message.

    The queue's own count (SQS's ApproximateReceiveCount, the SQLite queue's receive_count)
    only ever grows, and at ``max_receives`` the queue dead-letters the message whatever the
    worker thinks. So a redelivery that reaches the last allowed one (with a margin of one,
    as SQS's count is approximate) is re-sent with a fresh count: the queue's limit then only
    catches deliveries that die before the worker can judge them."""
    return receive_count > 1 and receive_count >= max_receives - 1
