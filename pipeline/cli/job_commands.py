"""Job commands: init, up, worker, master (this machine's backend) and submit, status, jobs,
results, summary, cancel (clients of the HTTP API, so they work the same against AWS)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, TextIO, cast

from pipeline.cli.exit_codes import EXIT_DONE, EXIT_FAILURE, EXIT_UNFINISHED
from pipeline.cli.key_options import add_key_options, client_key
from pipeline.cli.output import table_file, writable, write_whole, writing
from pipeline.cli.progress_lines import on_terminal, progress_line, progress_mark
from pipeline.errors import Conflict, InputError, LimitExceededError
from pipeline.messages import bounded
from pipeline.partial_rows import partial_note
from pipeline.settings import Settings
from pipeline.terminal_text import display_width, inert, inert_lines, padded

SHEET_HELP = (
    "XLSX and ODS: the sheet, by name or 1-based number, or '*' for every sheet whose header names "
    "the text column, read as one table with a 'sheet' column (default: the first such sheet)"
)

TERMINAL = ("succeeded", "failed", "cancelled")
UNFINISHED = ("queued", "running")
RESULTS_FORMATS = ("csv", "json")


def register(commands: Any) -> None:
    init = commands.add_parser("init", help="create the storage the backend needs (idempotent)")
    init.set_defaults(handler=_init)

    up = commands.add_parser("up", help="run the HTTP API and the master (which runs workers)")
    up.add_argument("--host", default=None, help="address to listen on (PIPELINE_API_HOST)")
    up.add_argument("--port", type=tcp_port, default=None, help="port (PIPELINE_API_PORT)")
    up.add_argument("--ui", action="store_true", help="also run the Streamlit app")
    up.add_argument("--ui-port", type=tcp_port, default=8501, help="port of the Streamlit app")
    up.add_argument(
        "--ui-host",
        default="127.0.0.1",
        help="address the app listens on (default 127.0.0.1, this machine only, whatever "
        "--host says; elsewhere each visitor enters their own API key)",
    )
    up.set_defaults(handler=_up)

    worker = commands.add_parser("worker", help="process jobs from the queue")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(handler=_worker)

    master = commands.add_parser("master", help="scale workers to the queue")
    master.add_argument(
        "--exit-when-idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="exit after this long with no job and no worker (PIPELINE_MASTER_EXIT_IDLE_S)",
    )
    master.set_defaults(handler=_master)

    submit = client_parser(commands, "submit", "upload a file and queue a job")
    submit.add_argument(
        "file",
        type=Path,
        help="CSV, XLSX, ODS or one-per-line TXT; a text file's encoding is detected: UTF-8, "
        "UTF-16 with a byte order mark, else a Windows code page or Mac Roman",
    )
    submit.add_argument(
        "--text-column",
        action="append",
        default=[],
        metavar="COLUMN",
        help="the comment column (default: the one column named like comments; not for TXT); "
        "repeat it for several open questions: one row per comment, with a question column",
    )
    submit.add_argument(
        "--group-by", action="append", default=[], metavar="COLUMN", help="repeatable"
    )
    submit.add_argument(
        "--sheet",
        default=None,
        help=SHEET_HELP,
    )
    submit.add_argument("--fresh", action="store_true", help="run again even if identical")
    submit.add_argument(
        "--explain",
        action="store_true",
        help="also store the words that drove each label (labelling takes longer)",
    )
    submit.add_argument(
        "--wait",
        action="store_true",
        help="show progress until it finishes; exit status 0 when it succeeded, 1 when it "
        "failed, was cancelled or erased",
    )
    _add_timeout(submit, "--wait")
    submit.set_defaults(handler=_submit)

    status = client_parser(commands, "status", "a job's status and progress")
    status.add_argument("request_id")
    status.add_argument(
        "--watch",
        action="store_true",
        help="progress until it finishes; exit status 0 when it succeeded, 1 when it failed, "
        "was cancelled or erased",
    )
    _add_timeout(status, "--watch")
    status.add_argument(
        "--json",
        action="store_true",
        help="print the API's status as JSON (with --watch: its last, once the job ended)",
    )
    status.set_defaults(handler=_status)

    jobs = client_parser(commands, "jobs", "list the key's jobs, newest first")
    jobs.add_argument(
        "--limit",
        type=_job_limit,
        default=50,
        metavar="N",
        help=f"at most N jobs (1 to {MOST_JOBS}; default 50)",
    )
    jobs.add_argument("--json", action="store_true", help="print the API's JSON")
    jobs.set_defaults(handler=_jobs)

    results = client_parser(commands, "results", "download a job's results (CSV, or Excel)")
    results.add_argument("request_id")
    results.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="file to write (else stdout): an Excel workbook if it ends in .xlsx, else CSV",
    )
    results.add_argument(
        "--raw",
        action="store_true",
        help="cells as stored: no apostrophe before =, +, -, @ (unsafe to open in a spreadsheet)",
    )
    results.add_argument(
        "--format",
        choices=RESULTS_FORMATS,
        default="csv",
        help="json: the rows as one JSON document (the API's columns and rows, every value as "
        "stored), read page by page, so a running job's rows over the size one CSV answer of "
        "the API carries (5 MiB on AWS) can still be read (default: csv)",
    )
    results.set_defaults(handler=_results)

    summary = client_parser(commands, "summary", "label counts and mean scores")
    summary.add_argument("request_id")
    summary.add_argument("--group-by", default=None, metavar="COLUMN")
    summary.set_defaults(handler=_summary)

    cancel = client_parser(commands, "cancel", "cancel a job (finished rows are kept)")
    cancel.add_argument("request_id")
    cancel.set_defaults(handler=_cancel)

    erase = client_parser(
        commands,
        "erase",
        "erase a job: its comments, labels, results files and analysis (its record stays)",
    )
    erase.add_argument("request_id")
    erase.add_argument(
        "--yes", action="store_true", help="erase it: this cannot be undone (required)"
    )
    erase.add_argument(
        "--operator",
        action="store_true",
        help="erase it in this deployment's database and store directly, whoever owns it (a "
        "job made without a key or under a revoked one); needs their credentials, not a key",
    )
    erase.set_defaults(handler=_erase)


def tcp_port(text: str) -> int:
    """An option's port, refused by argparse under the option's own name (``--port``)
    rather than later under the variable's (``PIPELINE_API_PORT``) that was never set."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1 to 65535)") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a TCP port (1 to 65535)")
    return port


