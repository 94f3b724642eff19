"""Ratings beside the comments (``pipeline.ratings``): what ``GET /v1/jobs/{id}/ratings``,
the CLI's ``ratings``, the app's *Compare → A rating against the comments* and the report's
*Ratings and comments* show.

The rating column is one of the job's own input columns (every row keeps all its columns), so
nothing is asked at submit time and any closed question of the file can be compared, one at a
time. Read over the stored rows at each call; while a job runs, over the rows labelled so far
(``complete`` false).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus, ResultRecord
from pipeline.errors import InputError
from pipeline.group_names import group_name
from pipeline.inputs import ReadOptions
from pipeline.messages import echo
from pipeline.ratings.agreement import (
    GroupRatings,
    RatingAgreement,
    agreement,
    contradicts,
    respondent_key,
    sentiment_of,
)
from pipeline.ratings.drivers import aspect_drivers
from pipeline.ratings.scale import HIGH_FROM, RatingScale, not_rated, parse_scale, scale_of
from pipeline.report.listing import group_value
from pipeline.service.erase import readable_job
from pipeline.service.results import (
    column_question,
    group_column,
    job_question_column,
    job_respondent_column,
    known_column,
)

_MOST_UNREADABLE = 5
_CANDIDATE_ROWS = 500
"""Rows read to tell which columns hold ratings, for the refusal that asks for one."""


@dataclass(frozen=True)
class _Rated:
    row_index: int
    text: str
    group: str | None
    value: object
    label: str
    sentiment: float
    aspect_sentiments: dict[str, str]
    respondent: str | None = None
    """Who wrote it, in a job that numbers each answer's respondent; None: a writer alone."""
    question: str | None = None
    """The question it answers, in a job of several comment columns."""


@dataclass
class _Tally:
    """The rows folded in one pass: every group's ratings, the answers off the scale, the
    contradictions (with how clear each is) and each rated comment's aspects."""

    grouped: bool
    overall: GroupRatings = field(default_factory=lambda: GroupRatings(name=None))
    by_group: dict[str | None, GroupRatings] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    contradicting: list[tuple[float, _Rated, float]] = field(default_factory=list)
    about: dict[tuple[int, object], tuple[float, dict[str, str]]] = field(default_factory=dict)
    """Per respondent (each row alone where none is numbered): the rating and what their
    comments say of each aspect."""

    def add(self, row: _Rated, scale: RatingScale) -> None:
        rated = not not_rated(row.value)
        position = scale.position(row.value) if rated else None
        if rated and position is None:
            self.unreadable.append(str(row.value))
        self.overall.add(position, row.label, row.sentiment, row.respondent)
        if self.grouped:
            group = self.by_group.setdefault(row.group, GroupRatings(name=row.group))
            group.add(position, row.label, row.sentiment, row.respondent)
        if position is None:
            return
        said = self.about.setdefault(respondent_key(row.row_index, row.respondent), (position, {}))[
            1
        ]
        for aspect, polarity in row.aspect_sentiments.items():
            said[aspect] = _stronger(said.get(aspect), polarity)
        if contradicts(position, row.label):
            clearness = abs(position - (row.sentiment + 1) / 2)
            self.contradicting.append((clearness, row, position))


def _stronger(said: str | None, polarity: str) -> str:
    """What a respondent says of an aspect over their answers: negative in any of them is
    negative (what the drivers test), else positive in any, else neutral."""
    for strongest in ("negative", "positive"):
        if strongest in (said, polarity):
            return strongest
    return polarity


