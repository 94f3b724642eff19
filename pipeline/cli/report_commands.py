"""``sentiment-pipeline report``: a finished job's report as a PDF or HTML file, fetched from
the HTTP API (so it works the same against the AWS deployment)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.job_commands import refused_until_finished
from pipeline.cli.key_options import add_key_options, client_key
from pipeline.cli.output import writable, write_whole
from pipeline.errors import Conflict, InputError
from pipeline.file_names import distinct_names, safe_name
from pipeline.group_names import NAMES_NOTE
from pipeline.partial_rows import partial_note
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.client import PipelineClient

FORMATS = ("pdf", "html")
UNSCREENED = "unscreened"
"""In the name of a report made without screening (``--no-screen``), as the app names it
(``ID-unscreened-report.pdf``): such a file must never replace, nor be mistaken for, the
screened one meant for release."""
MANIFEST = "sentiment-reports.json"
"""Beside the reports ``--each-group`` writes: the job they are of, when they were written and
each file's group, so a reader (or a script) can tell one job's set from another's, and a
later run into the folder knows which files are its own."""
_WRITTEN_BY = "sentiment-pipeline report --each-group"
_NAMED = 5
"""Files named in a refusal; the rest are counted."""
_NO_REPORT = "a report needs every row, so none was written"


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="a finished job's report: shares with intervals per group, flags, model, method",
    )
    report.add_argument("request_id")
    report.add_argument(
        "--group-by",
        default=None,
        metavar="COLUMN",
        help="report by this column (default: the job's first group-by column with two values)",
    )
    one = report.add_mutually_exclusive_group()
    one.add_argument(
        "--group",
        default=None,
        metavar="VALUE",
        help="the report of this value of --group-by alone (a course's, an instructor's): "
        "its shares against the rest, its aspects and themes and every one of its comments, "
        f"naming no other group; {NAMES_NOTE}",
    )
    one.add_argument(
        "--each-group",
        action="store_true",
        help="one such report per value of --group-by, written into --output-dir",
    )
    report.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: the ending of -o (report.html, report.pdf), else pdf",
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="file to write (default: REQUEST_ID-report.FORMAT in this folder; with --no-screen "
        "REQUEST_ID-unscreened-report.FORMAT, so it never replaces the screened one)",
    )
    report.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="with --each-group: the folder to write them in (default: REQUEST_ID-reports; "
        "with --no-screen REQUEST_ID-unscreened-reports, each file named VALUE-unscreened), "
        f"with a {MANIFEST} naming the job; a folder holding other files (another job's "
        "reports) is refused unless --overwrite",
    )
    report.add_argument(
        "--overwrite",
        action="store_true",
        help="with --each-group: write into an --output-dir that holds other files, removing "
        f"the reports of another job that its {MANIFEST} names first (files this command did "
        "not write are left as they are)",
    )
    report.add_argument(
        "--since",
        default=None,
        metavar="REQUEST_ID",
        help="also what changed since this earlier job (last term's), by the same column",
    )
    report.add_argument(
        "--trend",
        nargs="+",
        default=(),
        metavar="REQUEST_ID",
        help="also the trend through these earlier jobs (oldest first) to this one, by the "
        "same column; put REQUEST_ID before this option",
    )
    report.add_argument(
        "--no-screen",
        dest="screen",
        action="store_false",
        help="every comment as written: no screening before release (abusive comments, "
        "self-harm and threats are left out and personal details masked by default); the "
        "report then says Not screened at its top and its file name says unscreened",
    )
    report.add_argument(
        "--rating",
        default=None,
        metavar="COLUMN",
        help="also this column of ratings (1-5, Strongly agree …) against the comments, per group",
    )
    report.add_argument("--api-url", default=None, help="API address (PIPELINE_API_URL)")
    add_key_options(report)
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from pipeline.client import PipelineClient

    if (args.group is not None or args.each_group) and not args.group_by:
        raise InputError("--group and --each-group need --group-by: the column of the groups")
    if args.each_group and args.output is not None:
        raise InputError("--each-group writes one file per group: give --output-dir, not -o")
    if args.overwrite and not args.each_group:
        raise InputError("--overwrite goes with --each-group: a single report replaces its file")
    args.format = report_format(args.format, args.output)
    if args.output is not None:
        writable(args.output)  # before the report is made, not after it
    if args.output_dir is not None and args.output_dir.exists() and not args.output_dir.is_dir():
        raise InputError(f"{args.output_dir} is a file: name a folder for the reports")
    settings = Settings.from_env(api_url=args.api_url)
    with PipelineClient(settings.api_url, client_key(args, settings)) as client:
        try:
            if args.each_group:
                return _each_group(client, args)
            content = _fetch(client, args, args.group)
        except Conflict as exc:  # a job not finished, this one or one compared with it
            return refused_until_finished(client, [args.request_id, *_earlier(args)], exc)
    stem = f"{args.request_id}-report" if args.screen else f"{args.request_id}-{UNSCREENED}-report"
    if args.group is not None:
        stem = f"{stem}-{safe_name(args.group)[:60] or 'group'}"
    _write(args.output or Path(f"{stem}.{args.format}"), content)
    return 0


def _earlier(args: argparse.Namespace) -> list[str]:
    """The jobs the report compares this one with (``--since``, ``--trend``)."""
    return [*([args.since] if args.since else []), *args.trend]


def report_format(asked: str | None, output: Path | None) -> str:
    """The format asked for, else the one ``output``'s ending names (``report.html``), else
    PDF; InputError when the two disagree, rather than a PDF in a file named ``.html``, and
    for another ending with no format asked for (a PDF named ``report.md`` opens nowhere)."""
    ending = output.suffix.lower().lstrip(".") if output is not None else ""
    named = {"htm": "html", "html": "html", "pdf": "pdf"}.get(ending)
    if asked is not None and named is not None and asked != named:
        raise InputError(
            f"-o {output} ends in .{ending} but --format is {asked}: give one, or make them agree"
        )
    if asked is None and ending and named is None:
        raise InputError(
            f"-o {output} ends in .{ending}, and a report is a PDF or an HTML page: end the "
            "name in .pdf or .html (or give --format to write that format under this name)"
        )
    return asked or named or "pdf"


def _each_group(client: PipelineClient, args: argparse.Namespace) -> int:
    """Every value of the column, one report each, asked for by the group's name (a value
    written "(blank)" is not the rows without one) and saved under a name made of it (a name
    two values would share gets a number). The default folder, named after the job, is the
    job's own; a folder of the user's (``--output-dir``) gets a ``MANIFEST`` naming the job,
    and is refused before anything is asked when it holds anything else (``_in_folder``)."""
    from pipeline.group_names import group_name

    marked = "" if args.screen else f"-{UNSCREENED}"  # in the folder's name and every file's
    folder = args.output_dir or Path(f"{args.request_id}{marked}-reports")
    settle = _in_folder(folder, args) if args.output_dir is not None else None
    summary = client.summary(args.request_id, args.group_by)
    if summary.status != "succeeded":  # its groups so far (none while queued): no report
        raise Conflict(
            partial_note(summary.status, summary.rows_done, summary.rows_total, _NO_REPORT) or ""
        )
    groups = [part.group for part in summary.groups]
    values = [group_name(group) for group in groups]
    names = [f"{name}{marked}.{args.format}" for name in distinct_names(values)]
    for index, (value, name) in enumerate(zip(values, names, strict=True)):
        content = _fetch(client, args, value)
        if index == 0 and settle is not None:  # a job with no report leaves the folder as it was
            settle(dict(zip(names, groups, strict=True)))
        _write(folder / name, content)
    print(f"{len(values):,} reports written to {folder}", file=sys.stderr)
    return 0


def _in_folder(folder: Path, args: argparse.Namespace) -> Callable[[dict[str, str | None]], None]:
    """How this job's reports go into ``folder``, a folder of the user's: InputError now when
    it holds anything but this job's reports as its ``MANIFEST`` lists them (another job's,
    files of the user's), unless ``--overwrite``; else what to do once the first report is in
    hand, given every file's group: with ``--overwrite`` remove the reports of another job
    its manifest lists, and list this run's before they are written (a run that fails
    half-way can be run again)."""
    found = _manifest(folder)
    others = _others(folder, found, args.request_id)
    if others and not args.overwrite:
        raise InputError(_refusal(folder, others, found, args.request_id))

    def settle(groups: dict[str, str | None]) -> None:
        if found is not None and found["request_id"] != args.request_id:
            _remove_reports(folder, found, set(others))
        write_whole(folder / MANIFEST, _listing(found, args, groups))
        left = sorted(set(others) - set(_files(found)) - set(groups))
        if left:
            print(f"{folder} also holds {_named(left)}: left as they are", file=sys.stderr)

    return settle


def _manifest(folder: Path) -> dict[str, Any] | None:
    """The ``MANIFEST`` an earlier run left in ``folder``; None where there is none that this
    command wrote."""
    try:
        found = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("written_by") != _WRITTEN_BY:
        return None
    if not isinstance(found.get("request_id"), str):
        return None
    reports = found.get("reports")
    if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
        return None
    return found


def _files(manifest: dict[str, Any] | None) -> list[str]:
    return [str(report.get("file")) for report in (manifest or {}).get("reports", [])]


def _others(folder: Path, manifest: dict[str, Any] | None, request_id: str) -> list[str]:
    """What ``folder`` holds besides this job's reports as its ``MANIFEST`` lists them, and
    the manifest itself; hidden files (``.htaccess`` of a web server) are not counted."""
    try:
        held = sorted(entry.name for entry in folder.iterdir() if not entry.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(f"cannot read {folder}: {exc.strerror or exc}") from exc
    ours = set(_files(manifest)) if manifest and manifest["request_id"] == request_id else set()
    return [name for name in held if name != MANIFEST and name not in ours]


def _refusal(
    folder: Path, others: list[str], manifest: dict[str, Any] | None, request_id: str
) -> str:
    earlier = ""
    if manifest is not None and set(_files(manifest)) & set(others):
        earlier = f", the reports of job {manifest['request_id']} among them"
    return (
        f"{folder} already holds {_named(others)}, not reports of job {request_id}{earlier}: "
        "nothing was written, so two jobs' reports are not mixed. Give another --output-dir "
        f"(a new or empty folder), or --overwrite to write this job's there: the reports of an "
        f"earlier job that the folder's {MANIFEST} names are removed first, and any other "
        "file is left as it is"
    )


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMED])
    more = f" and {len(names) - _NAMED:,} more" if len(names) > _NAMED else ""
    return f"{len(names):,} file{'s' if len(names) != 1 else ''} ({shown}{more})"


def _remove_reports(folder: Path, manifest: dict[str, Any], others: set[str]) -> None:
    """The files another job's run wrote into ``folder`` (its ``MANIFEST`` lists them),
    removed for this job's: never a file that manifest does not name."""
    for name in _files(manifest):
        path = folder / name
        if name in others and Path(name).name == name and path.is_file():
            path.unlink()


