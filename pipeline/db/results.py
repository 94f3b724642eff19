"""Reading result rows back: pages, full scans for CSV export, and per-group summaries.

Rows of a job are committed in file order, so row indexes 0..rows_done-1 are always present
and a page is a range of the primary key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from pipeline.db.engine import Database, once_more_if_dropped
from pipeline.db.models import ResultRow
from pipeline.db.records import ResultRecord

GROUP_LABEL = "group_value"
_IN_LIST = 5000
"""Row ids per ``IN (...)`` list: well under SQLite's 32,766 bound variables."""


@dataclass(frozen=True)
class InsightRow:
    """What aspect and theme summaries read of a labelled row (``text`` empty unless asked)."""

    row_index: int
    label: str
    aspects: tuple[str, ...]
    aspect_sentiments: dict[str, str]
    group: str | None
    theme: int | None
    text: str = ""


@dataclass(frozen=True)
class GroupStats:
    """Counts per label and the mean probability of each class over the scored rows."""

    group: str | None
    rows: int
    errors: int
    counts: dict[str, int] = field(default_factory=dict)
    mean_scores: dict[str, float | None] = field(default_factory=dict)


@once_more_if_dropped
class ResultRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def page(self, request_id: str, offset: int, limit: int) -> list[ResultRecord]:
        """Rows ``offset``… as plain tuples (no ORM objects): exports read millions of them.
        Run on the session's connection, past the ORM's row loading, which took about a third
        of the read (0.32 against 0.23 s per 10,000 rows, benchmarks/publish_results.py)."""
        query = (
            select(*_RECORD_COLUMNS)
            .where(ResultRow.request_id == request_id)
            .where(ResultRow.row_index >= offset, ResultRow.row_index < offset + limit)
            .order_by(ResultRow.row_index)
        )
        with self._db.read() as session:
            return [_record(*row) for row in session.connection().execute(query)]

    def batches(self, request_id: str, batch_size: int = 5000) -> Iterator[list[ResultRecord]]:
        """Every row in order, a batch at a time, in short read transactions."""
        start = 0
        while batch := self.page(request_id, start, batch_size):
            yield batch
            start = batch[-1].row_index + 1

    def group_batches(
        self, request_id: str, column: str, group: str, batch_size: int = 5000
    ) -> Iterator[list[ResultRecord]]:
        """The rows of one group (``in_group``) in order, a batch at a time in short read
        transactions: one group's report reads its own rows, not the whole job's."""
        start = 0
        while True:
            query = (
                select(*_RECORD_COLUMNS)
                .where(ResultRow.request_id == request_id, ResultRow.row_index >= start)
                .where(in_group(column, group))
                .order_by(ResultRow.row_index)
                .limit(batch_size)
            )
            with self._db.read() as session:
                batch = [_record(*row) for row in session.connection().execute(query)]
            if batch:
                yield batch
            if len(batch) < batch_size:
                return
            start = batch[-1].row_index + 1

    def insight_rows(
        self,
        request_id: str,
        group_by: str | None = None,
        with_text: bool = False,
        batch_size: int = 5000,
        before: int | None = None,
        group: str | None = None,
    ) -> Iterator[InsightRow]:
        """The labelled rows in order, with their aspects, theme and ``group_by`` value, read
        a batch at a time in short transactions; with ``before``, only the rows before that
        one (those whose insights are done while a job works them out); with ``group``, only
        that group's rows (``in_group``; needs ``group_by``)."""
        if group is not None and not group_by:  # never every group's rows instead
            raise ValueError("a group's rows need the column the group is a value of")
        cell = group_value(group_by) if group_by else literal(None, String())
        text = ResultRow.text if with_text else literal("", String())
        columns = (
            ResultRow.row_index,
            ResultRow.label,
            ResultRow.aspects,
            ResultRow.aspect_sentiments,
            cell,
            ResultRow.theme,
            text,
        )
        start = 0
        while True:
            query = (
                select(*columns)
                .where(ResultRow.request_id == request_id)
                .where(ResultRow.row_index >= start, ResultRow.label.is_not(None))
                .order_by(ResultRow.row_index)
                .limit(batch_size)
            )
            if before is not None:
                query = query.where(ResultRow.row_index < before)
            if group is not None and group_by:
                query = query.where(in_group(group_by, group))
            with self._db.read() as session:
                batch = session.execute(query).all()
            for row_index, label, aspects, sentiments, value, theme, body in batch:
                yield InsightRow(
                    int(row_index),
                    str(label),
                    tuple(aspects or ()),
                    dict(sentiments or {}),
                    None if value is None else str(value),
                    theme,
                    body or "",
                )
            if len(batch) < batch_size:
                return
            start = int(batch[-1][0]) + 1

    def assign_themes(self, request_id: str, row_themes: dict[int, int]) -> None:
        """Set every labelled row's theme in one transaction: one UPDATE per theme, its rows
        listed a few thousand at a time; rows not named lose any theme they had."""
        by_theme: dict[int, list[int]] = {}
        for row, theme in row_themes.items():
            by_theme.setdefault(theme, []).append(row)
        with self._db.write() as session:
            session.execute(
                update(ResultRow).where(ResultRow.request_id == request_id).values(theme=None)
            )
            for theme, rows in sorted(by_theme.items()):
                for start in range(0, len(rows), _IN_LIST):
                    session.execute(
                        update(ResultRow)
                        .where(ResultRow.request_id == request_id)
                        .where(ResultRow.row_index.in_(rows[start : start + _IN_LIST]))
                        .values(theme=theme)
                    )

    def summarize(
        self, request_id: str, labels: Sequence[str], group_by: str | None = None
    ) -> list[GroupStats]:
        """One entry per value of ``group_by`` (one overall entry without it), sorted by value."""
        group = (group_value(group_by) if group_by else literal(None, String())).label(GROUP_LABEL)
        counts = (
            select(group, ResultRow.label, func.count())
            .where(ResultRow.request_id == request_id)
            .group_by(GROUP_LABEL, ResultRow.label)
        )
        means = (
            select(group, *(func.avg(ResultRow.scores[name].as_float()) for name in labels))
            .where(ResultRow.request_id == request_id, ResultRow.label.is_not(None))
            .group_by(GROUP_LABEL)
        )
        label_counts: dict[str | None, dict[str | None, int]] = {}
        with self._db.read() as session:
            for value, label, count in session.execute(counts):
                label_counts.setdefault(value, {})[label] = int(count)
            mean_rows = {row[0]: tuple(row[1:]) for row in session.execute(means)}
        ordered = sorted(label_counts, key=lambda value: (value is None, value or ""))
        return [
            GroupStats(
                group=value,
                rows=sum(label_counts[value].values()),
                errors=label_counts[value].get(None, 0),
                counts={name: label_counts[value].get(name, 0) for name in labels},
                mean_scores=_means(labels, mean_rows.get(value)),
            )
            for value in ordered
        ]


