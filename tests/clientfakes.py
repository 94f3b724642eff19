"""A base for the fake API clients the command-line tests hand the commands: what a
``PipelineClient`` is to a command, a context manager, with the calls a test answers."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class FakeClientBase:
    """A ``with`` block over a fake client gives the client itself and closes nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
