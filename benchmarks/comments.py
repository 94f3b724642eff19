"""Build a realistic file of course comments for the benchmarks (fixed seed, any size).

Comments are drawn from the student feedback in ../shared/data (median 19 words, 90 % under
50, a few of several hundred) when it is there; 2 % of rows join 4-20 comments into one long
review (so the tail reaches several hundred words and the predictor's windows are exercised)
and 0.5 % are blank (row errors). Without the data set, comments are generated from phrases
with the same length profile. That is the ``realistic`` profile (long-tailed: p99 ≈ 400
tokens); the ``short`` one is uniform course comments of 1-5 sentences drawn from the same
comments (≈ 40 tokens on average, p99 ≈ 90; no long reviews, no blanks), where the model's own
speed, not padding or windows, sets the rate. Usage:

    python benchmarks/comments.py --rows 100000 --output /tmp/comments.csv [--profile short]
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

SHARED_FEEDBACK = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "student_feedback"
    / "student_feedback.csv"
)
COLUMNS = ("row_id", "course", "instructor", "term", "comment")
LONG_SHARE = 0.02
BLANK_SHARE = 0.005
SEED = 20261128
PROFILES = ("realistic", "short")
SHORT_SENTENCES = (1, 5)
SENTENCE_WORDS = (3, 30)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_OPENINGS = (
    "The lectures", "The labs", "Homework", "The exams", "Office hours", "The textbook",
    "The professor", "Group projects", "The course website", "Grading", "The TA",
)  # fmt: skip
_VERDICTS = (
    "were excellent and I learned a lot", "were a waste of time", "were fine, nothing special",
    "felt rushed towards the end of the term", "helped me understand the hard parts",
    "could be better organised", "were the best part of my semester",
    "were confusing and the slides had mistakes", "were okay but the pace was uneven",
)  # fmt: skip


def comment_pool(source: Path = SHARED_FEEDBACK) -> list[str]:
    """Real course comments when the shared data set is present, else generated ones."""
    if source.is_file():
        import pandas as pd

        texts = pd.read_csv(source, usecols=["text"])["text"].dropna().astype(str)
        return [t for t in texts.str.strip().tolist() if t]
    rng = np.random.default_rng(SEED)
    pool = []
    for _ in range(2000):
        sentences = int(rng.choice([1, 1, 2, 2, 2, 3, 4, 6]))
        openings = rng.integers(len(_OPENINGS), size=sentences)
        verdicts = rng.integers(len(_VERDICTS), size=sentences)
        pool.append(
            " ".join(
                f"{_OPENINGS[o]} {_VERDICTS[v]}." for o, v in zip(openings, verdicts, strict=True)
            )
        )
    return pool


def sentence_pool(pool: Sequence[str]) -> list[str]:
    """The sentences of ``pool``'s comments that have 3-30 words."""
    low, high = SENTENCE_WORDS
    sentences = (s for text in pool for s in _SENTENCE_END.split(text))
    return [s for s in sentences if low <= len(s.split()) <= high]


def realistic_comments(rng: np.random.Generator, n: int, pool: Sequence[str]) -> Iterator[str]:
    """Pool comments; 2 % long reviews of 4-20 comments, 0.5 % blank."""
    picks = rng.integers(len(pool), size=n)
    kind = rng.random(n)
    for offset in range(n):
        if kind[offset] < BLANK_SHARE:
            yield ""
        elif kind[offset] < BLANK_SHARE + LONG_SHARE:
            parts = rng.integers(len(pool), size=int(rng.integers(4, 21)))
            yield " ".join(pool[p] for p in parts)
        else:
            yield pool[picks[offset]]


def short_comments(rng: np.random.Generator, n: int, sentences: Sequence[str]) -> Iterator[str]:
    """1-5 sentences each, every count equally likely."""
    low, high = SHORT_SENTENCES
    for count in rng.integers(low, high + 1, size=n):
        yield " ".join(sentences[i] for i in rng.integers(len(sentences), size=int(count)))


def iter_rows(
    rows: int, pool: Sequence[str], seed: int = SEED, profile: str = "realistic"
) -> Iterator[list[str]]:
    """Rows of (row_id, course, instructor, term, comment), generated in blocks."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
    rng = np.random.default_rng(seed)
    source = sentence_pool(pool) if profile == "short" else pool
    generate = short_comments if profile == "short" else realistic_comments
    block = 10_000
    for start in range(0, rows, block):
        n = min(block, rows - start)
        for offset, comment in enumerate(generate(rng, n, source)):
            i = start + offset
            yield [
                str(i),
                f"CS{100 + i % 37}",
                f"Instructor {i % 53}",
                f"{2020 + i % 6}-{'FS'[i % 2]}",
                comment,
            ]


def write_comments(path: Path, rows: int, seed: int = SEED, profile: str = "realistic") -> Path:
    """Write ``rows`` comments of ``profile`` to a CSV (streamed: any size in constant memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(iter_rows(rows, comment_pool(), seed, profile))
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--profile", choices=PROFILES, default="realistic")
    args = parser.parse_args(argv)
    write_comments(args.output, args.rows, args.seed, args.profile)
    size = args.output.stat().st_size
    print(f"{args.rows:,} comments written to {args.output} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
