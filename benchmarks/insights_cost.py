"""What insights cost the worker (issue 13): time per chunk with aspects and embeddings on
against PIPELINE_INSIGHTS=0, on the same comments, in one process.

``--rows`` short course comments (500; student feedback from ../shared/data, drawn with a
fixed seed) are labelled as one job by a real Worker with the shipped model, in a fresh
embedded backend per run, in chunks of ``--chunk-rows`` rows (fixed size: time sizing off).
Modes alternate (off, on, [explain]) ``--repeats`` times after one unmeasured warm-up job of
one chunk each, which loads the embedder and the aspect model and builds the first kernels;
the fastest run of each mode counts (the one least disturbed by other work on a shared
machine). Per run:
the median and total time between chunk commits (labelling, aspects, embeddings, storing and
committing the chunk), and the whole job (the themes post-pass and publishing included).
The figures that matter are the ratios on/off, measured in the same run: of the fastest
runs, of each repeat's pair, and of the process's CPU seconds (the least sensitive to other
work on the machine).

``--in-process`` measures the parts instead, without a worker, on the same comments cut in
chunks of ``--chunk-rows``: labelling, the embeddings with their clause vectors (one pass),
and the aspect tagger (its sentiment reading of clauses apart), fastest of ``--repeats``
after one warm-up, as ratios to labelling. Given several ``--chunk-rows`` (``--in-process``
only), each repeat times every chunk size in turn, and each part's fastest time is also
given as a ratio to the first size's: what the chunk size alone costs, in one run.

Usage: ``python benchmarks/insights_cost.py [--rows 500] [--chunk-rows 100 [400 ...]]
[--repeats 2] [--explain] [--in-process] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 20261201
MAX_CHARS = 200
"""Short comments: the case where the extra encoders weigh most against labelling."""


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--chunk-rows", type=int, nargs="+", default=[100])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--explain", action="store_true", help="also time explain=true jobs")
    parser.add_argument("--aspect-model", type=Path, help="an aspect model directory to use")
    parser.add_argument("--in-process", action="store_true", help="time the parts, no worker")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if len(args.chunk_rows) > 1 and not args.in_process:
        parser.error("several --chunk-rows are compared with --in-process only")

    from pipeline.model.predictor import Predictor

    comments = sample_comments(args.data_dir, args.rows)
    predictor = Predictor.load("default", precision=args.precision)
    if args.in_process:
        return report(in_process(predictor, comments, args), args)
    modes = ["off", "on", *(["explain"] if args.explain else [])]
    with tempfile.TemporaryDirectory(prefix="insights-cost-") as folder:
        source = Path(folder) / "comments.csv"
        warm = Path(folder) / "warm.csv"
        write_comments(source, comments)
        write_comments(warm, comments[: args.chunk_rows[0]])
        for mode in modes:  # warm-up: models loaded, kernels built
            run_job(predictor, warm, Path(folder) / f"warm-{mode}", mode, args)
        runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
        for repeat in range(args.repeats):
            for mode in modes:
                run = run_job(predictor, source, Path(folder) / f"{mode}-{repeat}", mode, args)
                print(f"{mode} run {repeat + 1}: {run}", file=sys.stderr, flush=True)
                runs[mode].append(run)
    best = {mode: min(found, key=lambda run: run["chunks_s"]) for mode, found in runs.items()}
    result: dict[str, Any] = {
        "command": "python benchmarks/insights_cost.py " + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, predictor {predictor.precision}",
        "rows": len(comments),
        "mean_chars": round(statistics.mean(len(c) for c in comments), 1),
        "chunk_rows": args.chunk_rows[0],
        "runs": runs,
        "best": best,
        "ratios_to_off": {
            mode: {
                "median_chunk": round(
                    best[mode]["median_chunk_s"] / best["off"]["median_chunk_s"], 2
                ),
                "chunks": round(best[mode]["chunks_s"] / best["off"]["chunks_s"], 2),
                "job": round(best[mode]["job_s"] / best["off"]["job_s"], 2),
                "job_cpu": round(
                    min(r["job_cpu_s"] for r in runs[mode])
                    / min(r["job_cpu_s"] for r in runs["off"]),
                    2,
                ),
                "paired_job": [
                    round(run["job_s"] / off["job_s"], 2)
                    for run, off in zip(runs[mode], runs["off"], strict=True)
                ],
            }
            for mode in modes
        },
    }
    return report(result, args)


def report(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    shown = {k: v for k, v in result.items() if k != "runs"}
    if "by_chunk_rows" in shown:
        shown["by_chunk_rows"] = {
            size: {k: v for k, v in found.items() if k != "runs"}
            for size, found in shown["by_chunk_rows"].items()
        }
    print(json.dumps(shown, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def in_process(predictor: Any, comments: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Seconds of each part per run over every chunk (fastest of the repeats) and ratios, for
    each chunk size, the sizes interleaved within each repeat."""
    import os

    from pipeline.insights.loading import embedding_precision, shared_embedder
    from pipeline.model.aspects import AspectTagger
    from pipeline.model.aspects.clauses import clause_layout

    embedder = shared_embedder(embedding_precision(predictor), predictor.device)
    tagger = AspectTagger.load(args.aspect_model, sentiment_labels=predictor.labels)
    sizes: list[int] = args.chunk_rows
    reading = {"s": 0.0, "clauses": 0}

    def read_clauses(texts: Sequence[str]) -> Any:
        clock = time.perf_counter()
        probs = predictor.predict_proba(texts)
        reading["s"] += time.perf_counter() - clock
        reading["clauses"] += len(texts)
        return probs

    def one_run(size: int) -> dict[str, float]:
        chunks = [comments[i : i + size] for i in range(0, len(comments), size)]
        reading.update(s=0.0, clauses=0)
        clock = time.perf_counter()
        probs = [predictor.predict_proba(chunk) for chunk in chunks]
        labelling, clock = time.perf_counter() - clock, time.perf_counter()
        vectors = [embedder.embed_with_spans(c, clause_layout(c)[2]) for c in chunks]
        embedding, clock = time.perf_counter() - clock, time.perf_counter()
        for chunk, p, (found, clauses) in zip(chunks, probs, vectors, strict=True):
            tagger.tag(
                chunk,
                found,
                p,
                embed=embedder.embed,
                score_sentiment=read_clauses,
                clause_embeddings=clauses,
            )
        return {
            "labelling_s": labelling,
            "embedding_with_clauses_s": embedding,
            "aspects_s": time.perf_counter() - clock,
            "clause_sentiment_s": reading["s"],
            "clauses_read": reading["clauses"],
        }

    for size in sizes:
        one_run(size)
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    for _ in range(args.repeats):
        for size in sizes:
            runs[size].append(one_run(size))
    best = {
        size: {key: min(run[key] for run in found) for key in found[0]}
        for size, found in runs.items()
    }
    first = sizes[0]
    result: dict[str, Any] = {
        "command": "python benchmarks/insights_cost.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, predictor {predictor.precision}",
        "load_average": os.getloadavg(),
        "rows": len(comments),
        "chunk_rows": first,
        "clauses": len(clause_layout(comments)[0]),
        "runs": runs[first],
        "best": _rounded(best[first]),
        "ratios_to_labelling": _ratios_to_labelling(best[first]),
    }
    if len(sizes) > 1:
        result["by_chunk_rows"] = {
            size: {
                "runs": runs[size],
                "best": _rounded(best[size]),
                "ratios_to_labelling": _ratios_to_labelling(best[size]),
                f"ratios_to_{first}_rows": {
                    key: round(value / best[first][key], 2)
                    for key, value in best[size].items()
                    if key.endswith("_s") and best[first][key] > 0
                },
            }
            for size in sizes
        }
    return result


