"""The comments screening before release flags (``pipeline.release``): the chair's list.

A report leaves these out or masks them; whoever releases it reads them here — to follow up
a student in distress or a threat, and to decide what to pass on. What ``GET
/v1/jobs/{id}/flagged``, the CLI's ``flagged`` and the app's *Review* tab show. The screen runs
over the stored comments at each call (a site's new words count at once); while a job runs,
over the rows labelled so far (``complete`` false).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.db.records import JobStatus, ResultRecord
from pipeline.group_names import group_name
from pipeline.release.kinds import DESCRIPTIONS, ORDER, parse_kinds
from pipeline.release.screen import ReleaseScreen, Verdict
from pipeline.report.listing import group_value
from pipeline.service.erase import readable_job
from pipeline.service.results import (
    check_known_group,
    check_one_group,
    group_cell,
    group_column,
    job_question_column,
    job_respondent_column,
)


def flagged_comments(
    backend: Backend,
    owner: str | None,
    request_id: str,
    group_by: str | None = None,
    group: str | None = None,
    offset: int = 0,
    limit: int = 100,
    kinds: str | None = None,
) -> dict[str, Any]:
    """The job's flagged comments, what needs acting on first (threats, distress, abusive,
    then personal details), in the file's order within each; with ``group_by`` each names its
    group, with ``group`` only that group's ("(blank)": the rows without a value); in a job
    of several comment columns each names the question it answers and its respondent (the
    file's data row it was read from, from 1). The counts
    are of every flagged comment; ``comments`` is the page ``offset``..``offset+limit``. With
    ``kinds`` (``threat,distress``), only those kinds are looked for (cheaper: the app asks
    so on every job it opens). JobNotFound for an unknown or foreign job; MissingColumnError
    for an unknown column; InputError for ``group`` without ``group_by``, a value no row
    holds or an unknown kind."""
    check_one_group(group_by, group)
    wanted = parse_kinds(kinds)
    job = readable_job(backend, request_id, owner)
    column = group_column(job, group_by)
    question = job_question_column(job)
    respondent = job_respondent_column(job)
    screen = ReleaseScreen.from_settings(backend.settings)
    results = backend.repository.results
    value = None if group is None else group_cell(group)
    if column is not None and value is not None:
        batches = results.group_batches(request_id, column, value)
    else:
        batches = results.batches(request_id)
    screened = 0
    found: list[tuple[int, ResultRecord, Verdict]] = []
    for batch in batches:
        for record in batch:
            screened += 1
            verdict = screen.check(record.text, wanted)
            if verdict.flagged:
                found.append((ORDER.index(verdict.kinds[0]), record, verdict))
    if column is not None and group is not None and not screened:
        check_known_group(backend, job, column, group)
    found.sort(key=lambda entry: (entry[0], entry[1].row_index))
    counted = Counter(kind for _first, _record, verdict in found for kind in verdict.kinds)
    return {
        "request_id": request_id,
        "complete": job.status == JobStatus.SUCCEEDED,
        "group_by": group_by,
        "group": group,
        "screened_for": [kind.value for kind in ORDER if kind in wanted],
        "rows_screened": screened,
        "flagged": len(found),
        "withheld": sum(verdict.withheld for _first, _record, verdict in found),
        "kinds": [
            {"kind": kind.value, "comments": counted[kind], "means": DESCRIPTIONS[kind]}
            for kind in ORDER
            if counted[kind]
        ],
        "offset": offset,
        "limit": limit,
        "comments": [
            _entry(record, verdict, column, question, respondent)
            for _first, record, verdict in found[offset:][:limit]
        ],
    }


def _entry(
    record: ResultRecord,
    verdict: Verdict,
    column: str | None,
    question: str | None,
    respondent: str | None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "row_index": record.row_index,
        "action": "withheld" if verdict.withheld else "masked",
        "kinds": [kind.value for kind in verdict.kinds],
        "found": [{"kind": f.kind.value, "start": f.start, "end": f.end} for f in verdict.findings],
        "text": record.text,
        "masked": verdict.masked,
        "label": record.label,
    }
    if column is not None:
        value = group_value(record, column)
        entry["group"] = group_name(value)
    if question is not None:
        entry["question"] = group_value(record, question)
    if respondent is not None:
        entry["respondent"] = group_value(record, respondent)
    return entry