def _means(labels: Sequence[str], values: tuple[object, ...] | None) -> dict[str, float | None]:
    means: dict[str, float | None] = dict.fromkeys(labels)
    for name, value in zip(labels, values or (), strict=False):
        means[name] = None if value is None else float(str(value))
    return means


def in_group(column: str, group: str) -> ColumnElement[bool]:
    """Rows whose ``column`` holds ``group`` as ``summarize`` groups them: the cell as text
    (a number too: ``101``); ``""`` is the rows without a value, stored empty or not at all."""
    return func.coalesce(group_value(column), "") == group


def group_value(column: str) -> ColumnElement[str]:
    """A row's ``column`` cell as text (a number too: ``101``; NULL where the row has none),
    read by the member's name as JSON decodes it, so whether the row's JSON was written with
    ``\\u00e9`` or ``é`` does not matter, nor what the name holds (a quote, a backslash, ``.``,
    ``$``, ``[``). A SQLite JSON path (``$."name"``, what ``data[name]`` compiles to) compares
    the name with the row's as written, escapes and all (rows are written ASCII-escaped:
    ``Intitul\\u00e9``), and cannot hold a ``"`` (SQLite 3.40); so on SQLite the cell is found
    among the keys ``json_each`` decodes. PostgreSQL's ``->>`` decodes the names itself."""
    return _JsonMember(ResultRow.data, literal(column, String()))


class _JsonMember(FunctionElement[str]):
    """``document``'s member named ``key``, as text: ``_JsonMember(document, key)``."""

    type = String()
    name = "json_member"
    inherit_cache = True


@compiles(_JsonMember, "sqlite")
def _sqlite_member(element: _JsonMember, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST((SELECT value FROM json_each({document}) WHERE key = {key}) AS VARCHAR)"


@compiles(_JsonMember)
def _member(element: _JsonMember, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = element.clauses
    return str(compiler.process(document[key].as_string(), **kw))


_RECORD_COLUMNS = (
    ResultRow.row_index,
    ResultRow.text,
    ResultRow.data,
    ResultRow.label,
    ResultRow.scores,
    ResultRow.error,
    ResultRow.model_version,
    ResultRow.language,
    ResultRow.aspects,
    ResultRow.aspect_sentiments,
    ResultRow.theme,
    ResultRow.explanation,
)


def _record(
    row_index: int,
    text: str,
    data: dict[str, Any],
    label: str | None,
    scores: dict[str, float] | None,
    error: str | None,
    model_version: str,
    language: str | None,
    aspects: list[str] | None,
    aspect_sentiments: dict[str, str] | None,
    theme: int | None,
    explanation: str | None,
) -> ResultRecord:
    return ResultRecord(
        row_index=row_index,
        text=text,
        data=dict(data),
        label=label,
        scores=dict(scores) if scores is not None else None,
        error=error,
        model_version=model_version,
        language=language,
        aspects=tuple(aspects or ()),
        aspect_sentiments=dict(aspect_sentiments or {}),
        theme=theme,
        explanation=explanation,
    )
