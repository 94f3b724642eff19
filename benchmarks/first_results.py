"""First results: seconds from submitting a file to its results, cold and warm.

Each run starts the embedded product (``sentiment-pipeline up`` as a child process,
benchmarks/embedded.py) with its defaults unless a scenario says otherwise, waits until the
product's processes are quiet (less than ``--quiet-cpu`` CPU seconds per second: the API, the
fork server and any warm worker have finished starting), submits a file of realistic comments
(benchmarks/comments.py) over HTTP, polls its status every ``--poll-s`` and downloads the results
CSV once it has succeeded. The poll is 0.1 s by default: the product's own clients poll once a
second, and polling every 20 ms (the default before) cost 2-4 ms of CPU in ``up`` and 0.5-1.4 ms
in the client per status answer, 12-27 % of one core of a 2-core machine taken from the worker
being measured. Scenarios:

- ``cold``: PIPELINE_MIN_WORKERS=0: no worker runs; the submission makes the master start one;
- ``ready``: the product's own warm pool (``up``'s default on one machine): workers started with
  the product wait, idle; the first job;
- ``warm``: the same file again (``fresh``) right after the first job.

Figures per run: **first results**, submit → every label committed (the job's own
``labelled_at``, on the same clock as the submit: no poll delay; the worker labels every row
before it works out what the comments are about, so the results, summaries and CSV hold every
label from then on; a tree without ``labelled_at`` counts its ``finished_at``), and beside it
submit → finished (``finished_at``: succeeded, insights and results CSV included), submit →
labelled and → succeeded as the polls saw them, submit → results downloaded, the job's time
queued and processing (its own timestamps), the CPU seconds the product's processes used from
submit to results (less sensitive than seconds to other work on a shared machine), and the
machine's 1-minute load average at submit. Medians over ``--runs``.

Each repeat also times the **model alone**: a fresh process loads the model as a worker does,
warms it up, and labels the same file in memory (``label_frame``: the screen and the model,
no queue, database or HTTP), so each scenario is also given as a multiple of the model's own
time measured under the same load.

With ``--baseline-tree DIR`` every run is repeated, interleaved, with the ``pipeline`` package of
DIR (e.g. ``git archive HEAD | tar -x -C DIR`` of an earlier commit) put first on PYTHONPATH, so
before and after are measured in one session under the same load, and their ratios reported.
Usage: ``python benchmarks/first_results.py --rows 300 10000 --runs 3``; ``--set
PIPELINE_CHUNK_ROWS=512`` adds a setting to every run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments
from embedded import start_embedded

TEXT = "comment"
SCENARIOS = ("cold", "ready", "warm")
MODEL_ONLY = "model"
TERMINAL = ("succeeded", "failed", "cancelled")
MODEL_ONLY_CODE = """
import sys, time
import pandas as pd
from pipeline.labelling import label_frame
from pipeline.model.predictor import Predictor
from pipeline.model.screening import CommentScreen
from pipeline.settings import Settings

source, column = sys.argv[1], sys.argv[2]
settings = Settings.from_env()
predictor = Predictor.load(
    settings.model,
    batch_size=settings.batch_size,
    device=settings.device,
    precision=settings.precision,
)
screen = CommentScreen.from_settings(settings)
frame = pd.read_csv(source, dtype=str, keep_default_na=False)
label_frame(predictor, frame.head(2), column, settings.max_comment_chars, screen)
started = time.perf_counter()
label_frame(predictor, frame, column, settings.max_comment_chars, screen)
print(time.perf_counter() - started)
"""


@dataclass(frozen=True)
class Tree:
    """The code under test: this checkout (``path`` None) or another tree's package."""

    name: str
    path: Path | None = None

    def environment(self, model_cache: Path) -> dict[str, str]:
        env = {"PIPELINE_MODEL_CACHE": str(model_cache)}
        if self.path is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(self.path), os.environ.get("PYTHONPATH", "")])
        return env


@dataclass
class Run:
    tree: str
    scenario: str
    rows: int
    figures: dict[str, float] = field(default_factory=dict)


