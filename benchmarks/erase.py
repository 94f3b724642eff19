"""What erasing a job costs, against reading its rows once (the baseline, same run).

A job of ``--rows`` comments (each about 30 words, five courses) is labelled by a keyword
predictor with the package's real worker on an embedded backend (SQLite, a local folder), so
it holds what a real job holds: its rows, its input file and its results CSVs. Timed: reading
every stored row (``results.batches``, what a results download does) and erasing the job
(``service.erase``: the one transaction that marks it and deletes its rows, then its files).
Each repeat labels a fresh job; the fastest of ``--repeats`` is kept. The erase holds the
database's write lock for its transaction: the ratio says how long, in units of a read.

Usage: ``python benchmarks/erase.py [--rows 100000] [--repeats 3] [--json F]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

WORDS = [
    "the",
    "lectures",
    "were",
    "clear",
    "but",
    "the",
    "exam",
    "felt",
    "rushed",
    "and",
    "the",
    "labs",
    "helped",
    "a",
    "lot",
]


class KeywordPredictor:
    """The worker's predictor interface, no model: labels by a word, so only storage is timed."""

    labels = ("negative", "neutral", "positive")
    version = "keywords-1"
    low_confidence = None

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        out = np.tile((0.2, 0.6, 0.2), (len(texts), 1))
        for i, text in enumerate(texts):
            if "rushed" in str(text):
                out[i] = (0.8, 0.1, 0.1)
        return out


def comments_file(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["course", "comment"])
        for n in range(rows):
            words = rng.choice(WORDS, size=30)
            writer.writerow([f"C{n % 5}", f"{n} {' '.join(words)}"])
    return path


def one_run(rows: int, folder: Path) -> dict[str, float]:
    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    backend = init_backend(
        Settings(data_dir=folder / "data", model="keywords", insights=False, chunk_rows=5000)
    )
    source = comments_file(folder / "comments.csv", rows)
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    Worker(backend, lambda _ref: KeywordPredictor(), "bench").run(burst=True)
    started = time.perf_counter()
    read = sum(len(batch) for batch in backend.repository.results.batches(request_id))
    reading = time.perf_counter() - started
    assert read == rows, read
    started = time.perf_counter()
    erased = service.erase(backend, request_id)
    erasing = time.perf_counter() - started
    assert erased.erased_at is not None
    assert not list(backend.repository.results.batches(request_id))
    backend.repository.database.dispose()
    return {"read_s": reading, "erase_s": erasing}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    runs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="erase-bench-") as folder:
            runs.append(one_run(args.rows, Path(folder)))
    best = {name: min(run[name] for run in runs) for name in ("read_s", "erase_s")}
    figures = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.node()}",
        "rows": args.rows,
        "read_rows_s": round(best["read_s"], 3),
        "erase_s": round(best["erase_s"], 3),
        "erase_over_read": round(best["erase_s"] / best["read_s"], 2),
    }
    print(json.dumps(figures, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
