"""How a group (a course, an instructor…) is named on the page: its full name, how many
comments it has, and whether that is too few to read much into its shares.

A course with 4 comments must not look as certain as one with 400: every group carries its n,
and a group under ``SMALL_GROUP`` comments is marked "small" (its bars drawn paler).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.client import GroupCounts, Summary
from pipeline.group_names import ALL, BLANK, group_name
from pipeline.ui.shares import percentages

SMALL_GROUP = 10
"""Fewer labelled comments than this: one more comment moves a share by 10 points or more."""
ID_ROWS = 20
"""Rows from which a column of a different value on every row is an identifier, not a group."""
SMALL_MARK = "small"
SMALL_NOTE = (
    f"*{SMALL_MARK}*: fewer than {SMALL_GROUP} comments, so a share can move by ten points or "
    "more with a single comment; read it as a hint, not a finding."
)


def in_sentence(column: str) -> str:
    """A column's name as a word inside a sentence: ``Course`` and ``Instructor Name`` lower
    case ("each course", "this instructor name's"), names such as ``TA``, ``CRN`` or
    ``course_id`` as written."""
    words = column.split()
    if words and all(w.isalpha() and w[:1].isupper() and w[1:].islower() for w in words):
        return column.lower()
    return column


def comparable(
    frame: pd.DataFrame, columns: Sequence[str], respondent: str | None = None
) -> list[str]:
    """The ``columns`` that split ``frame`` into at least two groups (a blank is a group of
    its own): an export's ``Term`` that reads ``Fall 2026`` on every row would only draw the
    whole file again, as the page's first chart and every other "compare by". Nor an
    identifier (``identifies``): a survey export's ``ResponseId``, a student's id or a
    timestamp makes a group of every comment, or of every student's answers where
    ``respondent`` numbers the rows' writers (a job of several open questions)."""
    people = frame if respondent is None else frame.drop_duplicates(respondent)
    found = []
    for column in columns:
        values = frame[column].fillna("").astype(str)
        if values.nunique() > 1 and not identifies(people[column]):
            found.append(column)
    return found


def identifies(values: pd.Series) -> bool:
    """``ID_ROWS`` or more values written, each on one row alone (blanks aside: an id left
    out here and there is still an id)."""
    written = values.fillna("").astype(str)
    written = written[written.str.strip() != ""]
    return len(written) >= ID_ROWS and bool(written.is_unique)


def report_order(names: Sequence[str]) -> list[str]:
    """Group names as a picker of reports offers them: in their order, the rows without a
    value (``(blank)``) last. A report goes to a course or an instructor; the blank group is
    nobody's, so a picker that starts on it offered "(blank): report (PDF)" first."""
    return sorted(names, key=lambda name: name == BLANK)


def is_small(rows: int) -> bool:
    return rows < SMALL_GROUP


def group_caption(value: object, rows: int) -> str:
    """``CHEM110 General Chemistry (n=412)`` or ``BIO9 (n=4, small)``: never shortened."""
    mark = f", {SMALL_MARK}" if is_small(rows) else ""
    return f"{group_name(value)} (n={rows:,}{mark})"


def labelled(part: GroupCounts) -> int:
    """The group's n: its comments with a label (the base of its shares)."""
    return sum(part.counts.values())


def summary_view(summary: Summary) -> pd.DataFrame:
    """The summary as the page shows it: one row for all comments, then one per group, each
    with its full name, n, the small mark, and per label a whole percentage (the row's
    percentages add up to 100) and the count. The download keeps the exact shares."""
    records = []
    for part in [summary.overall, *summary.groups]:
        n = labelled(part)
        percent = percentages(part.counts, summary.labels)
        record: dict[str, object] = {
            summary.group_by or "group": ALL if part is summary.overall else group_name(part.group),
            "n": n,
            SMALL_MARK: part is not summary.overall and is_small(n),
        }
        record |= {f"{label} %": percent[label] for label in summary.labels}
        record |= {label: part.counts.get(label, 0) for label in summary.labels}
        record["no label"] = part.errors
        records.append(record)
    return pd.DataFrame.from_records(records)