def _listing(
    earlier: dict[str, Any] | None, args: argparse.Namespace, groups: dict[str, str | None]
) -> bytes:
    """The folder's ``MANIFEST`` once this run's reports are in: this job's earlier entries
    (its screened reports beside the unscreened ones, another format, another column) and
    this run's, each file with its group's value (null: the rows without one)."""
    kept = (
        [r for r in earlier["reports"] if r.get("file") not in groups]
        if earlier is not None and earlier["request_id"] == args.request_id
        else []
    )
    written = [
        {"file": name, "group_by": args.group_by, "group": value, "screened": args.screen}
        for name, value in groups.items()
    ]
    manifest = {
        "written_by": _WRITTEN_BY,
        "request_id": args.request_id,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reports": kept + written,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _fetch(client: PipelineClient, args: argparse.Namespace, group: str | None) -> bytes:
    """The report of ``group`` (None: the whole job's). A job none of whose comments got a
    label has no report (the API's 409 says why): a refused request, exit status 2 as for
    refused input, since asking again will never make one."""
    try:
        return client.report(
            args.request_id,
            args.group_by,
            args.format,
            group,
            since=args.since,
            trend=args.trend,
            screen=args.screen,
            rating=args.rating,
        )
    except Conflict as exc:
        if _nothing_labelled(client, args.request_id):
            raise InputError(str(exc)) from exc
        raise


def _nothing_labelled(client: PipelineClient, request_id: str) -> bool:
    """Whether the job finished with no comment labelled (not one still running)."""
    summary = client.summary(request_id)
    counts = summary.overall.counts
    return summary.status == "succeeded" and not any(counts.get(x) for x in summary.labels)


def _write(output: Path, content: bytes) -> None:
    write_whole(output, content)  # never a half-written report under the final name
    print(f"report written to {output}", file=sys.stderr)
