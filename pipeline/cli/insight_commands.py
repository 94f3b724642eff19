"""``aspects`` and ``themes``: what a job's comments are about, fetched from the HTTP API (so
they work the same against the AWS deployment); tables sized to the terminal by default, the
API's own JSON with ``--json``."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from functools import partial
from typing import Any

from pipeline.cli.insight_tables import PARTIAL, aspects_table, themes_text
from pipeline.cli.job_commands import api_client, client_parser, unfinished_note
from pipeline.errors import InputError
from pipeline.terminal_text import inert_lines, inert_values

FALLBACK_SIZE = (100, 24)
"""The width when stdout is not a terminal (a pipe, a file)."""
FIGURES_HOLD = "these figures are of those rows only"


def register(commands: Any) -> None:
    aspects = client_parser(
        commands,
        "aspects",
        "what comments are about (teaching, exams…): per aspect, comments and their polarity",
    )
    aspects.add_argument("request_id")
    aspects.add_argument(
        "--group-by", default=None, metavar="COLUMN", help="also per value of this column"
    )
    aspects.add_argument("--json", action="store_true", help="print the API's JSON")
    aspects.set_defaults(handler=_aspects)

    themes = client_parser(
        commands, "themes", "a finished job's themes: keywords, size and quotes, per label"
    )
    themes.add_argument("request_id")
    themes.add_argument("--label", default=None, help="only this label's themes")
    themes.add_argument("--aspect", default=None, help="only comments about this aspect")
    themes.add_argument(
        "--group-by",
        default=None,
        metavar="COLUMN",
        help="count each theme per value of this column",
    )
    themes.add_argument(
        "--group",
        default=None,
        metavar="VALUE",
        help="with --group-by: the themes of this value's comments alone (found anew)",
    )
    themes.add_argument("--json", action="store_true", help="print the API's JSON")
    themes.set_defaults(handler=_themes)


def _aspects(args: argparse.Namespace) -> int:
    with api_client(args) as client:
        body = client.aspects(args.request_id, args.group_by)
        unfinished = (
            PARTIAL
            if args.json or body.get("complete", True)
            else unfinished_note(client, args.request_id, FIGURES_HOLD)
        )
    table = partial(aspects_table, unfinished=unfinished)
    print(_as_json(body) if args.json else _as_text(table, body))
    return 0


def _themes(args: argparse.Namespace) -> int:
    if args.group is not None and not args.group_by:
        raise InputError("--group needs --group-by: the column whose value it is")
    with api_client(args) as client:
        body = client.themes(
            args.request_id,
            label=args.label,
            aspect=args.aspect,
            group_by=args.group_by,
            group=args.group,
        )
    print(_as_json(body) if args.json else _as_text(themes_text, body))
    return 0


def _as_json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)


def _as_text(table: Callable[[Any, int], str], body: Any) -> str:
    """The table laid out from the answer made inert (pipeline.terminal_text): aspect, group
    and theme names, keywords and quotes come from the file; ``--json`` keeps them as
    written."""
    return inert_lines(table(inert_values(body), _width()))


def _width() -> int:
    return shutil.get_terminal_size(FALLBACK_SIZE).columns
