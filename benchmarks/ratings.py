"""A rating column against the comments (``GET /ratings``): what it finds in real reviews,
whether it finds a scale that reads the other way round, and what it costs.

Data: the first ``--rows`` RateMyProfessors reviews of ../shared/data (each with the
university as its group). Their star ratings are not in the file, only the band each review's
label was made from (1-2 negative, 3 neutral, 4-5 positive), so the rating column is that band
(1 or 2, 3, 4 or 5: the two values of a band alternate by row). One university's ratings are
written the other way round (6 - rating), as a scale reversed in an export would be. The
comments are labelled by a real Worker with the shipped model (with ``--insights``, their
aspects found too, for what the ratings follow).

Found: the overall rho of rating and sentiment, the comments that contradict their rating
(also over the other universities alone, with their median and lowest rho), which
universities read reversed (the flipped one should; no other should).

Cost, in one process on the same job, fastest of ``--repeats`` after a warm-up: reading every
stored row (the baseline), ``/ratings`` without and with groups, and the summary by the same
column (a database aggregate); the ratios matter.

Usage: ``python benchmarks/ratings.py [--rows 20000] [--repeats 3] [--json F]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import fastest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REVIEWS = DATA / "professor_reviews" / "train.csv"
BANDS = {"negative": (1, 2), "neutral": (3, 3), "positive": (5, 4)}


def write_reviews(path: Path, rows: int) -> tuple[str, int]:
    """The first ``rows`` reviews with a rating column; the university whose ratings are
    flipped (the third most frequent, so it has enough rows) and how many it has."""
    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        reviews = [row for _, row in zip(range(rows), csv.DictReader(handle), strict=False)]
    flipped = Counter(row["source"] for row in reviews).most_common(3)[-1][0]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["university", "rating", "comment"])
        for index, row in enumerate(reviews):
            rating = BANDS[row["label"]][index % 2]
            if row["source"] == flipped:
                rating = 6 - rating
            writer.writerow([row["source"], rating, row["text"]])
    return flipped, sum(row["source"] == flipped for row in reviews)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--insights",
        action="store_true",
        help="also find the aspects (slower) and report what the ratings follow",
    )
    parser.add_argument(
        "--show",
        type=int,
        default=0,
        metavar="N",
        help="print the N clearest contradictions of the unflipped universities, to read",
    )
    args = parser.parse_args(argv)

    from pipeline import service
    from pipeline.bootstrap import init_backend
    from pipeline.insights.loading import insights_source
    from pipeline.model.predictor import Predictor
    from pipeline.model.train import cpu_name
    from pipeline.service.ratings import rating_summary
    from pipeline.settings import Settings
    from pipeline.worker import Worker

    with tempfile.TemporaryDirectory(prefix="ratings-bench-") as folder:
        settings = Settings(data_dir=Path(folder) / "data", model="default", insights=args.insights)
        backend = init_backend(settings)
        source = Path(folder) / "reviews.csv"
        flipped, flipped_rows = write_reviews(source, args.rows)
        predictor = Predictor.load("default")
        started = time.perf_counter()
        request_id = service.submit(backend, source, "comment", ["university"]).request_id
        Worker(
            backend,
            lambda _reference: predictor,
            "bench",
            insights=insights_source(settings) if args.insights else None,
        ).run(burst=True)
        labelled_s = time.perf_counter() - started

        def ratings(group_by: str | None) -> Callable[[], dict[str, Any]]:
            return lambda: rating_summary(backend, None, request_id, "rating", group_by)

        by_university = ratings("university")()
        reversed_ = [g["group"] for g in by_university["groups"] if g["reads_reversed"]]
        overall = by_university["overall"]
        steps: dict[str, Callable[[], object]] = {
            "read_rows": lambda: [
                r for b in backend.repository.results.batches(request_id) for r in b
            ],
            "ratings": lambda: json.dumps(ratings(None)()),
            "ratings_by_university": lambda: json.dumps(ratings("university")()),
            "summary_by_university": lambda: json.dumps(
                service.summary(backend, request_id, None, "university").to_dict()
            ),
        }
        if args.show:
            _show(
                rating_summary(backend, None, request_id, "rating", "university", limit=1000),
                flipped,
                args.show,
            )
        seconds, _sizes = fastest(steps, args.repeats)
        baseline = seconds["read_rows"]
        contradicting = by_university["contradicting"]["comments"]
        others = [g for g in by_university["groups"] if g["group"] != flipped]
        others_rated = sum(g["rated"] for g in others)
        others_contradicting = sum(g["high_but_negative"] + g["low_but_positive"] for g in others)
        others_rho = sorted(g["correlation"] for g in others if g["correlation"] is not None)
        figures = {
            "machine": cpu_name(),
            "rows": args.rows,
            "labelled_s": round(labelled_s, 1),
            "rated": overall["rated"],
            "rho": round(overall["correlation"], 3),
            "contradicting": contradicting,
            "contradicting_share": round(contradicting / overall["rated"], 4),
            "high_but_negative": overall["high_but_negative"],
            "low_but_positive": overall["low_but_positive"],
            "universities": len(by_university["groups"]),
            "flipped": flipped,
            "flipped_rows": flipped_rows,
            "read_reversed": reversed_,
            "flipped_rho": next(
                g["correlation"] for g in by_university["groups"] if g["group"] == flipped
            ),
            "others": {
                "universities": len(others),
                "rated": others_rated,
                "contradicting": others_contradicting,
                "contradicting_share": round(others_contradicting / others_rated, 4),
                "rho_median": round(others_rho[len(others_rho) // 2], 3),
                "rho_lowest": round(others_rho[0], 3),
            },
            "aspects": [
                {
                    key: aspect[key]
                    for key in (
                        "aspect",
                        "negative",
                        "mean_negative",
                        "mean_others",
                        "difference",
                        "adjusted_p",
                        "flagged",
                    )
                }
                for aspect in by_university["aspects"]
            ],
            "seconds": seconds,
            "ratio_to_reading_rows": {
                name: round(value / baseline, 2) for name, value in seconds.items()
            },
        }
        print(json.dumps(figures, indent=2))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def _show(body: dict[str, Any], flipped: str, most: int) -> None:
    shown = [c for c in body["contradicting"]["page"] if c["group"] != flipped][:most]
    for comment in shown:
        print(
            f"rated {comment['rating']} · {comment['label']} {comment['sentiment']:+.2f} · "
            f"{comment['text'][:400]}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
