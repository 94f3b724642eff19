"""Start-up: seconds from starting ``analyze`` or a worker to its first labelled chunk.

Each run starts a fresh process and times until the first chunk of a comment file
(benchmarks/comments.py) is labelled:

- ``analyze``: ``python -m pipeline analyze FILE``; the first chunk is labelled when its
  progress bar (stderr) first counts a comment;
- ``worker``: a job is submitted to a fresh embedded backend (SQLite), then ``python -m pipeline
  worker`` is started on it (as the master starts one: warm-up included); the first chunk is
  labelled when the job's ``rows_done`` in the database passes 0. The worker is then stopped.

Caches: ``cold`` gives the process an empty PIPELINE_MODEL_CACHE (the adapter is merged and the
merge saved), ``warm`` one that already holds the merged model. Trees: this checkout, and with
``--baseline-tree DIR`` the ``pipeline`` package of DIR (``git archive HEAD pipeline | tar -x
-C DIR``) first on PYTHONPATH, run interleaved, so before and after meet the same load.

``--tree DIR`` tests DIR's package instead of the installed one (a snapshot, while the
working tree changes); ``--set NAME=VALUE`` adds an environment variable to every process.
Figures per case: median seconds to the first chunk, the CPU seconds the process had used by
then (less sensitive than seconds to other work on a shared machine) and those of its main
thread alone (the critical path: on an idle machine, with a core for the other threads, about
the seconds), over ``--runs``. Usage:
``python benchmarks/startup.py --runs 3 --baseline-tree /tmp/before``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments

COMMANDS = ("analyze", "worker")
CACHES = ("cold", "warm")
TEXT = "comment"
PROGRESS = re.compile(rb"(\d+)/\d+ \[")
TIMEOUT_S = 600.0
SUBMIT = (
    "import sys; from pathlib import Path; from pipeline import service; "
    "from pipeline.bootstrap import init_backend; from pipeline.settings import Settings; "
    "service.submit(init_backend(Settings.from_env()), Path(sys.argv[1]), sys.argv[2])"
)


@dataclass(frozen=True)
class Tree:
    """The code under test: the installed package (``path`` None) or DIR/pipeline. Processes
    run in a temporary folder, so the current directory's package does not shadow DIR's."""

    name: str
    path: Path | None = None
    settings: tuple[tuple[str, str], ...] = ()

    def env(self, cache: Path, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            **dict(self.settings),
            "HF_HUB_OFFLINE": "1",
            "PIPELINE_MODEL_CACHE": str(cache),
            **extra,
        }
        if self.path is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(self.path), env.get("PYTHONPATH")])
            )
        return env


@dataclass(frozen=True)
class Start:
    seconds: float
    cpu_s: float
    main_cpu_s: float
    """CPU seconds of the main thread alone: the critical path when the process's other
    threads (the language detector unpacking beside the imports) have a core of their own, so
    about the first chunk's seconds on an idle machine."""


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def main_thread_cpu_seconds(process: psutil.Process) -> float:
    """The main thread's user + system CPU seconds (its thread id is the process id)."""
    for thread in process.threads():
        if thread.id == process.pid:
            return float(thread.user_time + thread.system_time)
    return float("nan")


def started(seconds: float, process: psutil.Process) -> Start:
    return Start(seconds, cpu_seconds(process), main_thread_cpu_seconds(process))