def client_parser(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A command that calls the HTTP API: takes --api-url and --api-key-file or --api-key."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.add_argument("--api-url", default=None, help="API address (PIPELINE_API_URL)")
    add_key_options(parser)
    return parser


def _add_timeout(parser: argparse.ArgumentParser, waiting: str) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"with {waiting}: stop waiting after this long, exit status "
        f"{EXIT_UNFINISHED} (the job goes on)",
    )


def _seconds(text: str) -> float:
    """A ``--timeout``: seconds, more than 0 (``1e9`` waits as good as for ever)."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a number of seconds more than 0")
    return seconds


MOST_JOBS = 500
"""The most jobs the API lists at once (``GET /v1/jobs?limit=``)."""


def _job_limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= limit <= MOST_JOBS:
        raise argparse.ArgumentTypeError(f"{limit} is not 1 to {MOST_JOBS}")
    return limit


def _init(_args: argparse.Namespace) -> int:
    from pipeline.bootstrap import init_backend

    settings = Settings.from_env()
    backend = init_backend(settings)
    database = backend.repository.database.engine.url.render_as_string(hide_password=True)
    print(f"backend {settings.backend} ready: data in {settings.data_dir}, database {database}")
    if settings.api_database_secret_arn or settings.worker_database_secret_arn:
        _grant_database_roles(settings, backend)
    return 0


def _grant_database_roles(settings: Settings, backend: Any) -> None:
    """The API's and the workers' own database logins (docs/deploy.md, database roles)."""
    from pipeline.adapters.aws import role_logins
    from pipeline.db.roles import apply_roles

    api, worker = role_logins(settings)
    apply_roles(backend.repository.database.engine, api=api, worker=worker)
    print(f"database roles ready: {api.role} (API), {worker.role} (workers and master)")


def _up(args: argparse.Namespace) -> int:
    from pipeline.api.serve import serve, with_warm_pool
    from pipeline.bootstrap import init_backend

    configured = Settings.from_env(api_host=args.host, api_port=args.port)
    settings = with_warm_pool(configured, os.environ)
    _log_to_stderr()
    backend = init_backend(settings)
    if not args.ui:
        serve(backend, settings.api_host, settings.api_port)
        return 0
    from pipeline.service.keys import keys_required
    from pipeline.ui.launcher import (
        app_line,
        client_url,
        find_app,
        running_ui,
        visitors_bring_keys,
    )

    api_url = client_url(settings.api_host, settings.api_port)
    api_needs_keys = keys_required(settings.auth, settings.api_host)
    visitors = visitors_bring_keys(args.ui_host, settings.api_host, api_needs_keys)
    with running_ui(find_app(), args.ui_host, args.ui_port, api_url, visitors):
        print(app_line(args.ui_host, args.ui_port, visitors), file=sys.stderr)
        serve(backend, settings.api_host, settings.api_port)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from pipeline.bootstrap import open_backend
    from pipeline.insights.loading import insights_source
    from pipeline.model.predictor import Predictor
    from pipeline.worker import Worker, install_stop_signals
    from pipeline.worker_identity import resolve_worker_id, urllib_call

    settings = Settings.from_env()
    _log_to_stderr()

    def load(reference: str) -> Predictor:
        return Predictor.load(
            reference,
            batch_size=settings.batch_size,
            device=settings.device,
            precision=settings.precision,
        )

    worker_id = resolve_worker_id(settings, os.environ, urllib_call)
    worker = Worker(
        open_backend(settings),
        load,
        worker_id,
        parent_pid=args.parent_pid,
        insights=insights_source(settings),
    )
    install_stop_signals(worker)
    if not args.burst:  # a burst worker may find nothing to do
        worker.warm_up(settings.model)
    handled = worker.run(burst=args.burst)
    logging.getLogger(__name__).info("worker %s handled %d messages", worker.worker_id, handled)
    return 0


def _master(args: argparse.Namespace) -> int:
    from pipeline.adapters.local_fleet import LocalProcessFleet
    from pipeline.bootstrap import build_fleet, open_backend
    from pipeline.master import Master

    settings = Settings.from_env(master_exit_idle_s=args.exit_when_idle)
    _log_to_stderr()
    fleet = build_fleet(settings)
    master = Master.from_settings(open_backend(settings), fleet)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        master.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        master.run()
    finally:
        if isinstance(fleet, LocalProcessFleet):
            fleet.shutdown()
    return 0


def _submit(args: argparse.Namespace) -> int:
    from pipeline.input_header import unlabelled_note
    from pipeline.inputs import asked_columns, detect_format

    _check_sendable(args.file)
    _check_timeout(args.timeout, args.wait, "--wait")
    with api_client(args) as client, args.file.open("rb") as handle:
        submitted = client.submit(  # streamed: large files never sit in memory
            handle,
            args.file.name,
            args.text_column,
            args.group_by,
            fresh=args.fresh,
            sheet=args.sheet,
            explain=args.explain,
        )
        print(submitted.request_id)
        if not asked_columns(args.text_column) and detect_format(args.file) != "txt":
            column = _polled(client, submitted.request_id, _stderr_once()).text_column
            print(f"comments from column {column!r}", file=sys.stderr)
        if others := submitted.other_text_columns:
            print(unlabelled_note(others), file=sys.stderr)
        if submitted.reused:
            print("an identical job exists; use --fresh to run it again", file=sys.stderr)
        if not args.wait:
            return EXIT_DONE
        return _watch(client, submitted.request_id, to=sys.stderr, timeout_s=args.timeout)


def _check_sendable(source: Path) -> None:
    """InputError, before any request, for what cannot be uploaded: no such file, a folder,
    or a pipe (``… | submit /dev/stdin``, ``submit <(…)``), whose size is not known until it
    ends and which cannot be read twice, as an upload and its retries need."""
    try:
        mode = source.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise InputError(f"{source} is a folder: name a file to submit")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{source} is a pipe or a device, not a file: a submission's size must be known "
            "before it is sent; save the output to a file first (… > export.csv, then "
            "sentiment-pipeline submit export.csv)"
        )


def _check_timeout(timeout_s: float | None, waiting: bool, option: str) -> None:
    if timeout_s is not None and not waiting:
        raise InputError(f"--timeout limits the waiting of {option}: give {option} too")


def _status(args: argparse.Namespace) -> int:
    """The job's status: a line, or with ``--json`` the API's own JSON (every field of
    ``GET /v1/jobs/{id}``, ``progress`` among them); with ``--watch``, once it ended."""
    _check_timeout(args.timeout, args.watch, "--watch")
    with api_client(args) as client:
        if args.watch:
            return _watch(client, args.request_id, as_json=args.json, timeout_s=args.timeout)
        status = client.status(args.request_id)
        print(status_json(status) if args.json else _describe(status))
        return EXIT_DONE


def _jobs(args: argparse.Namespace) -> int:
    """The key's jobs, newest first, a line each as ``keys jobs`` prints an owner's (its id
    first, tab-separated, for ``cut``), and their count on stderr; with ``--json`` the
    API's answer."""
    with api_client(args) as client:
        listed = client.jobs(args.limit)
    if args.json:
        print(json.dumps({"jobs": [job.api for job in listed]}, indent=2))
        return EXIT_DONE
    for job in listed:
        print(_listed(job))
    count = "1 job" if len(listed) == 1 else f"{len(listed):,} jobs"
    more = f" (the newest {args.limit:,}: --limit shows more)" if len(listed) == args.limit else ""
    print(f"{count} under this key{more}", file=sys.stderr)
    return EXIT_DONE