def rating_summary(
    backend: Backend,
    owner: str | None,
    request_id: str,
    column: str | None,
    group_by: str | None = None,
    scale: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """How a rating ``column`` of the job's input and its comments' sentiment agree: overall
    and per value of ``group_by``, with the comments that contradict their own rating
    (rated high and labelled negative, or low and positive), the clearest first, paged by
    ``offset``/``limit``. ``scale`` (``1-5``; ``5-1`` where 1 is best) overrides the scale
    told from the values. JobNotFound for an unknown or foreign job; MissingColumnError for an
    unknown column; InputError without a column (naming those that read as ratings), for the
    comment column, a column that does not read as ratings, a bad scale or a job whose labels
    are not negative/positive."""
    job = readable_job(backend, request_id, owner)
    rating = _rating_column(backend, job, column)
    question = job_question_column(job)
    respondent = job_respondent_column(job)
    if group_by is None and question is not None:
        group_by = question  # each question's row counts every student once
    groups_column = group_column(job, group_by)
    if not {"negative", "positive"} <= set(job.labels or ("negative", "positive")):
        raise InputError(
            f"ratings are compared with negative and positive comments; this job's labels are "
            f"{', '.join(job.labels or ())}"
        )
    rows = list(_rated_rows(backend, request_id, rating, groups_column, respondent, question))
    if not rows:
        raise InputError("no comment of the job has a label yet: ratings are compared with them")
    answered = [row.value for row in rows if not not_rated(row.value)]
    told = scale_of(rating, answered, parse_scale(scale) if scale else None)
    tally = _Tally(grouped=groups_column is not None)
    for row in rows:
        tally.add(row, told)
    contradicting = sorted(tally.contradicting, key=lambda e: (-e[0], e[1].row_index))
    ordered = sorted(tally.by_group, key=lambda value: (value is None, value or ""))
    return {
        "request_id": request_id,
        "complete": job.status == JobStatus.SUCCEEDED,
        "column": rating,
        "question": column_question(job, rating),
        "group_by": group_by,
        "scale": told.as_json(),
        "note": _answers_note(job, question, groups_column, respondent),
        "unreadable": {
            "answers": len(tally.unreadable),
            "examples": list(dict.fromkeys(tally.unreadable))[:_MOST_UNREADABLE],
        },
        "overall": _figures(agreement([tally.overall])[0], told),
        "groups": [
            {"group": group_name(found.name), **_figures(found, told)}
            for found in (agreement([tally.by_group[v] for v in ordered]) if tally.grouped else [])
        ],
        "aspects": _drivers(list(tally.about.values()), told),
        "contradicting": {
            "comments": len(contradicting),
            "offset": offset,
            "limit": limit,
            "page": [
                _contradicting(row, position, groups_column is not None)
                for _strength, row, position in contradicting[offset:][:limit]
            ],
        },
    }


def _answers_note(
    job: JobRecord, question: str | None, groups_column: str | None, respondent: str | None
) -> str | None:
    """What a job of several open questions does to the figures: it holds a row per answer.
    Where each answer's respondent is numbered, each student's rating counts once; in a job
    from before that, a student who answered two questions has their rating counted twice,
    except within one question's row. None for a job of one comment column."""
    if question is None:
        return None
    asked = len(ReadOptions.from_json(job.input_options).comment_columns)
    if respondent is not None:
        return (
            f"this job reads {asked} open questions as one row per answer: the mean rating, "
            "the high and low counts, the correlation and what the ratings follow take each "
            f"student once (their answers numbered in {echo(respondent)}, their sentiment "
            "averaged); the label shares and the contradicting comments count answers"
        )
    where = (
        f"each row of {echo(question)} counts every student once"
        if groups_column == question
        else f"per {echo(question)} (group_by={question}) each student counts once"
    )
    return (
        f"this job reads {asked} open questions as one row per answer: a student's rating "
        "counts once per question they answered, so the overall figures (and those per "
        f"group) weigh each student by their answers; {where}"
    )


def _rating_column(backend: Backend, job: JobRecord, column: str | None) -> str:
    if not column:
        found = rating_columns(backend, job)
        hint = (
            f"{', '.join(echo(c) for c in found)} read as ratings"
            if found
            else "none of its columns reads as ratings"
        )
        raise InputError(f"name the rating column (column): {hint}")
    resolved = known_column(job, column)
    if resolved == job.text_column or resolved in _comment_columns(job):
        raise InputError(f"{echo(resolved)} is a comment column; name a column of ratings")
    if resolved == job_respondent_column(job):
        raise InputError(
            f"{echo(resolved)} numbers each answer's respondent; name a column of ratings"
        )
    return resolved


def rating_columns(backend: Backend, job: JobRecord) -> list[str]:
    """The job's input columns whose values (in its first rows) read as ratings."""
    records: list[ResultRecord] = []
    for batch in backend.repository.results.batches(job.request_id, _CANDIDATE_ROWS):
        records.extend(batch)
        break
    skipped = {job.text_column, job_respondent_column(job), *_comment_columns(job)}
    found = []
    for column in job.input_columns:
        if column in skipped:
            continue
        try:
            scale_of(column, [record.data.get(column) for record in records])
        except InputError:
            continue
        found.append(column)
    return found


def _comment_columns(job: JobRecord) -> set[str]:
    return set(ReadOptions.from_json(job.input_options).comment_columns or ())


def _rated_rows(
    backend: Backend,
    request_id: str,
    rating: str,
    groups_column: str | None,
    respondent: str | None,
    question: str | None,
) -> Iterator[_Rated]:
    for batch in backend.repository.results.batches(request_id):
        for record in batch:
            if record.label is None or record.error is not None:
                continue
            yield _Rated(
                row_index=record.row_index,
                text=record.text,
                group=group_value(record, groups_column) or None,
                value=record.data.get(rating),
                label=record.label,
                sentiment=sentiment_of(record.label, record.scores),
                aspect_sentiments=record.aspect_sentiments,
                respondent=str(record.data.get(respondent)) if respondent else None,
                question=group_value(record, question) if question else None,
            )


def _figures(found: RatingAgreement, scale: RatingScale) -> dict[str, Any]:
    return {
        "rated": found.rated,
        "respondents": found.respondents,
        "unrated": found.unrated,
        "mean": None if found.mean_position is None else scale.value_at(found.mean_position),
        "mean_position": found.mean_position,
        "rated_high": found.high,
        "rated_low": found.low,
        "labels": found.label_counts,
        "correlation": found.correlation,
        "p_value": found.p_value,
        "adjusted_p": found.adjusted_p,
        "reads_reversed": found.reads_reversed,
        "high_but_negative": found.high_but_negative,
        "low_but_positive": found.low_but_positive,
    }


def _drivers(about: list[tuple[float, dict[str, str]]], scale: RatingScale) -> list[dict[str, Any]]:
    """Per aspect, the ratings of the comments negative (and positive) about it against the
    others', on the column's own scale (``difference`` in points toward the best: negative
    when the negative comments are rated worse); [] for a job without aspects."""
    if not any(found for _position, found in about):
        return []
    drivers = aspect_drivers([p for p, _found in about], [found for _p, found in about])
    span = abs(scale.value_at(1.0) - scale.value_at(0.0))  # points from worst to best
    return [
        {
            "aspect": driver.aspect,
            "negative": driver.negative,
            "positive": driver.positive,
            "mean_negative": _on_scale(scale, driver.mean_negative),
            "mean_positive": _on_scale(scale, driver.mean_positive),
            "mean_others": _on_scale(scale, driver.mean_others),
            "difference": None if driver.difference is None else driver.difference * span,
            "p_value": driver.p_value,
            "adjusted_p": driver.adjusted_p,
            "flagged": driver.flagged,
        }
        for driver in drivers
    ]


def _on_scale(scale: RatingScale, position: float | None) -> float | None:
    return None if position is None else scale.value_at(position)


def _contradicting(row: _Rated, position: float, grouped: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "row_index": row.row_index,
        "rating": str(row.value),
        "rating_position": position,
        "rated": "high" if position >= HIGH_FROM else "low",
        "label": row.label,
        "sentiment": row.sentiment,
        "text": row.text,
    }
    if grouped:
        entry["group"] = group_name(row.group)
    if row.question is not None:
        entry["question"] = row.question
    if row.respondent is not None:
        entry["respondent"] = row.respondent
    return entry
