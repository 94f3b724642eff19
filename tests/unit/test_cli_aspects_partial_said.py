"""`sentiment-pipeline aspects` of a job that has not succeeded: its heading says what became
of the job. It said "partial: the job is still running" of a job cancelled or failed, which
never will finish; the command now passes what is true (``unfinished_note``: cancelled or
failed, how many rows) and the table ends its heading with it."""

from __future__ import annotations

from typing import Any

from pipeline.cli.insight_tables import PARTIAL, aspects_table

BODY: dict[str, Any] = {
    "request_id": "job1",
    "complete": False,
    "model_version": "aspects-1",
    "group_by": None,
    "rows_labelled": 6,
    "rows_with_aspects": 1,
    "categories": [
        {
            "name": "exams",
            "meaning": "exams",
            "n": 1,
            "counts": {"negative": 1, "neutral": 0, "positive": 0},
            "shares": {"negative": 1.0, "neutral": 0.0, "positive": 0.0},
        }
    ],
    "groups": [],
}
CANCELLED = "job cancelled: 6 of 10 rows labelled; these figures are of those rows only"


def test_the_heading_of_a_partial_answer_says_what_it_is_told() -> None:
    for body in (BODY, {**BODY, "categories": []}):
        heading = aspects_table(body, 400).splitlines()[0]
        told = aspects_table(body, 400, CANCELLED).splitlines()[0]
        assert told.endswith(f"(aspect model aspects-1); {CANCELLED}"), told
        assert "still running" not in heading + told
        assert heading.endswith(f"; {PARTIAL}"), heading
    assert CANCELLED not in aspects_table({**BODY, "complete": True}, 400, CANCELLED)