def _listed(job: Any) -> str:
    """``ID<tab>2026-12-06 10:00 UTC<tab>succeeded<tab>4,000/4,000 rows<tab>comments.csv``,
    and ``erased …`` after an erased job's; inert (the file's name is the user's)."""
    rows = f"{job.rows_done:,}/{job.rows_total:,} rows"
    erased = f"\terased {_utc(job.erased_at)}" if job.erased_at else ""
    fields = (job.request_id, _utc(job.created_at), job.status, rows, job.input_name)
    return "\t".join(inert(field) for field in fields) + erased


def _utc(stamp: str | None) -> str:
    """An API time (ISO 8601) to the minute in UTC, as ``keys jobs`` shows one; as sent
    when it does not read as one."""
    from datetime import UTC, datetime

    from pipeline.cli.key_commands import UTC_TIME

    if not stamp:
        return "–"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return inert(stamp)
    return f"{moment.astimezone(UTC) if moment.tzinfo else moment:{UTC_TIME}}"


def status_json(status: Any) -> str:
    """The job's status as the API answered it (``JobStatus.api``)."""
    return json.dumps(status.api, indent=2)


def _results(args: argparse.Namespace) -> int:
    """The results CSV to ``--output``, or to stdout (``_written``)."""
    if args.format == "json":
        return _results_json(args)
    if args.output is not None and args.output.suffix.lower() == ".xlsx":
        return _results_xlsx(args)
    if args.output is not None:
        table_file(args.output)  # before any request, not after the download
    with api_client(args) as client:
        finished = _finished(client, args.request_id)
        with _pages_named(args.request_id):
            _written(
                args, lambda target: client.download_results(args.request_id, target, args.raw)
            )
        if not finished:
            print(unfinished_note(client, args.request_id, FILE_HOLDS), file=sys.stderr)
    return EXIT_DONE if finished else EXIT_UNFINISHED


