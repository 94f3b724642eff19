"""Every comment of one group, for that group's own report (a course's or an instructor's).

A committee reads a few quotes per course; the instructor reads every comment written about
the course, as course-evaluation systems hand them out. So one group's report lists them all:
label by label in the model's order, in the file's order within a label, each written once
(a comment written several times, ignoring case, spaces and punctuation, shows how often).
Comments that got no label but were written (another language, over the length limit) are
listed apart with the reason: the instructor still reads them. Blank rows and placeholders
("N/A", "nothing") are only counted.

Read in one pass over the job's rows; only the group's comments are kept. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.db.records import ResultRecord
from pipeline.model.no_opinion import NO_OPINION_REASON
from pipeline.model.predictor import EMPTY_TEXT_REASON
from pipeline.themes.quotes import normalised

SHOWN_CHARS = 20_000
"""A comment is shown whole up to this many characters (the default length limit); a longer
one (left unlabelled as over the limit) is cut here and says so."""
_NOT_WRITTEN = (EMPTY_TEXT_REASON, NO_OPINION_REASON)


@dataclass
class ListedComment:
    """One distinct comment of the group: its text as first written, its label and the
    model's probability for it (None without a label, then ``reason`` says why)."""

    text: str
    label: str | None
    score: float | None
    reason: str | None = None
    copies: int = 1
    question: str | None = None
    """The question it answers, in a job of several comment columns."""
    cut_from: int | None = None
    """The comment's full length in characters, where it was cut for the report."""


@dataclass(frozen=True)
class CommentListing:
    """The group's comments: per label (in the order asked) and the written ones without a
    label; ``left_out`` counts blank rows and placeholders."""

    by_label: tuple[tuple[str, tuple[ListedComment, ...]], ...]
    unlabelled: tuple[ListedComment, ...] = ()
    left_out: int = 0
    rows: int = 0
    """The group's rows in all."""


def group_comments(
    batches: Iterable[Sequence[ResultRecord]],
    column: str,
    group: str | None,
    labels: Sequence[str],
    question_column: str | None = None,
) -> CommentListing:
    """The comments of the rows whose ``column`` holds ``group`` as ``summarize`` groups
    them (the cell as text; None or "": the rows without a value, stored empty or not at
    all). ``batches`` may be all of the job's or only the group's."""
    found: dict[tuple[str | None, str | None, str], ListedComment] = {}
    left_out = rows = 0
    for batch in batches:
        for record in batch:
            if (group_value(record, column) or "") != (group or ""):
                continue
            rows += 1
            text = record.text.strip()
            if not text or (record.label is None and record.error in _NOT_WRITTEN):
                left_out += 1
                continue
            key = normalised(text) or text  # "👎" has no word, and is an opinion
            question = group_value(record, question_column) if question_column else None
            held = found.get((record.label, question, key))
            if held is not None:
                held.copies += 1
                continue
            found[(record.label, question, key)] = _listed(record, text, question)
    listed = list(found.values())
    return CommentListing(
        by_label=tuple((label, tuple(c for c in listed if c.label == label)) for label in labels),
        unlabelled=tuple(c for c in listed if c.label is None),
        left_out=left_out,
        rows=rows,
    )


def _listed(record: ResultRecord, text: str, question: str | None) -> ListedComment:
    score = record.scores.get(record.label) if record.scores and record.label else None
    cut = len(text) if len(text) > SHOWN_CHARS else None
    return ListedComment(
        text=text[:SHOWN_CHARS] if cut else text,
        label=record.label,
        score=None if score is None else float(score),
        reason=record.error if record.label is None else None,
        question=question,
        cut_from=cut,
    )


def group_value(record: ResultRecord, column: str | None) -> str | None:
    """The value the database groups the row under (``summarize``): the cell as text, None
    for a missing one (and for every row without a column)."""
    value = record.data.get(column) if column else None
    return None if value is None else str(value)
