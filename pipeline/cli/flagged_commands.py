"""``flagged``: the comments a report screens before release, for the person who releases
the reports to read (fetched from the HTTP API, so it works against the AWS deployment too)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from pipeline.cli.exit_codes import EXIT_DONE, EXIT_UNFINISHED
from pipeline.cli.job_commands import api_client, client_parser, unfinished_note
from pipeline.cli.output import table_file, write_table
from pipeline.ratings.table import STILL_RUNNING
from pipeline.terminal_text import inert_lines, json_text

FALLBACK_WIDTH = 100
SCREENED_HOLD = "only those were screened"


def register(commands: Any) -> None:
    flagged = client_parser(
        commands,
        "flagged",
        "comments a report leaves out (abusive, self-harm, threats) or masks (personal details)",
    )
    flagged.add_argument("request_id")
    flagged.add_argument(
        "--group-by", default=None, metavar="COLUMN", help="name each comment's value of it"
    )
    flagged.add_argument(
        "--group", default=None, metavar="VALUE", help="with --group-by: only this value's"
    )
    flagged.add_argument(
        "--kinds",
        default=None,
        metavar="KIND,KIND",
        help="only these kinds: threat, distress, abusive, email, phone, number, name",
    )
    shown = flagged.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the API's JSON (all pages)")
    shown.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="write every flagged comment to this file: CSV, or Excel if it ends in .xlsx",
    )
    flagged.set_defaults(handler=_flagged)


def _flagged(args: argparse.Namespace) -> int:
    from pipeline.release import flagged_table  # the report package: not for every command

    if args.output is not None:
        table_file(args.output)  # before the screening, not after it
    with api_client(args) as client:
        kinds = [kind.strip() for kind in (args.kinds or "").split(",") if kind.strip()]
        body = client.every_flagged(args.request_id, args.group_by, args.group, kinds=kinds)
        unfinished = (
            STILL_RUNNING
            if args.json or body["complete"]
            else unfinished_note(client, args.request_id, SCREENED_HOLD)
        )
    if args.json:
        print(json_text(body, sys.stdout.encoding))
    elif args.output is not None:
        write_table(
            args.output,
            lambda raw: flagged_table.to_csv(body["comments"], raw),
            "flagged",
            lambda column: column in flagged_table.NUMBER_COLUMNS,
        )
        count = len(body["comments"])
        print(
            f"wrote {args.output} ({count:,} comment{'' if count == 1 else 's'})", file=sys.stderr
        )
        print(inert_lines(flagged_table.heading(body, unfinished)), file=sys.stderr)
    else:
        width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
        print(inert_lines(flagged_table.text(body, body["comments"], width, unfinished)))
    return EXIT_DONE if body["complete"] else EXIT_UNFINISHED
