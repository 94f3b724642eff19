"""Request ids as command-line arguments.

Ids are URL-safe base64. Those issued before ids stopped beginning with '-' (one in 64 did)
are still valid, but argparse reads ``status -Y1M…`` as an unknown option and then asks for
the request id. A command that takes one moves such a token behind ``--``, where argparse
reads it as the positional it is, so ``status -Y1M…`` works as ``status -- -Y1M…`` does.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

DASHED_ID = re.compile(r"-[A-Za-z0-9_-]{15,63}")
"""A request id (``REQUEST_ID_PATTERN``, as issued: 22 characters) that begins with '-'."""


def dashed_id_behind_separator(args: Sequence[str], options: Collection[str]) -> list[str]:
    """``args`` with the one token that can only be a dashed request id moved behind ``--``;
    unchanged when there is already a ``--``, no such token, or more than one (ambiguous:
    argparse then says what is wrong)."""
    if "--" in args:
        return list(args)
    found = [
        at
        for at, token in enumerate(args)
        if DASHED_ID.fullmatch(token) and token.split("=", 1)[0] not in options
    ]
    if len(found) != 1:
        return list(args)
    return [*args[: found[0]], *args[found[0] + 1 :], "--", args[found[0]]]


class CommandParser(argparse.ArgumentParser):
    """A sub-command's parser that reads a dashed request id as its ``request_id``. Its
    arguments may be added late, by ``fill``, when the command is parsed or its help shown:
    the model commands' options live in modules that load pandas, and a command that only
    talks to the API must not wait for that."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.option_names: set[str] = set()
        self.takes_request_id = False
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
        if action.dest == "request_id" and not action.option_strings:
            self.takes_request_id = True
        return action

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._filled()
        if self.takes_request_id and args is not None:
            args = dashed_id_behind_separator(args, self.option_names)
        return super().parse_known_args(args, namespace)
