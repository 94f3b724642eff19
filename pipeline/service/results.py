"""Reading a job's results: JSON pages, the CSV table, and summaries per group.

All of these work while the job runs (the rows finished so far) and after it was cancelled.
A CSV is formula-escaped unless ``raw`` is asked for (``pipeline.service.export``). The escaped
CSV is for a spreadsheet, so it starts with a UTF-8 byte order mark (``CSV_BOM``): without one
Excel on Windows reads the file in the machine's code page and shows every accent, emoji and
non-Latin script as mojibake (as the app's download, ``pipeline.ui.exports.to_csv_bytes``). A
raw CSV is for a program and has none: its first header stays the column's name.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from pipeline import scratch
from pipeline.bootstrap import Backend
from pipeline.db.records import JobRecord, JobStatus
from pipeline.db.results import GroupStats
from pipeline.errors import AmbiguousColumnError, InputError, MissingColumnError
from pipeline.file_names import results_file_name
from pipeline.group_names import BLANK, check_asked, group_cell, group_name
from pipeline.input_header import did_you_mean, listing, matching_columns
from pipeline.input_melt import question_column, respondent_refusal
from pipeline.inputs import ReadOptions
from pipeline.labelling import input_names
from pipeline.messages import echo
from pipeline.service import export
from pipeline.service.erase import readable_job
from pipeline.service.views import GroupSummary, ResultsPage, SummaryView

MAX_PAGE = 1000
MAX_OFFSET = 10**12
"""Far past any job's rows (PIPELINE_MAX_ROWS), far below what the databases can hold."""
_CSV_BATCH = 5000
_FILE_BLOCK = 1024 * 1024
CSV_BOM = "\ufeff".encode()
"""What an escaped results CSV starts with: UTF-8's byte order mark, which tells Excel the file
is UTF-8."""


def results_page(
    backend: Backend, request_id: str, owner: str | None = None, offset: int = 0, limit: int = 100
) -> ResultsPage:
    if not 0 <= offset <= MAX_OFFSET:
        raise InputError(f"offset must be between 0 and {MAX_OFFSET}, not {offset}")
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
    job = readable_job(backend, request_id, owner)
    records = backend.repository.results.page(request_id, offset, limit)
    end = offset + len(records)
    return ResultsPage(
        request_id=request_id,
        status=job.status.value,
        columns=export.header(job),
        rows=list(export.table_rows(records, job)),
        offset=offset,
        limit=limit,
        available=job.rows_done,
        rows_total=job.rows_total,
        complete=job.status == JobStatus.SUCCEEDED,
        next_offset=end if end < job.rows_done else None,
    )


def results_csv(
    backend: Backend, request_id: str, owner: str | None = None, raw: bool = False
) -> tuple[JobRecord, Iterator[bytes]]:
    """The job and its results CSV as byte blocks: the stored file once the job succeeded,
    otherwise built from the rows committed so far."""
    job = readable_job(backend, request_id, owner)
    key = _stored_key(backend, job, raw)
    blocks = _csv_blocks(backend, job, raw) if key is None else _stored_blocks(backend, key)
    return job, blocks if raw else with_bom(blocks)


