"""The worker's own costs around the model, and the results read back at a job's end.

A worker labels with a predictor that costs nothing (fixed scores), so what is timed is
everything else: reading the file, the language and placeholder screen, committing rows and
progress, and publishing the results CSVs (every row read back from the database, written raw
and formula-escaped). Then, on the finished job, interleaved rounds of:

1. the rows read back as the product reads them (``ResultRepository.batches``: a Core query
   on the session's connection);
2. the same query through ``Session.execute`` (the ORM's row loading), the baseline;
3. both results CSVs written from those rows (``export.write_both``).

Usage: ``python benchmarks/publish_results.py --rows 10000`` (short comments from
benchmarks/comments.py). Ratios within one run are the figures to compare between machines.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments

TEXT = "comment"
LABELS = ("negative", "neutral", "positive")


class FreePredictor:
    """The predictor's interface at no cost: every third comment negative, the rest positive."""

    labels = LABELS
    version = "free-1"
    low_confidence = None
    precision = "fp32"

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        scores = np.tile(np.array([0.1, 0.2, 0.7]), (len(texts), 1))
        scores[::3] = (0.7, 0.2, 0.1)
        return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    from sqlalchemy.orm import Session

    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.db import results as db_results
    from pipeline.service import export
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    folder = Path(tempfile.mkdtemp(prefix="publish-results-"))
    source = folder / "comments.csv"
    write_comments(source, args.rows, profile="short")
    settings = Settings(data_dir=folder / "data", model="free-1", max_receives=1, insights=False)
    backend = init_backend(settings)

    def run_job() -> tuple[str, float]:
        start = time.perf_counter()
        request_id = service.submit(backend, source, TEXT, fresh=True).request_id
        Worker(backend, lambda _reference: FreePredictor(), "bench").run(burst=True)
        return request_id, time.perf_counter() - start

    run_job()  # imports, the language model's arrays, the database's first pages
    worker_s = []
    for _ in range(args.rounds):
        request_id, seconds = run_job()
        worker_s.append(seconds)
    job = backend.repository.jobs.get(request_id)
    assert job.rows_done == args.rows, job
    results = backend.repository.results

    def orm_read() -> list[object]:
        query = results_query(db_results, request_id, args.rows)
        with backend.repository.database.read() as session:
            assert isinstance(session, Session)
            return [db_results._record(*row) for row in session.execute(query)]

    def product_read() -> list[object]:
        return [record for batch in results.batches(request_id) for record in batch]

    def write_csvs() -> int:
        return export.write_both(results.batches(request_id), job, io.StringIO(), io.StringIO())

    if product_read() != orm_read():
        raise SystemExit("the two ways of reading the rows back disagree")
    stages: dict[str, Callable[[], object]] = {
        "read back (product: Core)": product_read,
        "read back (baseline: ORM)": orm_read,
        "read back + both CSVs": write_csvs,
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(args.rounds):
        for name, stage in stages.items():
            start = time.perf_counter()
            stage()
            times[name].append(time.perf_counter() - start)

    per = 10_000 / args.rows
    print(f"{args.rows:,} short comments, {args.rounds} rounds, medians (seconds per 10,000 rows)")
    print(f"worker end to end, free predictor: {statistics.median(worker_s) * per:.3f}")
    for name, values in times.items():
        print(f"{name}: {statistics.median(values) * per:.3f}")
    ratio = statistics.median(times["read back (product: Core)"]) / statistics.median(
        times["read back (baseline: ORM)"]
    )
    print(f"read back, product / baseline: {ratio:.2f}")
    return 0


def results_query(db_results: object, request_id: str, rows: int) -> object:
    """The product's page query for all rows at once (``ResultRepository.page``)."""
    from sqlalchemy import select

    from pipeline.db.models import ResultRow

    columns = db_results._RECORD_COLUMNS  # type: ignore[attr-defined]
    return (
        select(*columns)
        .where(ResultRow.request_id == request_id)
        .where(ResultRow.row_index >= 0, ResultRow.row_index < rows)
        .order_by(ResultRow.row_index)
    )


if __name__ == "__main__":
    raise SystemExit(main())
