"""Request ids as command-line arguments.

Ids are URL-safe base64. Those issued before ids stopped beginning with '-' (one in 64 did)
are still valid, but argparse reads ``status -Y1M…`` as an unknown option: it then asks for
the request id, and after ``--since`` or ``--trend`` it says the option expected a value. A
command that takes request ids reads a token that can only be one as a value, wherever it
stands: ``status -Y1M…``, ``change ID --since -Y1M…``, ``report ID --trend A -Y1M…`` and
``trend A -Y1M…`` work as they would after ``--`` (or as ``--since=-Y1M…``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

DASHED_ID = re.compile(r"-[A-Za-z0-9_-]{15,63}")
"""A request id (``REQUEST_ID_PATTERN``, as issued: 22 characters) that begins with '-'."""
ID_METAVAR = "REQUEST_ID"
"""How a command names an option or positional whose values are request ids."""


def is_dashed_id(token: str, options: Collection[str]) -> bool:
    """Whether ``token`` can only be a request id that begins with '-': shaped like one and
    not one of the command's own option names (``--long-option-of-22-ch`` stays an option;
    ``--since=…`` has an '=', which no id has)."""
    return DASHED_ID.fullmatch(token) is not None and token not in options


def reads_request_ids(action: argparse.Action) -> bool:
    """Whether ``action`` takes request ids: the ``request_id`` positional, or any argument
    whose values are shown as ``REQUEST_ID`` (``--since``, ``--trend``, ``trend``'s ids)."""
    named = action.dest == "request_id" and not action.option_strings
    return named or action.metavar == ID_METAVAR


class CommandParser(argparse.ArgumentParser):
    """A sub-command's parser that reads a dashed request id as a value, not an option. Its
    arguments may be added late, by ``fill``, when the command is parsed or its help shown:
    the model commands' options live in modules that load pandas, and a command that only
    talks to the API must not wait for that."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.option_names: set[str] = set()
        self.takes_request_ids = False
        self.fill: Callable[[argparse.ArgumentParser], None] | None = None
        super().__init__(*args, **kwargs)

    def _filled(self) -> None:
        fill, self.fill = self.fill, None
        if fill is not None:
            fill(self)

    def format_help(self) -> str:
        self._filled()
        return super().format_help()

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.option_names.update(action.option_strings)
        self.takes_request_ids = self.takes_request_ids or reads_request_ids(action)
        return action

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._filled()
        return super().parse_known_args(args, namespace)

    def _parse_optional(self, arg_string: str) -> Any:
        """None (a value, not an option) for a token that can only be a dashed request id, in
        a command that takes request ids; argparse's own reading otherwise. argparse places
        such a value as it places any other: after ``--since``, among ``--trend``'s ids, or as
        the positional. A private method of argparse: what it returns for an option changed in
        Python 3.13 (a list), but None has meant "a value" in every version this package
        supports (``tests/unit/test_cli_dashed_id_values.py`` checks it on the one it runs
        on)."""
        if self.takes_request_ids and is_dashed_id(arg_string, self.option_names):
            return None
        return super()._parse_optional(arg_string)