def with_bom(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """An escaped CSV's blocks starting with ``CSV_BOM`` once: a file stored with one (the
    worker writes it) is passed as it is, one stored before (or built from the rows) gets it."""
    first = b""
    for block in blocks:
        first += block
        if len(first) >= len(CSV_BOM):
            break
    yield first if first.startswith(CSV_BOM) else CSV_BOM + first
    yield from blocks


def results_url(
    backend: Backend,
    request_id: str,
    owner: str | None = None,
    expires_s: int = 3600,
    raw: bool = False,
) -> str | None:
    """A direct download link for a finished job's CSV where the store offers one (S3)."""
    job = readable_job(backend, request_id, owner)
    key = _stored_key(backend, job, raw)
    if key is None:
        return None
    return backend.store.presigned_get(
        key, expires_s, results_file_name(job.input_name, job.request_id)
    )


def _stored_key(backend: Backend, job: JobRecord, raw: bool) -> str | None:
    """The stored CSV to serve; None when it has to be built from the rows: a job not yet
    finished, or one finished before escaped copies were stored (never served unescaped)."""
    if job.result_key is None or job.status != JobStatus.SUCCEEDED:
        return None
    if raw:
        return job.result_key
    escaped = export.escaped_key(job.result_key)
    return escaped if backend.store.exists(escaped) else None


def summary(
    backend: Backend, request_id: str, owner: str | None = None, group_by: str | None = None
) -> SummaryView:
    job = readable_job(backend, request_id, owner)
    column = group_column(job, group_by)
    labels = list(job.labels or ())
    overall = backend.repository.results.summarize(request_id, labels)
    groups = backend.repository.results.summarize(request_id, labels, column) if column else []
    return SummaryView(
        request_id=request_id,
        status=job.status.value,
        labels=labels,
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        overall=_group(overall[0]) if overall else _empty(labels),
        group_by=group_by,
        groups=[_group(stats) for stats in groups],
    )


def group_column(job: JobRecord, group_by: str | None) -> str | None:
    """The input column to group ``job``'s rows by (None without ``group_by``);
    MissingColumnError for a column the input lacks, InputError for the comment column."""
    if group_by is None:
        return None
    column = known_column(job, group_by)
    if column == job.text_column:
        raise InputError(f"{echo(column)} is the comment column; group by another column")
    if column == job_respondent_column(job):
        raise InputError(respondent_refusal(column))
    return column


def known_column(job: JobRecord, name: str) -> str:
    """The input column ``name`` means (``input_column``); AmbiguousColumnError naming them
    when it could mean several, MissingColumnError naming the job's columns when none."""
    column = input_column(job, name)
    if column is None:
        questions = ReadOptions.from_json(job.input_options).column_questions
        matches = matching_columns(name, job.input_columns, questions)
        if matches:
            raise AmbiguousColumnError(
                f"column {echo(name)} matches {len(matches)} columns of the job's input: "
                f"{', '.join(echo(m) for m in matches)}; give the exact name"
            )
        raise MissingColumnError(
            f"column {echo(name)} is not in the job's input"
            f"{did_you_mean(name, job.input_columns)}; its columns are: "
            f"{', '.join(job.input_columns)}"
        )
    return column


def check_one_group(group_by: str | None, group: str | None) -> None:
    """InputError for a ``group`` without ``group_by`` or empty (most likely a script's unset
    variable), or named ``(all)``: a request for one group never widens to every group."""
    if group is not None and not group_by:
        raise InputError("group needs group_by: the column whose value it is")
    if group == "":
        raise InputError(
            f"group is empty: name a value of {group_by}, or {BLANK} for the rows without one"
        )
    if group is not None:
        check_asked(group, str(group_by))


def check_known_group(backend: Backend, job: JobRecord, column: str, group: str) -> None:
    """InputError when no row of ``column`` holds ``group`` (``(blank)``: no row lacks a
    value), naming close values and all of them (the blank group last)."""
    values = [
        stats.group
        for stats in backend.repository.results.summarize(job.request_id, job.labels or (), column)
    ]
    if group_cell(group) in {"" if value is None else str(value) for value in values}:
        return
    names = sorted((group_name(value) for value in values), key=lambda name: name == BLANK)
    raise no_such_group(column, group, names)


def no_such_group(column: str, group: str, names: list[str]) -> InputError:
    """The refusal of a ``group`` no row of ``column`` holds: the close values of ``names``,
    then all of them (the words of every read and report that takes one group)."""
    return InputError(
        f"no row has {column} = {echo(group)}{did_you_mean(group, names)}; "
        f"its values: {listing(names)}"
    )


def job_question_column(job: JobRecord) -> str | None:
    """The question column of a job that read several comment columns; None for any other."""
    if not ReadOptions.from_json(job.input_options).comment_columns:
        return None
    return question_column(job.input_columns, job.text_column)


def job_respondent_column(job: JobRecord) -> str | None:
    """The column numbering each answer's respondent in a job that read several comment
    columns; None for any other (``ReadOptions.respondent_column``)."""
    options = ReadOptions.from_json(job.input_options)
    return options.respondent_column(job.input_columns, job.text_column)


def input_column(job: JobRecord, name: str) -> str | None:
    """The input column ``name`` means: an input column's own name, its name in the results
    table where the model's output took it (``input_label`` for a ``label`` column), else the
    one column submit would match (``matching_columns``: ``course`` for ``Course``, or, in a
    survey export, the column whose question it is)."""
    if name in job.input_columns:
        return name
    renamed = input_names(job.input_columns, job.labels or ())
    shown = next((column for column, shown in renamed.items() if shown == name), None)
    if shown is not None:
        return shown
    questions = ReadOptions.from_json(job.input_options).column_questions
    matches = matching_columns(name, job.input_columns, questions)
    return matches[0] if len(matches) == 1 else None


def column_question(job: JobRecord, column: str) -> str | None:
    """The survey question ``column`` answers, where the job's export said; else None."""
    return ReadOptions.from_json(job.input_options).column_questions.get(column)


def _stored_blocks(backend: Backend, key: str) -> Iterator[bytes]:
    """The stored file's blocks, read from a copy in the data folder's scratch that is opened
    and then removed before the first block goes: a download that lasts (a slow client) or an
    API killed meanwhile leaves no named copy of every comment behind, and one killed while
    copying leaves it where the next start removes it (``pipeline.scratch``)."""
    with scratch.folder(backend.settings.data_dir, "results") as folder:
        handle = backend.store.get_file(key, folder / "results.csv").open("rb")
    with handle:
        while block := handle.read(_FILE_BLOCK):
            yield block


def _csv_blocks(backend: Backend, job: JobRecord, raw: bool) -> Iterator[bytes]:
    batches = backend.repository.results.batches(job.request_id, _CSV_BATCH)
    buffer = io.StringIO()
    export.write_header(job, buffer, raw)
    yield buffer.getvalue().encode("utf-8")
    for batch in batches:
        buffer = io.StringIO()
        export.write_rows(batch, job, buffer, raw)
        yield buffer.getvalue().encode("utf-8")


def _group(stats: GroupStats) -> GroupSummary:
    scored = stats.rows - stats.errors
    return GroupSummary(
        group=stats.group,
        rows=stats.rows,
        errors=stats.errors,
        counts=stats.counts,
        shares={name: (count / scored if scored else None) for name, count in stats.counts.items()},
        mean_scores=stats.mean_scores,
    )


def _empty(labels: list[str]) -> GroupSummary:
    return GroupSummary(
        group=None,
        rows=0,
        errors=0,
        counts=dict.fromkeys(labels, 0),
        shares=dict.fromkeys(labels),
        mean_scores=dict.fromkeys(labels),
    )