def _results_json(args: argparse.Namespace) -> int:
    """The rows as one JSON document, read page by page (``PipelineClient.iter_results``):
    the way to a running job's rows where the API sends no CSV of them that large (on AWS
    Lambda, over 5 MiB). Complete, and exit status 0, when the job had succeeded as its first
    page was read; else the rows so far, said as ``results`` says of a CSV."""
    if args.raw:
        raise InputError("--raw is for the CSV: --format json writes every value as stored")
    if args.output is not None and args.output.suffix.lower() in (".csv", ".xlsx"):
        raise InputError(
            f"{args.output}: --format json writes JSON; name -o/--output .json, or leave "
            "--format out for a CSV or an Excel file"
        )
    if args.output is not None:
        writable(args.output)
    with api_client(args) as client:
        pages = client.iter_results(args.request_id)
        first = next(pages)
        _written(args, lambda target: _json_rows(first, pages, target))
        if not first.complete:
            print(unfinished_note(client, args.request_id, FILE_HOLDS), file=sys.stderr)
    return EXIT_DONE if first.complete else EXIT_UNFINISHED


def _json_rows(first: Any, rest: Iterator[Any], target: BinaryIO) -> None:
    """``first`` page's job (request id, status and ``complete`` as the reading began, rows
    total, columns) and the rows of every page, one a line, written as they come."""
    head = {
        "request_id": first.request_id,
        "status": first.status,
        "complete": first.complete,
        "rows_total": first.rows_total,
        "columns": first.columns,
    }
    target.write(json.dumps(head, ensure_ascii=False)[:-1].encode("utf-8") + b', "rows": [')
    between = b"\n"
    for page in chain([first], rest):
        for row in page.rows:
            target.write(between + json.dumps(row, ensure_ascii=False).encode("utf-8"))
            between = b",\n"
    target.write(b"\n]}\n")


