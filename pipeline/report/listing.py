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
from dataclasses import dataclass, replace

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
    not_shown: tuple[tuple[str | None, int, int], ...] = ()
    """(label, None for the unlabelled; distinct comments, rows) not listed here for length
    (``shortened``): a PDF lists at most ``PDF_LISTED_MOST``."""

    def rows_of(self, label: str | None) -> int:
        """The rows of ``label`` (None: written without one), listed here or not."""
        listed = self.unlabelled if label is None else dict(self.by_label).get(label, ())
        return sum(c.copies for c in listed) + sum(
            rows for held, _n, rows in self.not_shown if held == label
        )

    def not_shown_of(self, label: str | None) -> tuple[int, int]:
        """(distinct comments, rows) of ``label`` left out of this listing for length."""
        return next(((n, rows) for held, n, rows in self.not_shown if held == label), (0, 0))


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


PDF_LISTED_MOST = 5_000
"""The most distinct comments one group's PDF lists (about 270 A4 pages): laying out a
course of 48,000 took over 10 minutes and 3 GB in the API's process. The HTML report lists
them all."""


def shortened(listing: CommentListing, most: int) -> CommentListing:
    """``listing`` with at most ``most`` distinct comments: each label (and the unlabelled)
    keeps its first ones in the file's order, in proportion to how many it has; what is left
    out is counted in ``not_shown``. Unchanged when it holds no more."""
    parts: list[tuple[str | None, tuple[ListedComment, ...]]] = [
        *listing.by_label,
        (None, listing.unlabelled),
    ]
    total = sum(len(comments) for _label, comments in parts)
    if total <= most:
        return listing
    kept: dict[str | None, tuple[ListedComment, ...]] = {}
    not_shown: list[tuple[str | None, int, int]] = []
    for label, comments in parts:
        keep = len(comments) * most // total
        kept[label] = comments[:keep]
        dropped = comments[keep:]
        if dropped:
            not_shown.append((label, len(dropped), sum(c.copies for c in dropped)))
    return replace(
        listing,
        by_label=tuple((label, kept[label]) for label, _comments in listing.by_label),
        unlabelled=kept[None],
        not_shown=tuple(not_shown),
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
