"""Several comment columns read as one comment per row and question (a "long" table).

A course evaluation usually asks two or three open questions ("What helped you learn?",
"What should change?"), each in its own column. A job labels one comment column; a file with
several is read as if it had one: every input row becomes one row per comment column, in the
file's order, holding the row's other columns, then a ``respondent`` column (the row's place
among the file's data rows, from 1: the answers of one student share it, so a results row can
be traced back to the file and a student's rating counted once), a ``question`` column (which
question it answers) and a ``comment`` column (the answer), so every summary can be grouped by
question.
A blank answer is not a row: an optional question left blank is no comment, and as a row it
would count as one that could not be labelled.

Pure: no file is read here (``pipeline.inputs`` applies it to a file's rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from pipeline.errors import InputError
from pipeline.messages import echo

RESPONDENT = "respondent"
QUESTION = "question"
COMMENT = "comment"
MAX_COLUMNS = 50
"""Comment columns one job reads together; a survey asks a handful of open questions."""


@dataclass(frozen=True)
class Melt:
    """Which columns hold comments (the file's names), what the question column says for
    each (a survey export's question text, else the column's name), and whether the long
    table numbers each answer's respondent (False only for jobs submitted before it did)."""

    columns: tuple[str, ...]
    questions: tuple[str, ...]
    respondents: bool = True

    def header(self, columns: Sequence[str]) -> tuple[str, ...]:
        """The long table's columns: the file's others, then the respondent, the question and
        the comment."""
        kept = [column for column in columns if column not in self.columns]
        added = [RESPONDENT, QUESTION, COMMENT] if self.respondents else [QUESTION, COMMENT]
        for name in added:
            kept.append(free_name(name, kept))
        return tuple(kept)

    def rows(self, columns: Sequence[str], rows: Iterable[list[str]]) -> Iterator[list[str]]:
        """Each row once per answered comment column, in order: its other values, its place
        among the data rows (from 1), question, answer."""
        answers = [columns.index(column) for column in self.columns]
        kept = [i for i, column in enumerate(columns) if column not in self.columns]
        for number, row in enumerate(rows, start=1):
            others = [row[i] for i in kept]
            if self.respondents:
                others.append(str(number))
            for question, at in zip(self.questions, answers, strict=True):
                if row[at].strip():
                    yield [*others, question, row[at]]


def melt_for(columns: Sequence[str], questions: Sequence[str]) -> Melt:
    """A melt of ``columns`` (at least two, each once), checked; ``questions`` say which
    question each answers and must tell them apart."""
    if len(columns) < 2:
        raise InputError("reading comments from several columns needs at least two of them")
    if len(set(columns)) != len(columns):
        repeated = next(column for column in columns if columns.count(column) > 1)
        raise InputError(f"comment column {echo(repeated)} is asked for twice")
    if len(set(questions)) != len(questions):
        return Melt(tuple(columns), tuple(columns))
    return Melt(tuple(columns), tuple(questions))


def question_column(columns: Sequence[str], comment: str) -> str:
    """The question column of a long table whose comment column is ``comment``: the one just
    before it (``Melt.header``)."""
    return columns[list(columns).index(comment) - 1]


def respondent_column(columns: Sequence[str], comment: str) -> str:
    """The respondent column of a long table whose comment column is ``comment``: the one
    before its question column (``Melt.header``)."""
    return columns[list(columns).index(comment) - 2]


def respondent_refusal(column: str) -> str:
    """Why the respondent column is no group, at submit and on every read after it."""
    return (
        f"{echo(column)} numbers each answer's respondent: a group per student; group by "
        "another column (a course, an instructor, the question)"
    )


def free_name(name: str, taken: Sequence[str]) -> str:
    """``name``, or ``name_2``, ``name_3``… when a column of the file already has it (in any
    case)."""
    folded = {column.casefold() for column in taken}
    candidate, number = name, 1
    while candidate.casefold() in folded:
        number += 1
        candidate = f"{name}_{number}"
    return candidate