def _rounded(times: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 3) for key, value in times.items()}


def _ratios_to_labelling(best: dict[str, float]) -> dict[str, float]:
    label = best["labelling_s"]
    return {
        "embedding_with_clauses": round(best["embedding_with_clauses_s"] / label, 2),
        "aspects": round(best["aspects_s"] / label, 2),
        "insights": round((best["embedding_with_clauses_s"] + best["aspects_s"]) / label, 2),
    }


def write_comments(path: Path, comments: list[str]) -> None:
    courses = [f"C{i % 8}" for i in range(len(comments))]
    pd.DataFrame({"course": courses, "comment": comments}).to_csv(path, index=False)


def sample_comments(data_dir: Path, rows: int) -> list[str]:
    frame = pd.read_csv(data_dir / "student_feedback" / "student_feedback.csv")
    texts = frame["text"].dropna().astype(str)
    short = texts[texts.str.len().between(10, MAX_CHARS)]
    return short.sample(n=min(rows, len(short)), random_state=SEED).tolist()


def run_job(
    predictor: Any, source: Path, folder: Path, mode: str, args: argparse.Namespace
) -> dict[str, float]:
    """One job through a real Worker in a fresh embedded backend; seconds between commits."""
    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.db import JobStatus
    from pipeline.insights.loading import insights_source
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    settings = Settings(
        data_dir=folder,
        model="default",
        chunk_rows=args.chunk_rows[0],
        first_chunk_rows=args.chunk_rows[0],
        chunk_target_s=0.0,
        insight_chunk_target_s=0.0,
        insights=mode != "off",
    )
    backend = init_backend(settings)
    request_id = service.submit(
        backend, source, "comment", ["course"], explain=mode == "explain"
    ).request_id
    commits: list[float] = []
    worker = Worker(
        backend,
        lambda _reference: predictor,
        f"bench-{mode}",
        on_rows=lambda _rows: commits.append(time.perf_counter()),
        insights=insights_source(settings, args.aspect_model),
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    worker.run(burst=True)
    finished, cpu = time.perf_counter(), time.process_time() - cpu_started
    job = backend.repository.jobs.get(request_id)
    backend.repository.database.dispose()
    if job.status is not JobStatus.SUCCEEDED:
        raise RuntimeError(f"the {mode} job ended {job.status}: {job.error}")
    if (job.insights_key is None) != (mode == "off"):
        raise RuntimeError(
            f"the {mode} job was labelled {'without' if mode != 'off' else 'with'} insights"
        )
    gaps = [b - a for a, b in zip([started, *commits], commits, strict=False)]
    return {
        "median_chunk_s": round(statistics.median(gaps[1:] or gaps), 4),
        "chunks_s": round(commits[-1] - started, 3),
        "job_s": round(finished - started, 3),
        "after_last_chunk_s": round(finished - commits[-1], 3),
        "job_cpu_s": round(cpu, 3),
    }


if __name__ == "__main__":
    main()
