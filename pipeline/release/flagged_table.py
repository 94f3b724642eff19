"""The flagged comments (``GET /flagged``) as text for a terminal and as CSV. Pure."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.csv_rows import DictRowWriter
from pipeline.ratings.table import STILL_RUNNING
from pipeline.report.change_table import csv_cell
from pipeline.terminal_text import comment_lines, inert

SHOWN_CHARS = 600
"""A comment longer than this is cut in the terminal (the CSV has it whole)."""
COLUMNS = (
    "row_index", "respondent", "action", "kinds", "found", "group", "question", "label", "text",
    "masked",
)  # fmt: skip
NUMBER_COLUMNS = frozenset({"row_index", "respondent"})
"""The columns of numbers; every other one is text, a group "001" included."""


def heading(body: Mapping[str, Any], unfinished: str = STILL_RUNNING) -> str:
    """ "7 of 1,500 comments flagged, 3 withheld from reports: threat 1, abusive 2, email 4";
    ``unfinished``, in brackets after it, for an answer of part of the job's rows (a job
    running, cancelled or failed: ``pipeline.cli.job_commands.unfinished_note``)."""
    kinds = ", ".join(f"{kind['kind']} {kind['comments']:,}" for kind in body["kinds"])
    partial = "" if body["complete"] else f" ({unfinished})"
    return (
        f"{body['flagged']:,} of {body['rows_screened']:,} comments flagged, "
        f"{body['withheld']:,} withheld from reports{': ' + kinds if kinds else ''}{partial}"
    )


def text(
    body: Mapping[str, Any],
    comments: Iterable[Mapping[str, Any]],
    width: int,
    unfinished: str = STILL_RUNNING,
) -> str:
    """The heading (``unfinished``: what it says of a job's rows so far), then each comment:
    its place among the file's data rows (from 1; in a job of several comment columns, among
    its answers, then its respondent's data row), what a report does with it, what was found
    and where (group, label), then its text as written, every cell from the file made
    ``inert`` (a value must not clear or rewrite the lines the reader must see: "withheld ·
    threat")."""
    lines = [heading(body, unfinished)]
    for comment in comments:
        parts = (comment.get("group"), comment.get("question"), comment.get("label"))
        where = inert(" · ".join(str(part) for part in parts if part is not None))
        found = inert("; ".join(found_words(comment)))
        place = f"comment #{comment['row_index'] + 1}"  # as the app counts: data rows from 1
        if "respondent" in comment:
            place += f" (row {comment['respondent']} of the file's data)"
        lines += ["", f"{place} · {comment['action']} · {where}"]
        lines.append(textwrap.shorten(f"found: {found}", width=max(width - 2, 20)))
        lines += comment_lines(comment["text"], width, SHOWN_CHARS)
    return "\n".join(lines)


def found_words(comment: Mapping[str, Any]) -> list[str]:
    """Each finding as "kind: what was written", each once."""
    seen = dict.fromkeys(
        f"{f['kind']}: {comment['text'][f['start'] : f['end']]}" for f in comment["found"]
    )
    return list(seen)


def to_csv(comments: Iterable[Mapping[str, Any]], raw: bool = False) -> str:
    """A row per flagged comment, text formula-escaped like every file the product writes
    (``raw``: as written, for a workbook, which holds a risky cell as text itself)."""
    buffer = io.StringIO()
    writer = DictRowWriter(buffer, COLUMNS)
    writer.writeheader()
    for comment in comments:
        record = {
            **{key: comment.get(key) for key in COLUMNS},
            "kinds": "; ".join(comment["kinds"]),
            "found": "; ".join(found_words(comment)),
        }
        writer.writerow({key: csv_cell(value, raw) for key, value in record.items()})
    return buffer.getvalue()