def product_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and every process under it (ended children not
    counted: quiet-waiting and the per-run figure only compare moments of one tree)."""
    total = 0.0
    try:
        processes = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    except psutil.NoSuchProcess:
        return total
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_quiet(root: int, cpu_per_s: float, timeout_s: float) -> float:
    """Wait until the product's processes use less than ``cpu_per_s`` CPU seconds in a second;
    returns the seconds waited."""
    started = time.monotonic()
    before = product_cpu_s(root)
    while time.monotonic() - started < timeout_s:
        time.sleep(1.0)
        now = product_cpu_s(root)
        if now - before < cpu_per_s:
            return time.monotonic() - started
        before = now
    raise SystemExit(f"the product never went quiet within {timeout_s:.0f} s")


def submit_and_collect(
    client: httpx.Client, source: Path, root: int, poll_s: float, fresh: bool
) -> dict[str, float]:
    """Submit ``source``; time until it succeeded and until its results CSV is downloaded."""
    cpu_before = product_cpu_s(root)
    load = os.getloadavg()[0]
    submitted = datetime.now(UTC)
    started = time.perf_counter()
    with source.open("rb") as handle:
        answer = client.post(
            "/v1/jobs",
            files={"file": (source.name, handle)},
            data={"text_column": TEXT, "fresh": str(fresh).lower()},
        )
    answer.raise_for_status()
    request_id = answer.json()["request_id"]
    labelled_seen: float | None = None
    while (status := client.get(f"/v1/jobs/{request_id}").json())["status"] not in TERMINAL:
        if labelled_seen is None and status.get("labelled_at"):
            labelled_seen = time.perf_counter() - started
        time.sleep(poll_s)
    done = time.perf_counter() - started
    if status["status"] != "succeeded":
        raise SystemExit(f"the job ended {status['status']}: {status['error']}")
    results = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"})
    results.raise_for_status()
    downloaded = time.perf_counter() - started
    lines = results.text.count("\n")
    created, began, ended = (
        datetime.fromisoformat(status[k]) for k in ("created_at", "started_at", "finished_at")
    )
    labelled = datetime.fromisoformat(status.get("labelled_at") or status["finished_at"])
    return {
        "load_1m": load,
        "submit_to_labelled_s": (labelled - submitted).total_seconds(),
        "submit_to_labelled_seen_s": done if labelled_seen is None else labelled_seen,
        "submit_to_finished_s": (ended - submitted).total_seconds(),
        "submit_to_done_s": done,
        "submit_to_results_s": downloaded,
        "queued_s": (began - created).total_seconds(),
        "processing_s": (ended - began).total_seconds(),
        "product_cpu_s": product_cpu_s(root) - cpu_before,
        "result_lines": float(lines),
    }


def run_server(
    tree: Tree, scenario_settings: Mapping[str, str], source: Path, args: argparse.Namespace
) -> list[tuple[str, dict[str, float]]]:
    """One ``up``: cold measures its first file; ready and warm the first and second."""
    with tempfile.TemporaryDirectory(prefix="first-results-") as scratch:
        settings = {**args.extra, **scenario_settings, **tree.environment(args.model_cache)}
        if args.model:
            settings["PIPELINE_MODEL"] = args.model
        process, url = start_embedded(Path(scratch) / "data", settings)
        try:
            waited = wait_quiet(process.pid, args.quiet_cpu, args.quiet_timeout_s)
            with httpx.Client(base_url=url, timeout=600) as client:
                first = submit_and_collect(client, source, process.pid, args.poll_s, True)
                first["waited_quiet_s"] = waited
                if scenario_settings.get("PIPELINE_MIN_WORKERS") == "0":
                    return [("cold", first)]
                second = submit_and_collect(client, source, process.pid, args.poll_s, True)
                return [("ready", first), ("warm", second)]
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()


def model_only(tree: Tree, source: Path, args: argparse.Namespace) -> dict[str, float]:
    """Seconds the model alone takes to label ``source`` in a process of its own (loaded and
    warmed up first, not timed), with the product's settings as ``up`` would have them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(args.extra, **tree.environment(args.model_cache), HF_HUB_OFFLINE="1")
    if args.model:
        env["PIPELINE_MODEL"] = args.model
    load = os.getloadavg()[0]
    command = [sys.executable, "-c", MODEL_ONLY_CODE, str(source), TEXT]
    answer = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    seconds = float(answer.stdout.split()[-1])
    return {
        "load_1m": load,
        "submit_to_labelled_s": seconds,
        "submit_to_done_s": seconds,
        "submit_to_results_s": seconds,
    }


def prime_model_cache(tree: Tree, args: argparse.Namespace) -> None:
    """Load the model once with this tree, so a tree that caches its merged model has done so
    (what every start after a product's first one finds)."""
    env = {**os.environ, **tree.environment(args.model_cache), "HF_HUB_OFFLINE": "1"}
    code = "import sys; from pipeline.model.loading import load_model; load_model(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, args.model or "default"], env=env, check=True)