def time_analyze(tree: Tree, cache: Path, source: Path, folder: Path) -> Start:
    """Seconds until ``analyze``'s progress bar first counts a labelled comment; the process is
    stopped then (the rest of the file is not start-up)."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "analyze", str(source), "--text-column", TEXT,
         "--output", str(folder / "out.csv")],
        env=tree.env(cache), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder,
    )  # fmt: skip
    process = psutil.Process(child.pid)
    first: list[Start] = []
    labelled = threading.Event()
    stderr = child.stderr
    assert stderr is not None

    def watch() -> None:
        seen = b""
        while chunk := os.read(stderr.fileno(), 4096):
            seen = (seen + chunk)[-256:]
            if not first and any(int(n) > 0 for n in PROGRESS.findall(seen)):
                first.append(started(time.perf_counter() - began, process))
                labelled.set()
        labelled.set()

    threading.Thread(target=watch, daemon=True).start()
    labelled.wait(timeout=TIMEOUT_S)
    stop(child)
    if not first:
        raise RuntimeError(f"analyze ({tree.name}) exited {child.returncode} before a chunk")
    return first[0]


def stop(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def time_worker(tree: Tree, cache: Path, source: Path, folder: Path) -> Start:
    """Seconds from starting a worker on a queued job until the job's first rows are done."""
    env = tree.env(cache, PIPELINE_DATA_DIR=str(folder / "data"))
    subprocess.run(
        [sys.executable, "-c", SUBMIT, str(source), TEXT], env=env, check=True, cwd=folder
    )
    database = folder / "data" / "pipeline.db"
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder,
    )  # fmt: skip
    process = psutil.Process(child.pid)
    try:
        while time.perf_counter() - began < TIMEOUT_S:
            if child.poll() is not None:
                raise RuntimeError(f"the worker ({tree.name}) exited {child.returncode}")
            if rows_done(database) > 0:
                return started(time.perf_counter() - began, process)
            time.sleep(0.02)
        raise RuntimeError(f"the worker ({tree.name}) labelled nothing in {TIMEOUT_S:.0f} s")
    finally:
        stop(child)


def rows_done(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        row = connection.execute("SELECT max(rows_done) FROM jobs").fetchone()
    return int(row[0] or 0)


def run_case(tree: Tree, command: str, warm_cache: Path, source: Path) -> Start:
    with tempfile.TemporaryDirectory(prefix="startup-") as temporary:
        folder = Path(temporary)
        cache = warm_cache if command.endswith("warm") else folder / "cache"
        timer = time_analyze if command.startswith("analyze") else time_worker
        return timer(tree, cache, source, folder)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", nargs="+", choices=COMMANDS, default=list(COMMANDS))
    parser.add_argument("--caches", nargs="+", choices=CACHES, default=list(CACHES))
    parser.add_argument("--tree", type=Path, default=None, help="default: the installed package")
    parser.add_argument("--baseline-tree", type=Path, default=None)
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="env, both")
    args = parser.parse_args(argv)

    settings = tuple((name, value) for name, _, value in (i.partition("=") for i in args.set))
    this = args.tree.resolve() if args.tree is not None else None
    trees = [Tree("this tree", this, settings)]
    if args.baseline_tree is not None:
        trees.append(Tree("baseline", args.baseline_tree.resolve(), settings))
    cases = [f"{command} {cache}" for command in args.commands for cache in args.caches]
    results: dict[tuple[str, str], list[Start]] = {}
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as temporary:
        folder = Path(temporary)
        source = write_comments(folder / "comments.csv", args.rows)
        warm_cache = folder / "warm-cache"
        time_analyze(trees[0], warm_cache, source, folder)  # fills the warm cache
        for run in range(args.runs):
            for case in cases:
                for tree in trees:
                    start = run_case(tree, case, warm_cache, source)
                    results.setdefault((case, tree.name), []).append(start)
                    print(
                        f"run {run + 1} {case:<13} {tree.name:<10} first chunk "
                        f"{start.seconds:6.2f} s, {start.cpu_s:5.2f} CPU s, "
                        f"{start.main_cpu_s:5.2f} main-thread CPU s",
                        flush=True,
                    )
    load = os.getloadavg()[0]
    print(
        f"\nmedians of {args.runs} runs, {args.rows} rows, {' '.join(args.set)} "
        f"(load average now {load:.1f})"
    )
    print(
        "| case | tree | first chunk (s) | CPU s by then | main thread CPU s "
        "| × baseline (s) | × baseline (main thread CPU s) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for case in cases:
        base = results.get((case, "baseline"))
        for tree in trees:
            starts = results[(case, tree.name)]
            seconds = statistics.median(s.seconds for s in starts)
            cpu = statistics.median(s.cpu_s for s in starts)
            main_cpu = statistics.median(s.main_cpu_s for s in starts)
            ratio = ""
            if base is not None:
                base_s = statistics.median(s.seconds for s in base)
                base_main = statistics.median(s.main_cpu_s for s in base)
                ratio = f" {seconds / base_s:.2f} | {main_cpu / base_main:.2f} |"
            print(
                f"| {case} | {tree.name} | {seconds:.2f} | {cpu:.2f} | {main_cpu:.2f} |"
                f"{ratio or ' | |'}"
            )


if __name__ == "__main__":
    main()
