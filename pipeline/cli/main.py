"""Entry point of ``sentiment-pipeline``: builds the parser and maps errors to exit codes."""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import FrameType

from pipeline import __version__
from pipeline.cli import (
    change_commands,
    flagged_commands,
    insight_commands,
    job_commands,
    key_commands,
    model_commands,
    rating_commands,
    report_commands,
)
from pipeline.cli.exit_codes import (
    EXIT_FAILURE,
    EXIT_INPUT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_READER_GONE,
    EXIT_SIGNALLED,
    EXIT_TRY_LATER,
)
from pipeline.cli.key_options import key_source
from pipeline.cli.request_ids import CommandParser
from pipeline.errors import (
    ApiUnreachable,
    InputError,
    JobNotFound,
    PipelineError,
    ServiceUnavailableError,
    Unauthorized,
)
from pipeline.messages import bounded
from pipeline.terminal_text import inert_lines

COMMAND_GROUPS = (
    model_commands,
    job_commands,
    key_commands,
    insight_commands,
    report_commands,
    change_commands,
    flagged_commands,
    rating_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentiment-pipeline",
        description="Label the sentiment of large files of comments with a fine-tuned BERT model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=CommandParser
    )
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


SERVICES = frozenset({"up", "worker", "master"})
"""Commands that run until stopped and handle SIGTERM themselves (finish the chunk, stop
the workers): ``main`` leaves their signals alone."""
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (``timeout``, systemd, a CI job's or cron's kill, a closed
    terminal), raised as Ctrl-C's KeyboardInterrupt is, so that whatever cleans up after
    Ctrl-C does after these too: ``analyze``'s temporary folder with its copies of the
    comments, a half-written ``.part`` file. The exit status is 128 + the signal's number,
    and a line on stderr names the signal (a log of a command killed says why it stopped)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _lenient_stdout()
    try:
        with _stopped_as_interrupted(args.command not in SERVICES):
            return int(args.handler(args) or 0)
    except InputError as exc:
        _error(exc)
        return EXIT_INPUT_ERROR
    except Unauthorized as exc:
        _error(Unauthorized(f"{exc}; {_key_hint(args)}"))
        return EXIT_FAILURE
    except JobNotFound as exc:
        _error(exc)
        return EXIT_NOT_FOUND
    except ServiceUnavailableError as exc:
        _error(exc)
        asks_the_api = hasattr(args, "api_url")  # not up, worker, init, analyze, keys…
        return EXIT_TRY_LATER if asks_the_api and not exc.needs_operator else EXIT_FAILURE
    except ApiUnreachable as exc:
        _error(exc)
        return EXIT_TRY_LATER
    except PipelineError as exc:
        _error(exc)
        return EXIT_FAILURE
    except BrokenPipeError as exc:
        if not _stdout_closed():
            _error(exc)
            return EXIT_FAILURE
        _silence_stdout()
        return EXIT_READER_GONE
    except OSError as exc:  # a file the command reads or writes: its name and the reason
        _error(exc)
        return EXIT_FAILURE
    except Terminated as exc:
        _say(f"stopped by {_signal_name(exc.signum)} before the command finished")
        return EXIT_SIGNALLED + exc.signum
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _lenient_stdout() -> None:
    """stdout that writes what its encoding cannot (an ASCII or Latin-1 terminal, a cron job's
    C locale) as an escape, ``\\xe9``, as Python writes stderr, rather than stopping the
    command half-way through a table with a traceback."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


@contextmanager
def _stopped_as_interrupted(active: bool) -> Iterator[None]:
    """While the command runs, SIGTERM and SIGHUP raise ``Terminated``; the handlers there
    were before are put back after. A signal the command was started ignoring stays
    ignored, as Python leaves an ignored SIGINT: ``nohup`` (and ``trap '' HUP``, a daemon
    wrapper) hands it SIGHUP ignored so that it outlives the terminal it was started from."""
    if not active:
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Terminated(signum)

    caught = [number for number in STOP_SIGNALS if signal.getsignal(number) is not signal.SIG_IGN]
    try:
        before = {number: signal.signal(number, stop) for number in caught}
    except ValueError:  # not the main thread (a test's): signals stay as they are
        yield
        return
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _key_hint(args: argparse.Namespace) -> str:
    """Where the command line took the key it sent, or that it sent none: the server's
    message speaks of HTTP headers, which a command-line user does not set."""
    source = key_source(args)
    if source is not None:
        return f"the key sent was {source}'s"
    return (
        "give the command line a key with --api-key KEY or PIPELINE_API_KEY: none was given "
        "(on a shared machine --api-key-file FILE or PIPELINE_API_KEY_FILE, which other "
        "accounts cannot read)"
    )


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone: the broken pipe is the output's, not
    one of a file or connection the command uses, which stays an error. ``poll`` says so of
    a pipe without a reader (Linux); else stdout is tried: a flush of what it still holds
    fails again on a closed pipe."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(descriptor, select.POLLOUT)
        if any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0)):
            return True
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except OSError:
        return False
    return False


def _silence_stdout() -> None:
    """stdout pointed at the null device, so that what is left in its buffer is not written
    again at exit (Python would print "Exception ignored … BrokenPipeError")."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _error(exc: BaseException) -> None:
    """The refusal on stderr, bounded and inert: a server's message may quote the file (a
    column's name, a group's value), and its control characters must not reach the
    terminal (pipeline.terminal_text)."""
    print(f"error: {inert_lines(bounded(str(exc)))}", file=sys.stderr)


def _say(line: str) -> None:
    """A last line on stderr, if it can still be written: after SIGHUP the terminal it
    went to may be gone (EIO), and the exit status must not become a traceback."""
    with suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
