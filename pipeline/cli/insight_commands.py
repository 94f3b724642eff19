"""``aspects`` and ``themes``: what a job's comments are about, fetched from the HTTP API (so
they work the same against the AWS deployment); tables sized to the terminal by default, the
API's own JSON with ``--json``."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from pipeline.cli.exit_codes import EXIT_DONE, EXIT_UNFINISHED
from pipeline.cli.insight_tables import aspects_table, themes_text
from pipeline.cli.job_commands import LATE_NOTE, api_client, client_parser
from pipeline.errors import InputError
from pipeline.partial_rows import partial_note
from pipeline.terminal_text import inert, inert_lines, inert_values, json_text

if TYPE_CHECKING:
    from pipeline.client import JobStatus

FALLBACK_SIZE = (100, 24)
"""The width when stdout is not a terminal (a pipe, a file)."""
FIGURES_HOLD = "these figures are of those rows only"
# The app's words (pipeline.ui.about, which the CLI does not import: it loads pandas) for a job
# whose aspects are not worked out for all of its labelled comments: they come after every
# label, so a job cancelled or failed while labelling has none, whatever it labelled.
STOPPED_BEFORE_ASPECTS = (
    "it stopped before it worked out what its {labelled:,} labelled comments are about, so "
    "none is tagged with an aspect; its labels are in its results and summary"
)
STOPPED_EARLY = (
    "it stopped before it worked out what all its comments are about: these figures are of "
    "{rows:,} of the {labelled:,} comments it labelled"
)
LABELS_FIRST = (
    "what the comments are about is worked out after every label: none is tagged with an aspect yet"
)
WORKING_OUT = (
    "every comment is labelled and what they are about is being worked out: these figures are "
    "of {rows:,} of its {labelled:,} labelled comments so far"
)


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
        if args.json or body.get("complete", True):
            print(_as_json(body) if args.json else _as_text(aspects_table, body))
            return EXIT_DONE if body.get("complete", True) else EXIT_UNFINISHED
        status = client.status(args.request_id)
    labelled = max(status.rows_done - status.rows_failed, 0)
    counted = int(body.get("rows_labelled") or 0)
    if counted >= labelled or status.insights_done is None:  # of every labelled comment
        note = partial_note(status.status, status.rows_done, status.rows_total, FIGURES_HOLD)
        table = partial(aspects_table, unfinished=note or LATE_NOTE)
        print(_as_text(table, body))
    elif counted:
        table = partial(aspects_table, unfinished=_aspects_behind(status, counted))
        print(_as_text(table, body))
    else:  # no table: "0 of 0 labelled comments" of a job that labelled thousands
        print(inert(f"aspects of job {args.request_id}: {_aspects_behind(status, 0)}"))
    return EXIT_UNFINISHED


def _aspects_behind(status: JobStatus, counted: int) -> str:
    """What the aspects of a job that has not succeeded are of, when they are of fewer than
    its ``labelled`` comments (``counted``: those whose aspects are worked out): its labels
    come first, its aspects after every label, so a job stopped while labelling has none."""
    labelled = max(status.rows_done - status.rows_failed, 0)
    running = status.status in ("queued", "running")
    so_far = " so far" if running and status.rows_done < status.rows_total else ""
    prefix = f"job {status.status}: {status.rows_done:,} of {status.rows_total:,} rows labelled"
    if running:
        words = WORKING_OUT if counted else LABELS_FIRST
    else:
        words = STOPPED_EARLY if counted else STOPPED_BEFORE_ASPECTS
    return f"{prefix}{so_far}; {words.format(rows=counted, labelled=labelled)}"


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
    return json_text(body, sys.stdout.encoding)


def _as_text(table: Callable[[Any, int], str], body: Any) -> str:
    """The table laid out from the answer made inert (pipeline.terminal_text): aspect, group
    and theme names, keywords and quotes come from the file; ``--json`` keeps them as
    written."""
    return inert_lines(table(inert_values(body), _width()))


def _width() -> int:
    return shutil.get_terminal_size(FALLBACK_SIZE).columns
