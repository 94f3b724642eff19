"""``sentiment-pipeline report``: a finished job's report as a PDF or HTML file, fetched from
the HTTP API (so it works the same against the AWS deployment)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

FORMATS = ("pdf", "html")


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
    report.add_argument("--format", choices=FORMATS, default="pdf", help="default: pdf")
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="file to write (default: REQUEST_ID-report.FORMAT in this folder)",
    )
    report.add_argument("--api-url", default=None, help="API address (PIPELINE_API_URL)")
    report.add_argument("--api-key", default=None, help="API key (PIPELINE_API_KEY)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from pipeline.client import PipelineClient

    settings = Settings.from_env(api_url=args.api_url, api_key=args.api_key)
    with PipelineClient(settings.api_url, settings.api_key) as client:
        content = client.report(args.request_id, args.group_by, args.format)
    output = args.output or Path(f"{args.request_id}-report.{args.format}")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    partial.write_bytes(content)
    partial.replace(output)  # never a half-written report under the final name
    print(f"report written to {output}", file=sys.stderr)
    return 0
