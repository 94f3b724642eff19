"""``sentiment-pipeline change``: what changed in a job since an earlier one (this term's
evaluations against last term's), fetched from the HTTP API so it works the same against the
AWS deployment: a table sized to the terminal, the API's JSON (``--json``) or a CSV to open in
a spreadsheet (``--output``)."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from pipeline.cli.job_commands import api_client, client_parser
from pipeline.report import change_table

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
    change.add_argument(
        "--group-by",
        default=None,
        metavar="COLUMN",
        help="also per value of this column, matched exactly between the two jobs",
    )
    shown = change.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the API's JSON")
    shown.add_argument(
        "-o", "--output", type=Path, default=None, help="write the table as CSV to this file"
    )
    change.set_defaults(handler=_change)


def _change(args: argparse.Namespace) -> int:
    with api_client(args) as client:
        body = client.change(args.request_id, args.since, args.group_by)
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
    elif args.output is not None:
        args.output.write_text(change_table.to_csv(body), encoding="utf-8")
        print(f"wrote {args.output} ({len(body.get('groups') or []):,} groups in both jobs)")
    else:
        width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
        print(change_table.text(body, width))
    return 0
