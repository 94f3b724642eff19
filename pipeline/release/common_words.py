"""Words that English comments use as words, not names: a listed person whose name is also one
(Short, Fair, Power, Long) is found alone only where it is written as a name (``roster``).

The list shipped beside this module (``common_words.txt``) is derived from the labelled data,
not written by hand, by ``python -m pipeline.release.common_words --data-dir ../shared/data``:
a word is common when, away from the start of a sentence, English comments write it in lower
case at least 3 times and at least twice as often as capitalised (professor reviews, TweetEval,
student feedback: texts with their case), or it occurs 5 times or more in the lower-cased
sentences of SST-5 and never capitalised in those. Sarah, Chen and Brown are capitalised far
more often than not, so they stay names; short, fair and will do not.
"""

from __future__ import annotations

import argparse
import csv
import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import regex

RESOURCE = "common_words.txt"
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)")
CASED = (
    ("professor_reviews/train.csv", "text"),
    ("tweeteval/validation.csv", "text"),
    ("student_feedback/student_feedback.csv", "text"),
)
LOWER_CASED = (("sst5/train.csv", "text"),)


@functools.cache
def common_words() -> frozenset[str]:
    """The shipped list, folded as the roster folds words."""
    text = resources.files("pipeline.release").joinpath(RESOURCE).read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def derive(cased: Iterable[str], lower_cased: Iterable[str]) -> list[str]:
    """The common words of these texts, sorted (the rule in the module's docstring)."""
    from pipeline.release.roster import fold

    lower: Counter[str] = Counter()
    title: Counter[str] = Counter()
    for text in cased:
        starts = {match.end() for match in _SENTENCE_START.finditer(text)}
        for match in _WORD.finditer(text):
            written = match.group(0)
            if match.start() in starts:
                continue
            if written.islower():
                lower[fold(written)] += 1
            elif written.istitle():
                title[fold(written)] += 1
    plain = Counter(fold(word) for text in lower_cased for word in _WORD.findall(text))
    common = {word for word, n in lower.items() if n >= 3 and n >= 2 * title[word]}
    common |= {word for word, n in plain.items() if n >= 5 and not title[word]}
    return sorted(common)


def _texts(data_dir: Path, files: Iterable[tuple[str, str]]) -> Iterator[str]:
    for relative, column in files:
        with (data_dir / relative).open(encoding="utf-8", newline="") as handle:
            yield from (row.get(column) or "" for row in csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description="Derive the shipped list of common words.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name(RESOURCE))
    args = parser.parse_args()
    words = derive(_texts(args.data_dir, CASED), _texts(args.data_dir, LOWER_CASED))
    header = f"# derived by python -m pipeline.release.common_words ({len(words):,} words)\n"
    args.output.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words):,} words written to {args.output}")


if __name__ == "__main__":
    main()
