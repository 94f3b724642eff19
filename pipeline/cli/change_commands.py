"""``sentiment-pipeline change`` and ``trend``: what changed in a job since an earlier one (this
term's evaluations against last term's), and how the shares (or, ``--themes``, the themes of
one label) moved over several jobs in order.
Both are fetched from the HTTP API so they work the same against the AWS deployment: a table
sized to the terminal, the API's JSON (``--json``) or a CSV to open in a spreadsheet
(``--output``)."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pipeline.cli.job_commands import api_client, client_parser, refused_until_finished
from pipeline.cli.output import table_file, write_table
from pipeline.errors import Conflict
from pipeline.group_names import NAMES_NOTE
from pipeline.terminal_text import inert_lines, inert_values, json_text

THEMES = ("themes", "themes")
TREND_GROUPS = ("groups", "groups in two jobs or more")
FALLBACK_WIDTH = 100
"""The width when stdout is not a terminal (a pipe, a file)."""


def register(commands: Any) -> None:
    change = client_parser(
        commands,
        "change",
        "what changed since an earlier job: shares overall, per aspect and per group, tested",
    )
    change.add_argument("request_id", help="this job (this term's comments, say)")
    change.add_argument(
        "--since",
        required=True,
        metavar="REQUEST_ID",
        help="the earlier job to compare with (last term's), of the same caller",
    )
    _shown(change, "also per value of this column, matched exactly between the two jobs")
    change.set_defaults(handler=_change)

    trend = client_parser(
        commands,
        "trend",
        "how the shares moved over several jobs in order (terms): overall, per aspect and "
        "per group, each tested for a trend",
    )
    trend.add_argument(
        "request_ids",
        nargs="+",
        metavar="REQUEST_ID",
        help="2 to 12 jobs of the same caller, oldest first (the order of the terms)",
    )
    trend.add_argument(
        "--themes",
        default=None,
        metavar="LABEL",
        help="instead of the shares: the themes of this label's comments (negative: the "
        "complaints), found once over every job, each one's share of each job's comments, "
        "tested for a trend (two jobs: what changed)",
    )
    _shown(trend, "also per value of this column, matched exactly between the jobs")
    trend.set_defaults(handler=_trend)


def _shown(parser: argparse.ArgumentParser, group_help: str) -> None:
    parser.add_argument("--group-by", default=None, metavar="COLUMN", help=group_help)
    parser.add_argument(
        "--group",
        default=None,
        metavar="VALUE",
        help="with --group-by: that value alone, its labels and aspects, tested as a family "
        f"of their own ({NAMES_NOTE})",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the API's JSON")
    shown.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="write the table to this file: CSV, or Excel if it ends in .xlsx",
    )


def _change(args: argparse.Namespace) -> int:
    from pipeline.report import change_table  # the report package: not for every command

    if args.output is not None:
        table_file(args.output)  # before the work, not after it
    with api_client(args) as client:
        try:
            body = client.change(args.request_id, args.since, args.group_by, args.group)
        except Conflict as exc:  # one of the jobs not finished, or their labels differ
            return refused_until_finished(client, [args.request_id, args.since], exc)
    _show(args, body, change_table.text, change_table.to_csv, ("groups", "groups in both jobs"))
    return 0


def _trend(args: argparse.Namespace) -> int:
    from pipeline.report import theme_trend_table, trend_table

    if args.output is not None:
        table_file(args.output)
    with api_client(args) as client:
        try:
            body = (
                client.trend(args.request_ids, args.group_by, args.group)
                if args.themes is None
                else client.trend_themes(args.request_ids, args.themes, args.group_by, args.group)
            )
        except Conflict as exc:  # a job not finished, or without themes, or other labels
            return refused_until_finished(
                client, args.request_ids, exc, themes=args.themes is not None
            )
    if args.themes is not None:
        _show(args, body, theme_trend_table.text, theme_trend_table.to_csv, THEMES)
        return 0
    _show(args, body, trend_table.text, trend_table.to_csv, TREND_GROUPS)
    return 0


def _show(
    args: argparse.Namespace,
    body: Mapping[str, Any],
    text: Callable[[Mapping[str, Any], int], str],
    to_csv: Callable[[Mapping[str, Any], bool], str],
    counted: tuple[str, str],
) -> None:
    """``counted``: the answer's list the CSV's rows are, and what they are in words (said
    on stderr once the file is written, as every command that writes a file says it). The
    table is laid out from the answer made inert (pipeline.terminal_text): group values and
    quotes come from the files; the JSON and the files keep them as written."""
    if args.json:
        print(json_text(body, sys.stdout.encoding))
    elif args.output is not None:
        key, words = counted
        sheet = "change" if "since" in body else "trend"
        write_table(args.output, lambda raw: to_csv(body, raw), sheet, _is_figure)
        wrote = f"wrote {args.output} ({len(body.get(key) or []):,} {words})"
        print(wrote, file=sys.stderr)  # stdout stays the data's, as results' and report's
    else:
        width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
        print(inert_lines(text(inert_values(body), width)))


_WORDS = frozenset(
    {"part", "kind", "small", "beyond_the_noise", "theme", "keywords", "trend", "new", "quote"}
)
"""The columns of words in a change's, a trend's and a themes' trend's table."""


def _is_figure(column: str) -> bool:
    """A column of numbers (n, comments, shares, points, p): every one but the part's or the
    theme's name, its kind, its small mark, keywords and quote, and the words of what moved."""
    return column not in _WORDS and not column.endswith("_trend")