def main(argv: Sequence[str] | None = None) -> list[Run]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default=None, help="PIPELINE_MODEL (default: the product's)")
    parser.add_argument("--baseline-tree", type=Path, default=None)
    parser.add_argument("--model-cache", type=Path, default=None, help="default: a scratch one")
    parser.add_argument(
        "--scenarios", nargs="+", choices=("cold", "ready"), default=["cold", "ready"]
    )
    parser.add_argument("--poll-s", type=float, default=0.1)
    parser.add_argument("--quiet-cpu", type=float, default=0.05)
    parser.add_argument("--quiet-timeout-s", type=float, default=1800.0)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PIPELINE_NAME=VALUE",
        help="another setting for every run (repeatable), e.g. to hold both trees to one chunking",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    args.extra = dict(item.split("=", 1) for item in args.set)

    trees = [Tree("this")]
    if args.baseline_tree is not None:
        trees.append(Tree("baseline", args.baseline_tree.resolve()))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="first-results-") as scratch:
        folder = Path(scratch)
        os.chdir(folder)  # a source tree in the working folder would shadow PYTHONPATH's
        args.model_cache = args.model_cache or folder / "model-cache"
        for tree in trees:
            prime_model_cache(tree, args)
        print(f"load average at start: {os.getloadavg()}", flush=True)
        for rows in args.rows:
            source = write_comments(folder / f"comments-{rows}.csv", rows)
            for repeat in range(args.runs):
                model_s = {}
                for tree in trees:
                    runs.append(Run(tree.name, MODEL_ONLY, rows, model_only(tree, source, args)))
                    model_s[tree.name] = runs[-1].figures["submit_to_results_s"]
                    _print_run(runs[-1], repeat)
                for start in args.scenarios:
                    for tree in trees:
                        scenario = {"PIPELINE_MIN_WORKERS": "0"} if start == "cold" else {}
                        for name, figures in run_server(tree, scenario, source, args):
                            figures["times_model"] = (
                                figures["submit_to_results_s"] / model_s[tree.name]
                            )
                            runs.append(Run(tree.name, name, rows, figures))
                            _print_run(runs[-1], repeat)
        print(f"load average at end: {os.getloadavg()}")
    _report(runs, [tree.name for tree in trees], args.rows)
    if args.json:
        args.json.write_text(json.dumps([run.__dict__ for run in runs], indent=2) + "\n")
    return runs


def _print_run(run: Run, repeat: int) -> None:
    f = run.figures
    if run.scenario == MODEL_ONLY:
        print(
            f"[{repeat + 1}] {run.tree:8} {run.scenario:5} {run.rows:>6,} rows: labelled in "
            f"process in {f['submit_to_done_s']:6.2f} s (load {f['load_1m']:.1f})",
            flush=True,
        )
        return
    print(
        f"[{repeat + 1}] {run.tree:8} {run.scenario:5} {run.rows:>6,} rows: submit→labelled "
        f"{f['submit_to_labelled_s']:6.2f} s (seen {f['submit_to_labelled_seen_s']:.2f} s), "
        f"→finished {f['submit_to_finished_s']:6.2f} s, →done seen {f['submit_to_done_s']:6.2f} s, "
        f"→results {f['submit_to_results_s']:6.2f} s "
        f"(queued {f['queued_s']:.2f} s, processing {f['processing_s']:.2f} s), product CPU "
        f"{f['product_cpu_s']:.1f} s, load {f['load_1m']:.1f}, ×model {f['times_model']:.2f}",
        flush=True,
    )


def _median(runs: list[Run], tree: str, scenario: str, rows: int, figure: str) -> float:
    values = [
        r.figures[figure] for r in runs if (r.tree, r.scenario, r.rows) == (tree, scenario, rows)
    ]
    return statistics.median(values) if values else float("nan")


def _report(runs: list[Run], trees: list[str], sizes: list[int]) -> None:
    print(
        "\nmedians: first results = submit → every label committed (labelled_at); submit → "
        "succeeded (finished_at, insights included); submit → results downloaded (submit → "
        "done seen); product CPU seconds, load average; ×model = results downloaded / the "
        "model alone labelling the file in process in the same repeat (the median of those "
        "ratios)"
    )
    for rows in sizes:
        for scenario in (MODEL_ONLY, *SCENARIOS):
            cells = []
            for tree in trees:
                results = _median(runs, tree, scenario, rows, "submit_to_results_s")
                done = _median(runs, tree, scenario, rows, "submit_to_done_s")
                load = _median(runs, tree, scenario, rows, "load_1m")
                if scenario == MODEL_ONLY:
                    cells.append(f"{tree} {results:6.2f} s, load {load:.1f}")
                    continue
                cpu = _median(runs, tree, scenario, rows, "product_cpu_s")
                model = _median(runs, tree, scenario, rows, "times_model")
                finished = _median(runs, tree, scenario, rows, "submit_to_finished_s")
                labelled = _median(runs, tree, scenario, rows, "submit_to_labelled_s")
                cells.append(
                    f"{tree} first results {labelled:6.2f} s, succeeded {finished:6.2f} s, "
                    f"results {results:6.2f} s ({done:.2f} s, ×model {model:.2f}), "
                    f"CPU {cpu:5.1f} s, load {load:.1f}"
                )
            line = f"{rows:>6,} rows {scenario:5}: " + " | ".join(cells)
            if len(trees) == 2 and scenario != MODEL_ONLY:
                this = _median(runs, trees[0], scenario, rows, "submit_to_labelled_s")
                base = _median(runs, trees[1], scenario, rows, "submit_to_labelled_s")
                line += f" | first results this/baseline {this / base:.2f}"
            print(line)


if __name__ == "__main__":
    main()
