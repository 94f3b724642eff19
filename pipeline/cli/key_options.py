"""The API key of a command that calls the API: ``--api-key-file`` or ``--api-key``, else
``PIPELINE_API_KEY_FILE`` or ``PIPELINE_API_KEY``. A command line is public on the machine
(``ps``, ``/proc/PID/cmdline``, for as long as ``--wait`` waits); a file of the owner's alone
is not, so the file is offered first and ``--api-key``'s help says so."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from pipeline.errors import InputError
from pipeline.settings import Settings, read_key_file

KEY_HELP = (
    "API key (PIPELINE_API_KEY); every account on this machine can read a command line "
    "(ps): on a shared machine use --api-key-file"
)
KEY_FILE_HELP = (
    "a file that holds the API key, readable by you alone (chmod 600; PIPELINE_API_KEY_FILE)"
)


def add_key_options(parser: argparse.ArgumentParser) -> None:
    """``--api-key-file FILE`` and ``--api-key KEY``, one or the other."""
    given = parser.add_mutually_exclusive_group()
    given.add_argument(
        "--api-key-file", type=Path, default=None, metavar="FILE", help=KEY_FILE_HELP
    )
    given.add_argument("--api-key", default=None, metavar="KEY", help=KEY_HELP)


def client_key(args: argparse.Namespace, settings: Settings) -> str:
    """The key to send: an option's, else the environment's (``Settings.client_key``). A key
    file that cannot be used stops the command (InputError for the option, ConfigError for
    the variable): it never falls back to another key, or to none."""
    if args.api_key is not None:
        return str(args.api_key)
    if args.api_key_file is not None:
        return read_key_file(args.api_key_file, "--api-key-file", InputError)
    return settings.client_key()


def key_source(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> str | None:
    """Where the key sent came from, for a refused key's message; None when none was sent."""
    env = os.environ if environ is None else environ
    if getattr(args, "api_key", None):
        return "--api-key"
    if getattr(args, "api_key_file", None) is not None:
        return "--api-key-file"
    if env.get("PIPELINE_API_KEY_FILE", ""):
        return "PIPELINE_API_KEY_FILE"
    if env.get("PIPELINE_API_KEY", "").strip():
        return "PIPELINE_API_KEY"
    return None
