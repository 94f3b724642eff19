"""Push parsing of one XML part with expat, bounded in depth and in what it buffers.

Parts are fed block by block as they inflate, so a sheet of any length is parsed in constant
memory. A document type declaration is refused (no workbook part has one, and entity
expansion is how XML bombs work); so are nesting past ``max_depth`` and more than
``max_bytes_between_events`` of input that completes no tag or piece of text, which is what
expat would otherwise hold for an endless start tag. Names arrive as ``namespace local``; the
handlers compare local names, so transitional and strict OOXML namespaces both read.
"""

from __future__ import annotations

import pyexpat
from collections.abc import Iterable
from typing import Protocol

from pipeline.errors import LimitExceededError
from pipeline.xlsx.archive import EXCEL, Container, damaged
from pipeline.xlsx.limits import XlsxLimits


class Handler(Protocol):
    def start(self, name: str, attributes: dict[str, str]) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


def local_name(name: str) -> str:
    """``namespace local`` (or a bare ``local``) → ``local``."""
    return name.rpartition(" ")[2]


class DoctypeRefused(Exception):
    """Raised inside expat's callback; turned into an InputError by ``PartParser.feed``."""


class PartParser:
    """Feeds one part to ``handler``. A ``direct`` handler is called by expat itself and
    bounds its own depth (``too_deep``): the sheet and shared-strings readers, which see
    millions of elements; any other handler gets its depth bounded here."""

    def __init__(
        self,
        part: str,
        handler: Handler,
        limits: XlsxLimits,
        direct: bool = False,
        container: Container = EXCEL,
    ) -> None:
        self.part = part
        self._container = container
        self._handler = handler
        self._limits = limits
        self._depth = 0
        self._fed = 0
        parser = pyexpat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        self._starts = handler.start if direct else self._start
        parser.StartElementHandler = self._starts
        parser.EndElementHandler = handler.end if direct else self._end
        parser.CharacterDataHandler = handler.text
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        self._parser = parser

    def feed(self, block: bytes, final: bool = False) -> None:
        self._fed += len(block)
        try:
            self._parser.Parse(block, final)
        except DoctypeRefused as exc:
            reason = f"the part {self.part} declares a document type"
            raise damaged(reason, self._container) from exc
        except pyexpat.ExpatError as exc:
            reason = f"the part {self.part} is not well-formed XML: {exc}"
            raise damaged(reason, self._container) from exc
        pending = self._fed - max(0, self._parser.CurrentByteIndex)
        if pending > self._limits.max_bytes_between_events:
            raise LimitExceededError(
                f"the workbook's part {self.part} has a tag or text over "
                f"{self._limits.max_bytes_between_events:,} bytes"
            )

    def hear_starts(self, on: bool) -> None:
        """Stop hearing start tags, or hear them again: a part's stretch that is not needed
        is then passed over at expat's own speed, its end tags and text still heard."""
        self._parser.StartElementHandler = self._starts if on else None

    def feed_all(self, blocks: Iterable[bytes]) -> None:
        for block in blocks:
            self.feed(block)
        self.feed(b"", final=True)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > self._limits.max_depth:
            raise too_deep(self.part, self._limits)
        self._handler.start(name, attributes)

    def _end(self, name: str) -> None:
        self._depth -= 1
        self._handler.end(name)


def too_deep(part: str, limits: XlsxLimits) -> LimitExceededError:
    return LimitExceededError(
        f"the workbook's part {part} nests elements over {limits.max_depth} deep"
    )


class LocalNames(dict[str, str]):
    """``namespace local`` → ``local``, learnt once per name: ``names[name]``."""

    def __missing__(self, name: str) -> str:
        local = self[name] = local_name(name)
        return local


def _refuse_doctype(*_args: object) -> None:
    raise DoctypeRefused
