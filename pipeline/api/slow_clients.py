"""A connection must send a whole request head within ``HEAD_TIMEOUT_S`` seconds.

uvicorn times out only an idle keep-alive connection *between* requests (``timeout_keep_alive``,
armed once a response has gone out). A connection that sends nothing, or part of a request
line and headers, and then waits (a slow-loris client) is held for ever: it needs no key, as
no key has been read yet, and a few thousand of them take every file descriptor of ``up``.
``HeadTimeoutH11`` is uvicorn's h11 protocol with one more clock: from the moment a connection
opens, or the first byte of a next request arrives, the whole head must be in within
``HEAD_TIMEOUT_S``; otherwise the connection gets a 408 and is closed. (A body that stalls
after its head is ``pipeline.api.body_guard``'s to refuse.)

h11 rather than httptools (which uvicorn picks when it is installed): the clock reads h11's
own connection state, and the API's speed does not hang on the HTTP parser.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 16 * 1024
"""A request head (request line and headers) over this is refused with a 431. h11's own bound
(``h11_max_incomplete_event_size``, set to the same) holds only a head that arrives in
pieces: one sent in a single write was parsed whole, and a query of 100,000 names cost the
API seconds of a core before any key was read."""
HEAD_TIMEOUT_S = 15.0
"""Seconds a request line and headers may take to arrive (a browser or curl needs well under
one; a client over a bad mobile link, a few)."""
_SAID = b"the request's head (its first line and headers) did not arrive in time\n"
TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n"
    b"Content-Length: %d\r\n"
    b"\r\n%s"
) % (len(_SAID), _SAID)
"""Written as is, not through h11, which sends no answer before a whole request."""
_BLANK_LINE = b"\r\n\r\n"
"""Where a request's head ends."""
_TOO_BIG = b"the request's head (its first line and headers) is over 16,384 bytes\n"
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\n"
    b"Content-Length: %d\r\n"
    b"\r\n%s"
) % (len(_TOO_BIG), _TOO_BIG)
log = logging.getLogger(__name__)


class HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol that closes a connection whose request head is incomplete
    ``head_timeout_s`` after it began (``uvicorn.run(http=HeadTimeoutH11)``)."""

    head_timeout_s = HEAD_TIMEOUT_S
    _head_clock: asyncio.TimerHandle | None = None
    _head_bytes = 0
    """Bytes of the head now arriving received so far, before this call's."""
    _head_tail = b""
    """The last bytes received of that head: its blank line may be split between two reads."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._head_over_limit(data):
            log.debug("closing a connection from %s: a request head over the limit", self.client)
            self._stop_head_clock()
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()
            return
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a head begun (or nothing yet): on the clock
            self._start_head_clock()
        else:  # the head is in: the body, the app and keep-alive have their own clocks
            self._stop_head_clock()
            self._head_bytes, self._head_tail = 0, b""

    def _head_over_limit(self, data: bytes) -> bool:
        """Whether the head ``data`` continues (up to its blank line, where it has one, even
        one begun in the last read) makes it longer than ``MAX_HEAD_BYTES``; counts the bytes
        of a head still coming. A head that follows another in the same read (pipelined) is
        the app's to bound (``HeadLimit``)."""
        seen = self._head_tail + data
        end = seen.find(_BLANK_LINE)
        in_data = len(data) if end < 0 else max(0, end + len(_BLANK_LINE) - len(self._head_tail))
        size = self._head_bytes + in_data
        if end < 0:
            self._head_bytes, self._head_tail = size, seen[-(len(_BLANK_LINE) - 1) :]
        else:
            self._head_bytes, self._head_tail = 0, b""
        return size > MAX_HEAD_BYTES

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def _start_head_clock(self) -> None:
        """Started once per head: bytes that trickle in do not wind it back."""
        if self._head_clock is None and not self.transport.is_closing():
            self._head_clock = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _stop_head_clock(self) -> None:
        if self._head_clock is not None:
            self._head_clock.cancel()
            self._head_clock = None

    def _head_timed_out(self) -> None:
        self._head_clock = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        log.debug("closing a connection from %s: no whole request head in time", self.client)
        self.transport.write(TIMED_OUT)
        self.transport.close()


class HeadLimit:
    """ASGI middleware: a request whose head (request line and headers, as parsed) is over
    ``MAX_HEAD_BYTES`` gets a 431 before any route reads it. ``HeadTimeoutH11`` refuses such
    a head as it arrives; one that follows another request in the same read (pipelined) is
    parsed from h11's buffer later, unseen there, and is refused here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and head_bytes(scope) > MAX_HEAD_BYTES:
            await send(
                {
                    "type": "http.response.start",
                    "status": 431,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(_TOO_BIG)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": _TOO_BIG})
            return
        await self.app(scope, receive, send)


def head_bytes(scope: Scope) -> int:
    """About the bytes of a request's head as sent: its request line and header lines."""
    line = len(scope["method"]) + len(scope.get("raw_path") or b"") + len(scope["query_string"])
    return line + 12 + sum(len(name) + len(value) + 4 for name, value in scope["headers"])
