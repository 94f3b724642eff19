"""``sentiment-pipeline report``: a finished job's report as a PDF or HTML file, fetched from
the HTTP API (so it works the same against the AWS deployment)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.output import writable, write_whole
from pipeline.errors import Conflict, InputError
from pipeline.file_names import distinct_names, safe_name
from pipeline.group_names import NAMES_NOTE
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.client import PipelineClient

FORMATS = ("pdf", "html")
UNSCREENED = "unscreened"
"""In the name of a report made without screening (``--no-screen``), as the app names it
(``ID-unscreened-report.pdf``): such a file must never replace, nor be mistaken for, the
screened one meant for release."""


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
        "with --no-screen REQUEST_ID-unscreened-reports, each file named VALUE-unscreened)",
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
    report.add_argument("--api-key", default=None, help="API key (PIPELINE_API_KEY)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from pipeline.client import PipelineClient

    if (args.group is not None or args.each_group) and not args.group_by:
        raise InputError("--group and --each-group need --group-by: the column of the groups")
    if args.each_group and args.output is not None:
        raise InputError("--each-group writes one file per group: give --output-dir, not -o")
    args.format = report_format(args.format, args.output)
    if args.output is not None:
        writable(args.output)  # before the report is made, not after it
    if args.output_dir is not None and args.output_dir.exists() and not args.output_dir.is_dir():
        raise InputError(f"{args.output_dir} is a file: name a folder for the reports")
    settings = Settings.from_env(api_url=args.api_url, api_key=args.api_key)
    with PipelineClient(settings.api_url, settings.api_key) as client:
        if args.each_group:
            return _each_group(client, args)
        content = _fetch(client, args, args.group)
    stem = f"{args.request_id}-report" if args.screen else f"{args.request_id}-{UNSCREENED}-report"
    if args.group is not None:
        stem = f"{stem}-{safe_name(args.group)[:60] or 'group'}"
    _write(args.output or Path(f"{stem}.{args.format}"), content)
    return 0


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
    two values would share gets a number)."""
    from pipeline.group_names import group_name

    summary = client.summary(args.request_id, args.group_by)
    marked = "" if args.screen else f"-{UNSCREENED}"  # in the folder's name and every file's
    folder = args.output_dir or Path(f"{args.request_id}{marked}-reports")
    values = [group_name(part.group) for part in summary.groups]
    for value, name in zip(values, distinct_names(values), strict=True):
        content = _fetch(client, args, value)
        _write(folder / f"{name}{marked}.{args.format}", content)
    print(f"{len(values):,} reports written to {folder}", file=sys.stderr)
    return 0


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
