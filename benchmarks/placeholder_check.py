"""The placeholder check ("N/A", "No comments") over a chunk against the same check text by
text, in one run, on comments.py's files with placeholders mixed in.

``NoOpinion.many`` normalises only the texts that could be a placeholder (no more ASCII
letters and digits than the longest phrase); text by text, every comment is normalised. Both
must give the same verdicts (checked here before timing). Usage: ``python
benchmarks/placeholder_check.py [--rows 10000] [--chunk 2048]``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from comments import PROFILES, comment_pool, iter_rows
from measure import Stage, best_of, timed

from pipeline.model.no_opinion import NoOpinion

PLACEHOLDERS = ("N/A", "No comments.", "Nothing to add.", "-", "none")
PLACEHOLDER_EVERY = 25
"""One row in 25 is a placeholder (4 %), as in a survey export with unanswered questions."""


def comments_with_placeholders(rows: int, profile: str) -> list[str]:
    texts = [row[-1] for row in iter_rows(rows, comment_pool(), profile=profile)]
    for i in range(0, len(texts), PLACEHOLDER_EVERY):
        texts[i] = PLACEHOLDERS[(i // PLACEHOLDER_EVERY) % len(PLACEHOLDERS)]
    return texts


def fastest(repeats: int, rows: int, work: Callable[[], object]) -> float:
    """The seconds of the fastest of ``repeats`` runs of ``work``."""

    def once() -> Stage:
        with timed("placeholder check", rows) as stage:
            work()
        return stage

    return best_of(repeats, once).seconds


def measure(texts: Sequence[str], chunk: int, repeats: int) -> dict[str, float]:
    check = NoOpinion.with_extra()
    chunks = [list(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    one_by_one = [check(text) for text in texts]
    if [v for part in chunks for v in check.many(part)] != one_by_one:
        raise SystemExit("the chunked check disagrees with the text-by-text one")
    alone = fastest(repeats, len(texts), lambda: [check(text) for text in texts])
    chunked = fastest(repeats, len(texts), lambda: [check.many(part) for part in chunks])
    return {
        "placeholders": sum(one_by_one),
        "text_by_text_s": round(alone, 4),
        "chunked_s": round(chunked, 4),
        "speed_up": round(alone / chunked, 2),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--chunk", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best counts")
    args = parser.parse_args(argv)
    figures = {
        profile: measure(comments_with_placeholders(args.rows, profile), args.chunk, args.repeat)
        for profile in PROFILES
    }
    for profile, row in figures.items():
        print(
            f"{profile}: {args.rows} comments ({row['placeholders']} placeholders), chunks of "
            f"{args.chunk}: text by text {row['text_by_text_s']:.3f} s, in chunks "
            f"{row['chunked_s']:.3f} s ({row['speed_up']:.1f}x)"
        )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
