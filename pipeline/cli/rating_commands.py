"""``ratings``: a closed question of the file (a rating column) against the comments'
sentiment, per group, and the comments that contradict their own rating (fetched from the
HTTP API, so it works against the AWS deployment too)."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Any

from pipeline.cli.exit_codes import EXIT_DONE, EXIT_UNFINISHED
from pipeline.cli.job_commands import api_client, client_parser, unfinished_note
from pipeline.errors import InputError
from pipeline.ratings import table
from pipeline.terminal_text import inert_lines, inert_values, json_text

FALLBACK_WIDTH = 100
FIGURES_HOLD = "these figures are of those rows only"


def register(commands: Any) -> None:
    ratings = client_parser(
        commands, "ratings", "do the comments say what the ratings say? (a rating column)"
    )
    ratings.add_argument("request_id")
    ratings.add_argument(
        "--column",
        default=None,
        metavar="COLUMN",
        help="the input column of ratings (without it, the refusal names those that read so)",
    )
    ratings.add_argument(
        "--group-by", default=None, metavar="COLUMN", help="figures per value of it"
    )
    ratings.add_argument(
        "--scale",
        default=None,
        metavar="WORST-BEST",
        help="1-5, or 5-1 where 1 is best (default: told from the values)",
    )
    ratings.add_argument(
        "--show",
        type=int,
        default=10,
        metavar="N",
        help="contradicting comments to print (default 10)",
    )
    ratings.add_argument("--json", action="store_true", help="print the API's JSON")
    ratings.set_defaults(handler=_ratings)


def _ratings(args: argparse.Namespace) -> int:
    if args.show < 0:
        raise InputError(f"--show must be 0 or more, not {args.show}")
    with api_client(args) as client:
        body = client.ratings(
            args.request_id, args.column, args.group_by, args.scale, 0, max(args.show, 1)
        )
        done = EXIT_DONE if body["complete"] else EXIT_UNFINISHED
        if args.json:
            print(json_text(body, sys.stdout.encoding))
            return done
        unfinished = (
            table.STILL_RUNNING
            if body["complete"]
            else unfinished_note(client, args.request_id, FIGURES_HOLD)
        )
    contradicting = {**body["contradicting"], "page": body["contradicting"]["page"][: args.show]}
    shown = {**body, "contradicting": contradicting}
    width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
    print(inert_lines(table.text(inert_values(shown), width, unfinished)))
    return done
