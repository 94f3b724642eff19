"""A reader that closes the command's output early (``sentiment-pipeline flagged ID | head -1``)
asked for no more: the command ends quietly with status 0, no "error: [Errno 32] Broken pipe"
and no "Exception ignored" at exit. A broken pipe that is not stdout's stays an error."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import argparse, sys
from pipeline.cli import main as cli

def lines(_args):
    for i in range(100_000):
        print(f"comment #{i}")
    return 0

def elsewhere(_args):
    raise BrokenPipeError(32, "Broken pipe")

def parser():
    built = argparse.ArgumentParser()
    commands = built.add_subparsers(dest="command", required=True)
    commands.add_parser("lines").set_defaults(handler=lines)
    commands.add_parser("elsewhere").set_defaults(handler=elsewhere)
    return built

cli.build_parser = parser
sys.exit(cli.main(sys.argv[1:]))
"""


def run(command: str, stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, command],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_reader_that_stops_reading_is_no_failure() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # as `head -1` does once it has its line
    try:
        done = run("lines", writer)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_broken_pipe_other_than_stdout_is_still_an_error() -> None:
    done = run("elsewhere", subprocess.PIPE)
    assert done.returncode == 1
    assert done.stderr == "error: [Errno 32] Broken pipe\n"
