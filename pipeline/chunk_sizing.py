"""How many rows the worker reads into its next chunk: the first one small, then about
``target_s`` seconds each, from the times measured on the chunks before.

Why: progress, the results page and the ETA move once per committed chunk. A fixed 512 rows
took about 2 s on a 2-core CPU, so a 300-row job showed ``0 / 300`` until it was done, while a
GPU committed many times a second. Time is what a user waits on, so the sizer sizes by time.

Work is counted in characters of comment plus ``ROW_WORK`` per row (``row_work``): a chunk of
long comments holds fewer rows than one of short comments for the same time. A chunk's time is
modelled as a fixed part plus a part per unit of work (``ChunkTimes``, fitted by least
squares over the last few chunks): the fixed part (the model's per-call set-up, the commit)
is small on an idle machine but reached 2-3 s per chunk on a heavily loaded one, where sizing
by a plain rate shrank every chunk in turn down to a few rows. The next chunk gets the work
that fills ``target_s`` after the fixed part, and never less than ``OVERHEAD_FACTOR`` times
the fixed part's worth, so at most a tenth of a chunk's time is overhead (on a loaded machine
chunks then take longer than ``target_s``, up to ten times). The fixed part is never taken
for more than recent chunks took: on a noisy machine the fitted line can tilt. A
chunk never asks for more than ``max_growth`` times the largest chunk measured in its delivery
(at first, its delivery's first chunk), so one freak measurement (a chunk of blank comments,
which never reach the model) cannot make the next one huge, and a new job's chunks grow from
its own first one rather than start at the last job's largest, nor less than half the last one
measured, so a noisy one cannot make it tiny; ``max_rows`` bounds every chunk.

The times are kept across jobs, and the machine's pace can change under them (another job, a
loaded host): a chunk that took over ``SLOW_FACTOR`` times what they predict drops them, and
the next limits aim at the target at that chunk's pace, shrinking at once. Kept, the earlier
fast times outweighed it, each limit was held to half the one before, and a new job on a
machine ten times slower than the last job's took 23-41 s per chunk of 2,048 rows. Under
read-ahead the two chunks after it were sized before it was measured: they are not shrunk.

A delivery's second chunk takes every row left when, at the times measured so far, they take
at most ``TAIL_STRETCH`` times the target (``restart(rows_left)``): splitting a small job
costs more than the progress it shows. With insights, the same 300 comments took 3.7 CPU s in
chunks of 32 and 268 rows against 4.5 s in the 32+64+85+85+34 rows the sizer gave them
(small chunks make small, padded model batches; docs/performance.md, *First results*).

The reader (``pipeline.inputs.iter_chunks``) asks for a chunk's limit when it starts reading
that chunk. Under ``pipeline.readahead`` that happens while the worker still labels the chunks
before it, so a measurement shapes the chunk two after the one measured; until the first
measurement arrives, limits grow from ``first_rows``, doubling each time. That made a worker's
first job (no chunk timed yet) read a 300-row file as 32 + 64 + 128 + 76 rows where later jobs
took 32 + 268 (docs/performance.md, *A pool worker's first job*): with ``first_wait_s`` the
reader's request for a delivery's second chunk waits, while no chunk has been timed, for the
first chunk's time (at most that long, or until ``release``).

Everything here is pure apart from a lock: the read-ahead thread asks for limits while the
worker's thread records measurements.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.errors import ConfigError

ROW_WORK = 10
"""A row's fixed cost in characters of comment (the model's special tokens, the row's export
and insert). Labelling time grows about linearly with a comment's characters: with the shipped
model on a 2-core AMD EPYC (loaded), comments of 41, 197 and 649 characters on average took
1 : 4.5 : 13 times as long per row (``label_frame`` on 256, 256 and 19 of them), which a fixed
part of about 10 characters fits."""
OVERHEAD_FACTOR = 9.0
"""A chunk's work takes at least this many times the fixed part of its time: the fixed part is
at most a tenth of the chunk, the async overhead the pipeline allows itself (performance.md)."""
_FORGETTING = 0.75
"""The weight of a measurement falls by this much with each newer one (about four count)."""
_MAX_GROWTH = 4.0
_MAX_SHRINK = 2.0
_MAX_OVERHEAD_SHARE = 0.9
_RECENT = 8
"""The fixed part is at most ``_MAX_OVERHEAD_SHARE`` of the median time of the last ``_RECENT``
chunks (the median: one chunk timed in a quiet moment must not pull it down)."""
_MAX_STRETCH = 10.0
"""However large the fixed part, a chunk never aims at more than this many times the target."""
_PRIOR_OVERHEAD_SHARE = 0.5
"""Until chunks of different sizes were measured, half of a recent chunk's time is taken for
the fixed part: too much makes the next chunk larger (and so tells the parts apart), too
little, as zero would be, makes every chunk smaller in turn where the fixed part is large."""
TAIL_STRETCH = 3.0
"""A delivery's second chunk is the rest of the job if the rest should take at most this many
times the target: a small job shows its first rows at once and its last a few seconds later."""
REST_GROWTH = 10.0
"""The rest of a small job may hold up to this many times the first chunk's work (a 300-row
file: 268 rows after 32), not only ``max_growth`` times: a first chunk that was quicker than
its work says (blank or screened rows never reach the model) can then make one chunk at most
ten times the first's work, still bounded by ``TAIL_STRETCH`` targets at the measured pace."""
SLOW_FACTOR = 3.0
"""A chunk that took more than this many times what the times before it predict (and
``_LATE`` of a target more) finds the machine slower (another job, a loaded host): the times
before it are dropped, as they no longer describe the machine."""
_LATE = 0.25
"""The share of the target a slow chunk is late by at least: a tiny chunk's jitter is no
change of pace."""
_SIZED_AHEAD = 2
"""Under read-ahead the two chunks after a measured one were sized before it was measured."""
_MIN_SPREAD = 0.01
"""Below this squared coefficient of variation of the chunks' work, the fit cannot tell the
fixed part from the part per work: the last fixed part found is kept."""


