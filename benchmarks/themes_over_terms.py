"""Does a complaint that appears and grows over the terms come out as a rising theme?

Each term is ``--rows`` real comments drawn at random from the same pool (student feedback from
../shared/data, ``benchmarks/comments.py``), plus a planted complaint about the online homework
system, ``--planted`` times in each term (none, then more and more). Every term is labelled by
the shipped model with insights on, in a fresh embedded backend; then the negative comments'
themes over the terms (``theme_trend_summary``, ``GET /v1/trend/themes``) are printed, with
how many planted comments were labelled negative, how many comments the themes flagged rising
whose keywords name the complaint hold, and which other themes are flagged (the terms are
random draws from one pool: any other flag is chance, which Holm's correction keeps under 5 %
of runs for the whole family).

Usage: ``python benchmarks/themes_over_terms.py [--rows 200] [--planted 0 6 18] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import comment_pool

PLANTED = (
    "The online homework system crashed the night before it was due.",
    "The homework website kept crashing and we lost our answers.",
    "Online homework portal was down again during the deadline.",
    "WebAssign crashed so often that I could not submit the homework.",
    "The online homework platform crashes constantly, very frustrating.",
)


def write_term(path: Path, rows: int, planted: int, rng: random.Random) -> Path:
    pool = comment_pool()
    comments = [rng.choice(pool) for _ in range(rows)]
    comments += [f"{rng.choice(PLANTED)} (week {week})" for week in range(1, planted + 1)]
    rng.shuffle(comments)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment"])
        writer.writerows([comment] for comment in comments)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--planted", type=int, nargs="+", default=[0, 6, 18])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.insights.loading import insights_source
    from pipeline.model.predictor import Predictor
    from pipeline.report import theme_trend_table
    from pipeline.service.theme_trend import theme_trend_summary
    from pipeline.service.trend import trend_summary
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="themes-over-terms-") as scratch:
        folder = Path(scratch)
        settings = Settings(data_dir=folder / "data", model="default", insights=True)
        backend = init_backend(settings)
        predictor = Predictor.load("default")
        ids = []
        for term, planted in enumerate(args.planted, start=1):
            path = write_term(folder / f"term-{term}.csv", args.rows, planted, rng)
            ids.append(service.submit(backend, path, "comment", [], fresh=True).request_id)
            Worker(
                backend, lambda _reference: predictor, "bench", insights=insights_source(settings)
            ).run(burst=True)
        started = time.perf_counter()
        body = theme_trend_summary(backend, None, ids, "negative")
        themes_s = time.perf_counter() - started
        started = time.perf_counter()
        trend_summary(backend, None, ids)
        trend_s = time.perf_counter() - started
        planted_negative = 0
        for request_id in ids:
            for row in backend.repository.results.insight_rows(request_id, with_text=True):
                planted_negative += row.label == "negative" and row.text.startswith(PLANTED)
        backend.repository.database.dispose()
    print(theme_trend_table.text(body, 110))
    rising = [t for t in body["themes"] if t["direction"] == "rising"]
    planted_words = ("homework", "crash", "online", "webassign", "portal", "website")
    caught = sum(
        sum(t["counts"])
        for t in rising
        if any(word in " ".join(t["keywords"]) for word in planted_words)
    )
    others = [t["name"] for t in body["themes"] if t["flagged"] and t not in rising]
    print()
    print(f"planted comments labelled negative: {planted_negative}; comments in the themes "
          f"flagged rising whose keywords name them: {caught}")  # fmt: skip
    print(f"other flagged themes (chance): {others or 'none'}")
    print(f"themes over the terms {themes_s:.3f} s, the trend of the shares {trend_s:.3f} s")


if __name__ == "__main__":
    main()