def _written(args: argparse.Namespace, write: Callable[[BinaryIO], object]) -> None:
    """What ``write`` writes, to ``--output`` (whole or not at all), or to stdout: as served
    to a pipe or a file, made inert on a terminal (``InertStream``: a cell's escape sequence
    would clear the screen)."""
    from pipeline.terminal_text import InertStream

    if args.output is None and sys.stdout.isatty():
        shown = InertStream(sys.stdout.buffer, sys.stdout.encoding)
        write(cast(BinaryIO, shown))
        shown.close()
    elif args.output is None:  # a pipe or a file: the bytes as served
        write(sys.stdout.buffer)
    else:
        with writing(args.output) as handle:  # a failed download leaves no truncated file
            write(handle)
        print(f"results written to {args.output}", file=sys.stderr)


@contextmanager
def _pages_named(request_id: str) -> Iterator[None]:
    """The API's refusal of a CSV over what one of its answers carries (a running job's, on
    AWS Lambda), which names its own query (format=json), with the option of this command
    that reads the rows page by page."""
    try:
        yield
    except LimitExceededError as exc:
        shown = inert(request_id)
        raise LimitExceededError(
            f"{exc}. With the command line: sentiment-pipeline results {shown} --format json "
            "(-o FILE.json) reads them page by page"
        ) from exc


def refused_until_finished(
    client: Any, request_ids: Sequence[str], refusal: Conflict, themes: bool = False
) -> int:
    """``EXIT_UNFINISHED`` where the API refused a command (``refusal``, its 409) because one
    of ``request_ids`` is still queued or running, as ``results`` and ``summary`` exit for
    such a job: nothing is written, and the same command works once it has finished, which a
    script tells from a failure (1) by the status; ``refusal`` and how to wait on stderr.
    ``refusal`` is raised again where any of them never finishes (failed or cancelled) or,
    with ``themes``, finished without insights: the API may refuse for that one, and waiting
    on the others would not help. Every job's status is read before one is named."""
    statuses = {request_id: client.status(request_id) for request_id in request_ids}
    waiting = [request_id for request_id, job in statuses.items() if job.status in UNFINISHED]
    never = any(
        job.status not in (*UNFINISHED, "succeeded")
        or (themes and job.status == "succeeded" and job.insights_done is None)
        for job in statuses.values()
    )
    if never or not waiting:
        raise refusal
    shown = inert(waiting[0])
    print(
        f"error: {inert_lines(bounded(str(refusal)))}. To wait for job {shown}: "
        f"sentiment-pipeline status {shown} --watch",
        file=sys.stderr,
    )
    return EXIT_UNFINISHED


def _results_xlsx(args: argparse.Namespace) -> int:
    """The results as the app's Excel download is: every cell that could run escaped (an
    XLSX is for a spreadsheet; a formula cell there runs, so ``--raw`` is refused)."""
    from pipeline.cli.output import cuts_told
    from pipeline.ui.exports import RAW_WORKBOOK, results_workbook

    if args.raw:
        raise InputError(RAW_WORKBOOK)
    writable(args.output)
    with api_client(args) as client, _pages_named(args.request_id):
        finished = _finished(client, args.request_id)
        stored = client.results_csv(args.request_id, raw=True)
        note = None if finished else unfinished_note(client, args.request_id, FILE_HOLDS)
    with cuts_told():  # a comment longer than a cell holds: its rows named
        content = results_workbook(stored)
    write_whole(args.output, content)
    print(f"results written to {args.output} (Excel)", file=sys.stderr)
    if note is None:
        return EXIT_DONE
    print(note, file=sys.stderr)
    return EXIT_UNFINISHED


def _finished(client: Any, request_id: str) -> bool:
    """Whether the job had succeeded before its results are read: then they are all of them
    (a finished job's rows change no more); else they are the rows so far, and the command
    says so once they are written (``unfinished_note``) and exits ``EXIT_UNFINISHED``."""
    return bool(client.status(request_id).status == "succeeded")


def _summary(args: argparse.Namespace) -> int:
    """The shares per group, each group's name whole (two courses that share their first
    letters are two rows that read apart); a group's value is the file's, so it is shown
    inert (a course whose name holds an escape sequence must not clear the screen). Values
    that differ only in case, spaces, punctuation or accents are said under the table. The
    shares of a job that has not succeeded are of part of its rows: said first on stderr,
    and the exit status is ``EXIT_UNFINISHED``."""
    from pipeline.group_names import ALL, group_name
    from pipeline.report.look_alike import look_alike_note, look_alikes

    with api_client(args) as client:
        summary = client.summary(args.request_id, args.group_by)
    partial = partial_note(summary.status, summary.rows_done, summary.rows_total)
    if partial is not None:
        print(partial, file=sys.stderr)
    named = [(ALL, summary.overall), *((_shown_group(g.group), g) for g in summary.groups)]
    width = max(display_width(name) for name, _group in [("group", None), *named])
    print(
        f"{padded('group', width)} {'rows':>7} {'no label':>8} "
        + " ".join(f"{x:>10}" for x in summary.labels)
    )
    for name, group in named:
        shares = " ".join(f"{_share(group.shares.get(x)):>10}" for x in summary.labels)
        print(f"{padded(name, width)} {group.rows:>7} {group.errors:>8} {shares}")
    for one, other in look_alikes([g.group for g in summary.groups], []):
        note = look_alike_note(inert(group_name(one)), inert(group_name(other)))
        print(note, file=sys.stderr)
    return EXIT_DONE if partial is None else EXIT_UNFINISHED


