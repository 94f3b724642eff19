"""What screening before release finds in real comments, and what it costs.

Found: every comment of the labelled sets in ../shared/data (20,000 professor reviews, the
student feedback, the SST test sentences, TweetEval) through the shipped screen: how many
comments of each kind, per 1,000, and (``--show``) each flagged comment with what was found,
to read by hand — the figures in docs/pipeline.md were read so.

Cost, in one process on the same job (``--rows`` realistic course comments labelled by a real
Worker with the shipped model and insights, ``benchmarks/reports.py``): the chair's list
(``GET /flagged``: every stored comment screened) and its threats and distress alone (what the
app asks of every finished job it opens) against reading every stored row, the whole
report by course and the first course's own report, each screened against ``screen=false``;
the screen alone per comment; and texts of about 1 MB built to make a careless pattern
backtrack, against 1 MB of real reviews. Fastest of ``--repeats`` after a warm-up; the ratios
matter.

Usage: ``python benchmarks/release_screen.py [--rows 2000] [--repeats 3] [--show] [--json F]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reports import fastest, labelled_jobs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {
    "professor reviews": ("professor_reviews/train.csv", "text"),
    "student feedback": ("student_feedback/student_feedback.csv", "text"),
    "SST test sentences": ("sst_phrases/test_sentences.csv", "text"),
    "TweetEval validation": ("tweeteval/validation.csv", "text"),
}


def comments(path: Path, column: str) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row.get(column) or next(iter(row.values())) or ""


def found_in_sets(show: bool) -> dict[str, Any]:
    """Per data set: comments, comments of each kind (and per 1,000), withheld, the screen's
    time per comment."""
    from pipeline.release.screen import ReleaseScreen
    from pipeline.settings import Settings

    screen = ReleaseScreen.from_settings(Settings())
    figures: dict[str, Any] = {}
    for name, (relative, column) in SETS.items():
        path = DATA / relative
        if not path.exists():
            continue
        texts = list(comments(path, column))
        started = time.perf_counter()
        verdicts = [screen.check(text) for text in texts]
        seconds = time.perf_counter() - started
        kinds = Counter(kind.value for verdict in verdicts for kind in verdict.kinds)
        figures[name] = {
            "comments": len(texts),
            "kinds": dict(kinds),
            "per_1000": {kind: round(n * 1000 / len(texts), 2) for kind, n in kinds.items()},
            "withheld": sum(verdict.withheld for verdict in verdicts),
            "us_per_comment": round(seconds / len(texts) * 1e6, 1),
        }
        if show:
            for verdict in verdicts:
                if verdict.flagged:
                    found = "; ".join(
                        f"{kind}: {', '.join(verdict.found(kind))}" for kind in verdict.kinds
                    )
                    print(f"[{name}] {found} | {verdict.text[:200]!r}")
    return figures


HOSTILE = {
    "one 1 MB word": "a" * 1_000_000,
    "1 MB of digits": "1" * 1_000_000,
    "digit groups": "12 " * 330_000,
    "at signs": ("x" * 50 + "@") * 20_000,
    "stars": "f" + "*" * 1_000_000,
    "hint words": "the kill my life should be " * 37_000,
    "spelled e-mails": "jo at uni dot " * 70_000,
    "my name is": "my name is " + "Ab " * 330_000,
}
"""About 1 MB each, built to make a careless pattern backtrack."""


def hostile_costs() -> dict[str, float]:
    """Seconds to screen each hostile text, and 1 MB of real professor reviews joined."""
    from pipeline.release.screen import ReleaseScreen
    from pipeline.settings import Settings

    screen = ReleaseScreen.from_settings(Settings())
    path = DATA / SETS["professor reviews"][0]
    real = " ".join(comments(path, "text"))[:1_000_000] if path.exists() else "fine " * 200_000
    seconds = {}
    for name, text in {"1 MB of real reviews": real, **HOSTILE}.items():
        started = time.perf_counter()
        screen.check(text)
        seconds[name] = round(time.perf_counter() - started, 3)
    return seconds


def costs(rows: int, repeats: int) -> tuple[dict[str, float], dict[str, int]]:
    from pipeline.report.job import report_file
    from pipeline.service.flagged import flagged_comments

    with tempfile.TemporaryDirectory(prefix="release-bench-") as folder:
        backend, ids, course = labelled_jobs(Path(folder), rows, 1)
        request_id = ids[-1]

        def report(group: str | None, screen: bool) -> Callable[[], bytes]:
            return lambda: (
                report_file(
                    backend, request_id, None, "course", "html", group, screen=screen
                ).content
            )

        def every_row() -> list[str]:
            return [
                r.text for batch in backend.repository.results.batches(request_id) for r in batch
            ]

        steps: dict[str, Callable[[], object]] = {
            "read_rows": every_row,
            "flagged": lambda: json.dumps(
                flagged_comments(backend, None, request_id, "course", limit=1000)
            ),
            "urgent": lambda: json.dumps(
                flagged_comments(backend, None, request_id, limit=1, kinds="threat,distress")
            ),
            "whole_screened": report(None, True),
            "whole_raw": report(None, False),
            "group_screened": report(course, True),
            "group_raw": report(course, False),
        }
        return fastest(steps, repeats)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print every flagged comment")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    found = found_in_sets(args.show)
    hostile = hostile_costs()
    seconds, sizes = costs(args.rows, args.repeats)
    ratios = {
        "flagged_vs_read_rows": round(seconds["flagged"] / seconds["read_rows"], 2),
        "urgent_vs_read_rows": round(seconds["urgent"] / seconds["read_rows"], 2),
        "whole_screened_vs_raw": round(seconds["whole_screened"] / seconds["whole_raw"], 2),
        "group_screened_vs_raw": round(seconds["group_screened"] / seconds["group_raw"], 2),
    }
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.node()}",
        "rows": args.rows,
        "found": found,
        "hostile_seconds": hostile,
        "seconds": seconds,
        "sizes": sizes,
        "ratios": ratios,
    }
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
