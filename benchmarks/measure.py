"""Shared measuring tools for the benchmark scripts: peak memory by sampling, and timing.

``PeakRss`` samples the resident memory of a process and, optionally, of all its descendants
(each process reported on its own: the limits are per process), from a background thread, so
a stage's peak is measured rather than the process's lifetime maximum.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil

MB = 1024 * 1024


@dataclass
class PeakRss:
    """Peak RSS per process (by pid, with its command line) while the sampler runs."""

    root: int
    tree: bool = False
    interval_s: float = 0.05
    peaks: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    history: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> PeakRss:
        self.sample()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        try:
            root = psutil.Process(self.root)
            processes = [root, *root.children(recursive=True)] if self.tree else [root]
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                rss = process.memory_info().rss
                if process.pid not in self.names:
                    self.names[process.pid] = _describe(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)
            self.history.setdefault(process.pid, []).append((time.monotonic(), rss))

    @property
    def peak_mb(self) -> float:
        """The largest peak of any one process, in MiB."""
        return max(self.peaks.values(), default=0) / MB

    def timeline(self, pid: int, points: int = 5) -> list[float]:
        """RSS (MiB) of one process at evenly spaced moments of its sampled life."""
        samples = self.history.get(pid, [])
        if not samples:
            return []
        picks = [round(i * (len(samples) - 1) / (points - 1)) for i in range(points)]
        return [samples[i][1] / MB for i in picks]

    def by_process(self) -> list[tuple[str, float]]:
        """(description, peak MiB) per process, largest first."""
        rows = [(self.names.get(pid, str(pid)), peak / MB) for pid, peak in self.peaks.items()]
        return sorted(rows, key=lambda row: -row[1])


def _describe(process: psutil.Process) -> str:
    words = process.cmdline()
    if "-m" in words and words.index("-m") + 1 < len(words):
        words = words[words.index("-m") + 1 :]
    elif words:
        words = words[1:] if words[0].endswith(("python", "python3")) else words
    return f"{process.pid} " + " ".join(words)[:70]


@dataclass
class Stage:
    """One timed stage: seconds, rows, this process's peak RSS during it, extra figures."""

    name: str
    rows: int
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else float("nan")


@contextmanager
def timed(name: str, rows: int, pid: int | None = None) -> Iterator[Stage]:
    """Time the block and sample this process's RSS during it."""
    import os

    stage = Stage(name, rows)
    with PeakRss(pid or os.getpid()) as rss:
        started = time.perf_counter()
        yield stage
        stage.seconds = time.perf_counter() - started
    stage.peak_rss_mb = rss.peak_mb


def best_of(repeat: int, run: Callable[[], Stage]) -> Stage:
    """The fastest of ``repeat`` runs (the one least disturbed by other work on the machine)."""
    runs = [run() for _ in range(max(1, repeat))]
    best = min(runs, key=lambda stage: stage.seconds)
    best.extra["runs_s"] = [round(stage.seconds, 2) for stage in runs]
    return best