def _share(share: float | None) -> str:
    """``46.2%``; ``–`` for a group without a labelled comment, whose share is none (the
    API's null), not 0 %."""
    return "–" if share is None else f"{share:.1%}"


def _shown_group(value: str | None) -> str:
    """A group's name as the summary prints it: inert, and in quotes where spaces begin or
    end it (``“CHEM 101 ”``), which a column would otherwise hide."""
    from pipeline.group_names import group_name

    name = inert(group_name(value))
    return f"“{name}”" if name != name.strip() else name


FILE_HOLDS = "this file holds those rows only"
LATE_NOTE = (
    "the job finished while this was read, so it may lack its last rows: run the command "
    "again for all of them"
)
"""The rare case of a job that was not finished when its rows were asked for and is when its
status is asked right after."""


def unfinished_note(client: Any, request_id: str, holds: str) -> str:
    """``partial_note`` of an answer the API said was not complete (``complete`` false, a
    results file of a job not succeeded), from the job's status asked now: what is true of
    it (running, cancelled or failed, and how many rows), not "still running" for a job that
    never will finish."""
    status = client.status(request_id)
    return partial_note(status.status, status.rows_done, status.rows_total, holds) or LATE_NOTE


def _cancel(args: argparse.Namespace) -> int:
    with api_client(args) as client:
        print(_describe(client.cancel(args.request_id)))
    return 0


def _erase(args: argparse.Namespace) -> int:
    if not args.yes:
        print(
            f"error: erasing job {args.request_id} deletes its comments, labels, results files "
            "and analysis for good; repeat with --yes to erase it",
            file=sys.stderr,
        )
        return 2
    if args.operator:
        return _erase_as_operator(args.request_id)
    with api_client(args) as client:
        print(_describe(client.erase(args.request_id)))
    return 0


def _erase_as_operator(request_id: str) -> int:
    """Erase any owner's job through the deployment itself (``PIPELINE_*`` settings): for a
    student's request about a job no key can reach through the API."""
    from pipeline import service
    from pipeline.bootstrap import init_backend

    erased = service.erase(init_backend(Settings.from_env()), request_id)
    print(inert(f"{erased.request_id} erased: {erased.input_name}, {erased.rows_total:,} rows"))
    return 0


def api_client(args: argparse.Namespace) -> Any:
    """A PipelineClient for the API the command's options and the environment name, with
    their key (``client_key``: a key file is read here); an address that is no http(s) URL
    refused here, naming where it came from (``--api-url``
    or ``PIPELINE_API_URL``), not later as an API that cannot be reached."""
    from pipeline.client import PipelineClient

    settings = Settings.from_env(api_url=args.api_url)
    source = "--api-url" if args.api_url else "PIPELINE_API_URL"
    _check_api_url(settings.api_url, source)
    return PipelineClient(settings.api_url, client_key(args, settings), url_from=source)


def _check_api_url(url: str, source: str) -> None:
    """InputError (an option) or ConfigError (the variable) for an address without
    ``http://`` or ``https://`` (``localhost:8000``, read as a scheme ``localhost``)."""
    from urllib.parse import urlsplit

    from pipeline.errors import ConfigError

    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme in ("http", "https") and host:
        return
    error = InputError if source.startswith("--") else ConfigError
    raise error(
        f"{source} {inert(url)!r} is not an API address: it begins with http:// or https:// "
        "(http://127.0.0.1:8000)"
    )


WATCH_BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}"
"""The bar without tqdm's own rate and ETA: those would time this client's polls, not the
service's work, and contradict the service's figures shown after it."""