def check_target(target_s: float, setting: str) -> None:
    """Refuse a chunk target that is not 0 (fixed chunks) or a finite number of seconds."""
    if not math.isfinite(target_s) or target_s < 0:
        raise ConfigError(f"{setting}={target_s} must be 0 (fixed chunks) or more seconds")


def row_work(text: object) -> int:
    """The work of labelling one comment, in characters (a missing comment costs a row)."""
    return ROW_WORK + (len(text) if isinstance(text, str) else 0)


def chunk_work(texts: Iterable[object]) -> int:
    return sum(row_work(text) for text in texts)


@dataclass(frozen=True)
class ChunkLimit:
    """Where the next chunk ends: at ``max_rows`` rows, or at the row that brings its work to
    ``work`` (None: by rows only). A chunk holds at least one row."""

    max_rows: int
    work: float | None = None

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"a chunk holds at least one row, not {self.max_rows}")

    def full(self, rows: int, work: float) -> bool:
        """Whether a chunk of ``rows`` rows holding ``work`` is complete."""
        return rows >= self.max_rows or (self.work is not None and work >= self.work)


@dataclass(frozen=True)
class Cost:
    """A chunk's time as ``overhead_s + work * seconds_per_work``."""

    overhead_s: float
    seconds_per_work: float


class ChunkTimes:
    """The recent chunks' work and time, and the line fitted through them: exponentially
    weighted least squares, so the fit follows a machine whose load changes."""

    def __init__(self, forgetting: float = _FORGETTING) -> None:
        self._forgetting = forgetting
        self._weight = self._work = self._seconds = self._work_sq = self._work_seconds = 0.0
        self._overhead_s = 0.0
        self._fitted = False
        self._recent_s: deque[float] = deque(maxlen=_RECENT)

    @property
    def empty(self) -> bool:
        return self._weight == 0.0

    def add(self, work: float, seconds: float) -> None:
        if work <= 0:
            return
        seconds = max(seconds, 0.0)
        keep = self._forgetting
        self._weight = keep * self._weight + 1.0
        self._work = keep * self._work + work
        self._seconds = keep * self._seconds + seconds
        self._work_sq = keep * self._work_sq + work * work
        self._work_seconds = keep * self._work_seconds + work * seconds
        mean_w, mean_t = self._work / self._weight, self._seconds / self._weight
        spread = self._work_sq / self._weight - mean_w * mean_w
        self._recent_s.append(seconds)
        typical_s = statistics.median(self._recent_s)
        if spread > _MIN_SPREAD * mean_w * mean_w:
            slope = (self._work_seconds / self._weight - mean_w * mean_t) / spread
            self._overhead_s = mean_t - slope * mean_w
            self._fitted = True
        elif not self._fitted:
            self._overhead_s = _PRIOR_OVERHEAD_SHARE * typical_s
        # No chunk takes less than its fixed part: noise that tilts the line cannot make it more.
        self._overhead_s = min(max(self._overhead_s, 0.0), _MAX_OVERHEAD_SHARE * typical_s)

    def predict(self, work: float) -> float:
        """The seconds the fitted line gives a chunk of ``work``."""
        cost = self.cost()
        return cost.overhead_s + work * cost.seconds_per_work

    def cost(self) -> Cost:
        """The fitted line; the part per work is what the mean time leaves after the fixed
        part, so it is never negative."""
        if self.empty:
            raise ValueError("no chunk has been measured")
        left_s = max(self._seconds - self._overhead_s * self._weight, 0.0)
        return Cost(self._overhead_s, left_s / self._work)


