"""A comment column that holds numbers, not comments.

A rating or count column chosen as the comment column (``--text-column Rating``), or named
like one, would have every row labelled: "4" and "3.5" read as neutral comments, a job of
100 % neutral and no word of why. Such a column is refused before the job is queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.messages import echo

_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:[.,]\d+)*|[.,]\d+)\s*(?:%|/\s*\d+(?:[.,]\d+)?)?\s*")
"""4, -2, 3.5, 1,000, .5, 100 %, 4/5, 8.5 / 10, with spaces around: matched as it stands,
without a stripped copy of every comment of a file."""
NUMBERS_SHARE = 0.9
"""The share of a column's answers that, being numbers, makes it a column of numbers: a few
words among them ("n/a", "see above") do not make it a comment column."""
FEWEST_ANSWERS = 5
"""Below this many answers a column is never told one of numbers: a file of a handful of
cells is a trial or a stray answer more often than a rating column, and a lone "+1" (I agree)
is a comment."""


def is_number(text: str) -> bool:
    """Whether ``text`` is a number, a percentage or a score such as 4/5, and nothing else."""
    return _NUMBER.fullmatch(text) is not None


@dataclass
class NumberCount:
    """How many of a column's answers (blank ones aside) are numbers, with the first one."""

    answers: int = 0
    numbers: int = 0
    example: str = ""

    def add(self, answer: str) -> None:
        """Count one non-blank answer."""
        self.answers += 1
        if is_number(answer):
            self.numbers += 1
            self.example = self.example or answer.strip()

    @property
    def mostly_numbers(self) -> bool:
        return self.answers >= FEWEST_ANSWERS and self.numbers >= NUMBERS_SHARE * self.answers

    def refusal(self, column: str | None, choose: str) -> str:
        """Why the column is refused (``column`` None: a TXT file's lines) and ``choose``,
        how to name the comment column instead."""
        answers = "lines" if column is None else "answers"
        counted = (
            f"{self.numbers:,} of its {self.answers:,} {answers} are numbers, such as "
            f"{echo(self.example)}"
        )
        if column is None:
            return f"the file's lines are numbers, not comments: {counted}"
        return f"column {echo(column)} holds numbers, not comments: {counted}; {choose}"