def _watch(
    client: Any,
    request_id: str,
    interval_s: float = 1.0,
    to: TextIO | None = None,
    as_json: bool = False,
    timeout_s: float | None = None,
) -> int:
    """The service's figures (rows done, its rate and its ETA) on stderr until the job
    finishes (``_followed``), then its last status on ``to`` (stdout: what ``status --watch``
    prints, the API's JSON ``as_json``; ``submit --wait`` puts it on stderr, so its stdout
    holds the request id alone, for ``ID=$(sentiment-pipeline submit … --wait)``). The exit
    status says whether the waiter got what it waited for (``ended_status``), so that
    ``submit --wait && results`` never goes on with a cancelled job's part. After
    ``timeout_s`` it stops waiting: the status as it is then, a line saying the job goes on,
    and ``EXIT_UNFINISHED``. Ctrl-C stops the waiting, not the job: the user is told so, on
    a line of its own under the bar (which closing ends), and how to follow or cancel it;
    the interrupt goes on to ``main``, which exits with 130."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    try:
        status = _followed(client, request_id, interval_s, deadline)
    except KeyboardInterrupt:
        print(stopped_waiting(request_id), file=sys.stderr)
        raise
    print(status_json(status) if as_json else _describe(status), file=to or sys.stdout)
    if status.status in TERMINAL:
        return ended_status(status)
    print(f"--timeout {timeout_s:g} s ran out: {stopped_waiting(request_id)}", file=sys.stderr)
    return EXIT_UNFINISHED


ENDED_OTHERWISE = EXIT_FAILURE
"""The exit status of a wait for a job that ended other than succeeded: failed, cancelled
(by its owner, the operator or the retention period) or erased: its results are not all
there, so a script must not go on as if they were."""


def ended_status(status: Any) -> int:
    """0 for a job that succeeded and still holds its results, else ``ENDED_OTHERWISE``."""
    return EXIT_DONE if status.status == "succeeded" and not status.erased_at else ENDED_OTHERWISE


def stopped_waiting(request_id: str) -> str:
    """What Ctrl-C while waiting leaves the user with: the job goes on, and the commands to
    follow it again or stop it."""
    shown = inert(request_id)
    return (
        f"stopped waiting; job {shown} keeps running: sentiment-pipeline status {shown} "
        f"--watch (sentiment-pipeline cancel {shown} stops it)"
    )


def _followed(client: Any, request_id: str, interval_s: float, deadline: float | None) -> Any:
    """The job's last status, once it finished or the ``deadline`` (``time.monotonic``)
    passed, after its progress on stderr: a bar on a terminal; elsewhere (a log, cron's
    mail) a plain line at each step (``_followed_in_lines``), never a bar's frames."""
    status = _polled(client, request_id, _stderr_once(), _patience(deadline))
    if not on_terminal(sys.stderr):
        return _followed_in_lines(client, request_id, status, interval_s, deadline)
    from tqdm import tqdm

    with tqdm(
        total=status.rows_total, unit="comment", file=sys.stderr, bar_format=WATCH_BAR
    ) as bar:
        while True:
            bar.update(status.rows_done - bar.n)
            bar.set_postfix_str(_pace(status))
            if _done_waiting(status, deadline):
                break
            time.sleep(interval_s)
            status = _polled(client, request_id, bar.set_postfix_str, _patience(deadline))
    return status


def _followed_in_lines(
    client: Any, request_id: str, status: Any, interval_s: float, deadline: float | None
) -> Any:
    """``_followed`` for a stderr that is no terminal: a line when the job's phase changes
    or another tenth of it is done (``progress_mark``), so that an hours-long job leaves a
    dozen lines in a log, not a frame a second; an API that stops answering is said once
    each time it does."""
    shown = None
    while True:
        if (mark := progress_mark(status)) != shown:
            print(progress_line(status, _pace(status)), file=sys.stderr)
            shown = mark
        if _done_waiting(status, deadline):
            return status
        time.sleep(interval_s)
        status = _polled(client, request_id, _stderr_once(), _patience(deadline))


def _done_waiting(status: Any, deadline: float | None) -> bool:
    """The job ended, or the waiter's ``--timeout`` ran out."""
    return status.status in TERMINAL or (deadline is not None and time.monotonic() >= deadline)


def _patience(deadline: float | None) -> float:
    """How long an API that cannot answer is asked again: ``WATCH_PATIENCE_S``, no longer
    than the waiter's ``--timeout`` leaves."""
    if deadline is None:
        return WATCH_PATIENCE_S
    return max(min(WATCH_PATIENCE_S, deadline - time.monotonic()), 0.0)


