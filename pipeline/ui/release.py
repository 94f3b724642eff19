"""The app's *Before release* list (``GET /flagged``): pure, so it is tested without a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.release import flagged_table
from pipeline.release.kinds import URGENT as URGENT_KINDS

ROW = "comment #"
RESPONDENT = "file row"
ACTION = "in a report"
FOUND = "found"
URGENT = tuple(sorted(kind.value for kind in URGENT_KINDS))
"""The kinds the app asks for on every finished job it opens."""


def flagged_frame(body: Mapping[str, Any], text_column: str) -> pd.DataFrame:
    """One row per flagged comment, what needs acting on first: its place among the file's
    rows of data (from 1, the header not counted; in a job of several comment columns, among
    its answers, and then the file's data row it was read from), what a report does with it,
    what was found, its group where the list was asked per group, the question it answers in
    a job of several comment columns, its label and the comment as written."""
    comments = body.get("comments") or []
    grouped = bool(body.get("group_by"))
    return pd.DataFrame(
        {
            ROW: [comment["row_index"] + 1 for comment in comments],
            **(
                {RESPONDENT: [comment.get("respondent") for comment in comments]}
                if any("respondent" in comment for comment in comments)
                else {}
            ),
            ACTION: [
                "left out" if comment["action"] == "withheld" else "masked" for comment in comments
            ],
            FOUND: ["; ".join(flagged_table.found_words(comment)) for comment in comments],
            **({"group": [comment.get("group") for comment in comments]} if grouped else {}),
            **(
                {"question": [comment.get("question") for comment in comments]}
                if any("question" in comment for comment in comments)
                else {}
            ),
            "label": [comment.get("label") for comment in comments],
            text_column: [comment["text"] for comment in comments],
        }
    )


def numbering_note(shown: pd.DataFrame) -> str:
    """How the list's *comment #* reads in the CSV below it, whose ``row_index`` counts from 0
    as every file of the API does: the same comment, numbered one less there (said with the
    list's first comment, so the two are found side by side)."""
    if shown.empty:
        return ""
    first = int(shown[ROW].iloc[0])
    return (
        f"*{ROW}* counts the file's rows of data from 1; the CSV's `row_index` counts them "
        f"from 0, one less (comment # {first} is row_index {first - 1})."
    )


def urgent_note(body: Mapping[str, Any]) -> str | None:
    """A sentence for the comments someone should read now (a threat, words of self-harm),
    None without any."""
    counted = {kind["kind"]: kind["comments"] for kind in body.get("kinds") or []}
    parts = [
        _sentence(counted[kind], verbs, what)
        for kind, verbs, what in (
            ("threat", ("holds", "hold"), "a threat of violence"),
            ("distress", ("speaks", "speak"), "of self-harm or suicide"),
        )
        if counted.get(kind)
    ]
    if not parts:
        return None
    return (
        f"{'; '.join(parts)}. Read them first, and follow your institution's procedure for "
        "student welfare and safety."
    )


def summary_text(body: Mapping[str, Any], unfinished: str) -> str:
    """What the list holds and what a report does with it; for an answer of part of the job's
    rows (``complete`` false), ``unfinished`` in brackets: what became of the job and how many
    rows were screened (``pipeline.partial_rows.partial_note`` of its status), not "still
    running" for a job cancelled or failed."""
    if not body.get("flagged"):
        partial = "" if body.get("complete", True) else f" ({unfinished})"
        return (
            f"None of the {body.get('rows_screened', 0):,} comments holds abusive language, "
            "words of self-harm or a threat, or a personal detail: reports show them all as "
            f"written{partial}."
        )
    return (
        f"{flagged_table.heading(body, unfinished)}. Reports leave out the abusive comments, "
        "those with words of self-harm and threats, and mask the personal details (an e-mail "
        "address, a phone or student number, the writer's own name, a name the site lists) of "
        "the others; every comment still counts in the shares."
    )


def _sentence(n: int, verbs: tuple[str, str], what: str) -> str:
    one, many = verbs
    return f"1 comment {one} {what}" if n == 1 else f"{n:,} comments {many} {what}"