class ChunkSizer:
    """Chunk limits from measured chunk times; one per worker, ``restart`` at each delivery.

    ``target_s`` 0 turns sizing off: every chunk has ``max_rows`` rows, as before chunks were
    sized by time."""

    def __init__(
        self,
        max_rows: int,
        target_s: float = 1.0,
        first_rows: int = 32,
        max_growth: float = _MAX_GROWTH,
        first_wait_s: float = 0.0,
    ) -> None:
        if max_rows < 1:
            raise ConfigError(f"PIPELINE_CHUNK_ROWS={max_rows} must be at least 1")
        if first_rows < 1:
            raise ConfigError(f"PIPELINE_FIRST_CHUNK_ROWS={first_rows} must be at least 1")
        check_target(target_s, "PIPELINE_CHUNK_TARGET_S")
        if max_growth < 1:
            raise ValueError("max_growth must be at least 1")
        if first_wait_s < 0:
            raise ValueError("first_wait_s must be 0 or more seconds")
        self.max_rows = max_rows
        self.target_s = target_s
        self.first_rows = min(first_rows, max_rows) if target_s > 0 else max_rows
        """The rows of a delivery's first chunk (``pipeline.poison`` names them)."""
        self._max_growth = max_growth
        self._first_wait_s = first_wait_s
        self._lock = threading.Condition()
        self._released = False
        self._times = ChunkTimes()
        self._largest = 0.0
        self._delivery_largest = 0.0
        """The largest chunk measured in this delivery: a new job's chunks grow from its own."""
        self._last = 0.0
        self._after_slow = 0
        self._slow_pace = 0.0
        """After a slow chunk (``SLOW_FACTOR``), the limits asked until the chunks sized before
        it are measured aim at the target at its pace (seconds per work), and are not held
        to half the last chunk."""
        self._ramp = 0
        self._rows_left: int | None = None
        self._work_per_row = 0.0
        """The measured chunks' mean work per row; 0 until a chunk's rows were recorded."""

    def cost(self) -> Cost | None:
        """The chunk time model so far; None before the first measurement."""
        with self._lock:
            return None if self._times.empty else self._times.cost()

    def restart(self, rows_left: int | None = None) -> None:
        """A new delivery of a job with ``rows_left`` rows to label (None: unknown): its first
        chunk is small again, so its progress shows at once; the times measured so far are
        kept (same machine, same model, most likely), but its chunks grow from its own first
        one, at most ``max_growth`` times a chunk, as the first job's did: a machine that got
        slower since the last job meets chunks of seconds, not the last job's largest."""
        with self._lock:
            self._ramp = 0
            self._delivery_largest = self._last = 0.0
            self._rows_left = rows_left
            self._released = False

    def release(self) -> None:
        """The delivery's chunks are done with (or abandoned): a reader waiting for the first
        chunk's time stops waiting."""
        with self._lock:
            self._released = True
            self._lock.notify_all()

    def next_limit(self) -> ChunkLimit:
        with self._lock:
            if self.target_s == 0:
                return ChunkLimit(self.max_rows)
            ramp, self._ramp = self._ramp, self._ramp + 1
            if ramp == 1 and self._times.empty and self._first_wait_s > 0:
                self._lock.wait_for(
                    lambda: self._released or not self._times.empty, self._first_wait_s
                )
            if ramp == 0 or self._times.empty:
                return ChunkLimit(min(self.first_rows * 2 ** min(ramp, 20), self.max_rows))
            cost = self._times.cost()
            grown_from = self._grown_from()
            ceiling = grown_from * self._max_growth
            rest_ceiling = grown_from * max(self._max_growth, REST_GROWTH)
            if ramp == 1 and (rest := self._small_rest(cost, rest_ceiling)) is not None:
                return rest
            labelling_s = min(
                max(self.target_s - cost.overhead_s, OVERHEAD_FACTOR * cost.overhead_s),
                _MAX_STRETCH * self.target_s,
            )
            budget = (
                min(labelling_s / cost.seconds_per_work, ceiling)
                if cost.seconds_per_work > 0
                else ceiling
            )
            if self._after_slow:
                return ChunkLimit(self.max_rows, max(min(budget, self._at_slow_pace()), 1.0))
            return ChunkLimit(self.max_rows, max(budget, self._last / _MAX_SHRINK, 1.0))

    def record(self, work: float, seconds: float, rows: int = 0) -> None:
        """A chunk of ``rows`` rows (0: not told) and ``work`` was labelled and committed in
        ``seconds``."""
        with self._lock:
            self._after_slow = max(self._after_slow - 1, 0)
            self._keep_pace(work, seconds)
            self._times.add(work, seconds)
            self._largest = max(self._largest, work)
            self._delivery_largest = max(self._delivery_largest, work)
            self._last = work
            if rows > 0:
                keep = _FORGETTING if self._work_per_row else 0.0
                self._work_per_row = keep * self._work_per_row + (1 - keep) * work / rows
            self._lock.notify_all()

    def _keep_pace(self, work: float, seconds: float) -> None:
        """A chunk far slower than the times so far predict (``SLOW_FACTOR``) finds the machine
        slower: the earlier times are dropped, and the next limits aim at the target at its
        pace, so they shrink by as much at once. Kept, the fast times before it outweighed it
        for several chunks, each held to half the one before, and a new job on a machine ten
        times slower than the last one's took 23-41 s per chunk of 2,048 rows."""
        if self._times.empty or work <= 0 or self.target_s == 0:
            return
        expected = self._times.predict(work)
        if seconds <= SLOW_FACTOR * expected or seconds - expected <= _LATE * self.target_s:
            return
        self._times = ChunkTimes()
        self._after_slow = 1 + _SIZED_AHEAD
        self._slow_pace = seconds / work

    def _at_slow_pace(self) -> float:
        """The work that fills the target at the slow chunk's pace, all of its time counted
        as work: a plain rate shrinks the next chunks at once, where one measurement's fit
        would take half its time for the fixed part and aim at as long a chunk again."""
        return self.target_s / self._slow_pace

    def _grown_from(self) -> float:
        """The work a chunk may grow ``max_growth`` times from: the largest chunk measured in
        this delivery, or its first chunk's (``first_rows`` at the work per row measured)
        until one is; the largest measured ever when rows were not told."""
        first = self.first_rows * self._work_per_row
        if self._delivery_largest or first:
            return max(self._delivery_largest, first)
        return self._largest

    def _small_rest(self, cost: Cost, ceiling: float) -> ChunkLimit | None:
        """The limit that takes every row left after the first chunk (a limit of
        ``first_rows`` rows, so exactly known) if, at the mean work per row measured, they
        should take at most ``TAIL_STRETCH`` times the target; None otherwise. The limit also
        ends at that much work, so comments longer than measured cannot make it longer."""
        if self._rows_left is None or self._work_per_row == 0 or cost.seconds_per_work <= 0:
            return None
        rest = self._rows_left - self.first_rows
        budget = (TAIL_STRETCH * self.target_s - cost.overhead_s) / cost.seconds_per_work
        budget = min(budget, ceiling)
        if 0 < rest <= self.max_rows and rest * self._work_per_row <= budget:
            return ChunkLimit(rest, work=budget)
        return None