def _stderr_once() -> Callable[[str], None]:
    """A ``say`` for ``_polled`` before the bar exists: the first note on stderr, no more (a
    line per retry would bury the terminal)."""
    told: list[str] = []

    def say_once(text: str) -> None:
        if not told:
            told.append(text)
            print(text, file=sys.stderr)

    return say_once


WATCH_PATIENCE_S = 120.0
"""How long a watcher keeps asking an API that cannot answer (``up`` restarting, a proxy's
502 during a deploy, API Gateway throttling over its rate) before it gives up: the job itself
goes on meanwhile."""
WATCH_MAX_PAUSE_S = 30.0
"""The longest pause between two asks, whatever ``Retry-After`` the API sends: a watcher
should not sleep past most of its patience on one hint."""


def _polled(
    client: Any, request_id: str, say: Callable[[str], object], patience_s: float = WATCH_PATIENCE_S
) -> Any:
    """The job's status, asked again while the API cannot be reached or cannot serve now
    (throttled, a gateway's 502/504, a 503), saying so beside the bar; the last refusal once
    ``patience_s`` has gone by. The pause is 1 s, then 5 s after the first 10 s, or the
    API's ``Retry-After`` when longer (at most ``WATCH_MAX_PAUSE_S``): a throttled API is
    not asked again before it said to."""
    from pipeline.errors import ApiUnreachable, ServiceUnavailableError

    started = time.monotonic()
    while True:
        try:
            return client.status(request_id)
        except (ApiUnreachable, ServiceUnavailableError) as exc:
            waited = time.monotonic() - started
            if waited >= patience_s:
                raise
            pause = 1.0 if waited < 10 else 5.0
            why = "does not answer"
            if isinstance(exc, ServiceUnavailableError):
                pause = min(max(pause, float(exc.retry_after_s)), WATCH_MAX_PAUSE_S)
                why = "cannot serve now"
            say(
                f"the API {why}; asking again in {pause:.0f} s ({waited:.0f} of {patience_s:.0f} s)"
            )
            time.sleep(pause)


def _pace(status: Any) -> str:
    """The service's word on the job's pace: ``270 rows/s, about 12 s left``."""
    from pipeline.ui.progress import format_rate, insights_text, queue_place, time_left

    if status.status == "queued":
        place = queue_place(status)
        return f"waiting for a worker ({place})" if place else "waiting for a worker"
    about = insights_text(status)
    if about is not None:
        return f"all labelled, {about}"
    rate = format_rate(status.rows_per_s)
    prefix = f"{rate}, " if rate else ""
    return prefix + (time_left(status) if status.status == "running" else status.status)


def _sheets_text(options: dict[str, Any]) -> str:
    """`` from sheet 'Answers' (header on row 3)``, or for a job of every sheet
    `` from 3 sheets: 'BIOL' (header on row 1), 'CHEM' (row 3), …``; empty for a CSV."""
    sheets, rows = options.get("sheets"), options.get("header_rows")
    if isinstance(sheets, list) and isinstance(rows, list) and len(sheets) == len(rows):
        each = [f"{sheet!r} (row {row})" for sheet, row in zip(sheets, rows, strict=True)]
        return f" from {len(sheets)} sheets, header on: {', '.join(each)}"
    if "sheet" not in options:
        return ""
    header = options.get("header_row")
    where = f" (header on row {header})" if header is not None else ""
    return f" from sheet {options['sheet']!r}{where}"


def _describe(status: Any) -> str:
    """One line on the job; its rate and time left in the app's words (pipeline.ui.progress),
    so a job finding its themes after its last row is "almost done" in both. Made inert: its
    error and sheet name may quote the file."""
    from pipeline.ui.progress import format_rate, queue_place, time_left

    line = f"{status.request_id} {status.status}: {status.rows_done}/{status.rows_total} rows"
    options = status.input_options
    if isinstance(questions := options.get("comment_columns"), list):
        line += f", answers to {len(questions)} questions"
    if status.rows_failed:
        line += f" ({status.rows_failed} without a label)"
    line += _sheets_text(options)
    rate = format_rate(status.rows_per_s)
    if rate:
        line += f" at {rate}"
    running = status.status == "running"
    if running and status.labelled and status.insights_done is not None:
        line += f"; every row labelled, about what: {status.insights_done}/{status.rows_total}"
    if running and (status.eta_s is not None or status.waiting_for_worker):
        line += f", {time_left(status)}"
    if status.status == "queued" and (place := queue_place(status)):
        line += f", {place}"
    if status.error:
        line += f"; {status.error}"
    if status.erased_at:
        line += f"; erased at {status.erased_at}: its comments and results are gone"
    return inert(line)


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
