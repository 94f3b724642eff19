"""A request's body is read only when its sender may send it, and never past the upload limit.

FastAPI parses a form (Starlette spools its file part to a temporary file) before any route
or dependency runs, and a body sent with ``Transfer-Encoding: chunked`` declares no length to
refuse it by. Without this guard a caller with no key, or a valid one, could make the API
receive and write to disk as many bytes as they cared to send before the key check's 401 or
the route's 413. So this pure ASGI middleware, around the app:

- runs ``check_sender`` (the route's own key check) on a request that carries a body before
  any of the body is read, and answers its refusal (401; 503 when keys cannot be checked);
- answers 413 ``limit_exceeded`` at once for a declared ``Content-Length`` over the
  allowance;
- counts the bytes ``receive`` delivers and, once they pass the allowance, stops reading and
  answers the same 413 in place of whatever the app was about to answer (the form parser
  turns a failing ``receive`` into a 400 of its own);
- answers 408 ``request_timeout`` the same way when the body stops arriving (nothing for
  ``idle_s``) or arrives slower than ``min_rate`` bytes a second once it has been waited for
  ``grace_s``: a client (with a valid key) that declares a large body and sends it a byte at
  a time would otherwise hold a connection and a spooled file for ever. Only the time spent
  waiting for the client counts, not the time the app takes between reads.

Pure ASGI rather than ``@app.middleware("http")``: only a wrapper of ``receive`` sees the body
as it arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import RequestTimeoutError, error_answer
from pipeline.errors import LimitExceededError, PipelineError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
"""The methods whose requests carry a body an API route reads."""
BODY_IDLE_S = 30.0
"""A body that sends nothing for this long has stopped: a real upload stalls for seconds."""
BODY_MIN_RATE = 1024
"""Bytes a second a body must average once waited for ``BODY_GRACE_S`` (8 kbit/s: slower
than any network a person uploads a file from)."""
BODY_GRACE_S = 60.0
"""Seconds of waiting for a body before its rate is judged: a connection's slow start and a
pause or two are not."""


class BodyGuard:
    """Admit a request's body only after ``check_sender`` passes (it raises to refuse; it runs
    in a thread, as it may query the database), and only up to ``allowance`` bytes, refused
    as over ``max_bytes`` (the limit users are told: the allowance adds room for the multipart
    framing around the file)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        allowance: int,
        check_sender: Callable[[Request], object],
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowance = allowance
        self.check_sender = check_sender
        # Read when the app's middleware starts (its first request or lifespan), not at import.
        self.idle_s = BODY_IDLE_S
        self.min_rate = BODY_MIN_RATE
        self.grace_s = BODY_GRACE_S

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # headers and query only: nothing is received here
        try:
            if request.method in BODY_METHODS:
                await run_in_threadpool(self.check_sender, request)
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.allowance:
                raise self.over_limit()
        except Exception as exc:
            await _answer(exc, scope, receive, send)
            return
        await _CappedBody(self, scope, receive, send).run()

    def over_limit(self) -> LimitExceededError:
        """The refusal of a body past the allowance, in the words of the route's own 413."""
        return LimitExceededError(f"the upload is over the limit of {self.max_bytes:,} bytes")

    def stalled(self, received: int) -> RequestTimeoutError:
        return RequestTimeoutError(
            f"the request's body stopped arriving: nothing came for {self.idle_s:g} s after "
            f"{received:,} bytes, so the request was dropped; send the file again (from a "
            "steadier connection)"
        )

    def too_slow(self, received: int, waited: float) -> RequestTimeoutError:
        return RequestTimeoutError(
            f"the request's body arrives too slowly: {received:,} bytes in {waited:.0f} s, "
            f"under {self.min_rate:,g} bytes a second, so the request was dropped; send the "
            "file again (from a steadier connection)"
        )


class _CappedBody:
    """One request through the app with its body counted as it arrives."""

    def __init__(self, guard: BodyGuard, scope: Scope, receive: Receive, send: Send) -> None:
        self.guard = guard
        self.scope = scope
        self.outer_receive = receive
        self.outer_send = send
        self.received = 0
        self.waited = 0.0
        """Seconds spent waiting for the client's bytes (not the app's own time)."""
        self.body_done = False
        self.refusal: PipelineError | None = None
        self.forwarding = False
        """The app's own answer has started going out: it is the caller's answer now."""
        self.refused = False
        """The refusal (413, 408) has gone out: nothing of the app's answer follows it."""

    async def run(self) -> None:
        try:
            await self.guard.app(self.scope, self.receive, self.send)
        except Exception:
            if self.refusal is None or self.forwarding:
                raise
            if not self.refused:  # the app gave up on the body without answering
                await self._refuse()

    async def receive(self) -> Message:
        if self.refusal is not None:  # never read past the allowance, however often asked
            raise self.refusal
        if self.body_done:  # the app waits for the client to leave: no clock on that
            return await self.outer_receive()
        started = time.monotonic()
        try:
            message = await asyncio.wait_for(self.outer_receive(), self.guard.idle_s)
        except TimeoutError:
            self.refusal = self.guard.stalled(self.received)
            raise self.refusal from None
        self.waited += time.monotonic() - started
        if message["type"] != "http.request":  # the client left
            self.body_done = True
            return message
        self.received += len(message.get("body", b""))
        self.body_done = not message.get("more_body", False)
        if self.received > self.guard.allowance:
            self.refusal = self.guard.over_limit()
        elif (
            not self.body_done
            and self.waited > self.guard.grace_s
            and self.received < self.waited * self.guard.min_rate
        ):
            self.refusal = self.guard.too_slow(self.received, self.waited)
        if self.refusal is not None:
            raise self.refusal
        return message

    async def send(self, message: Message) -> None:
        if self.refusal is not None and not self.forwarding:
            # Whatever the app answers to a body cut short (a 400 from the form parser), the
            # caller is told why instead: the 413 or 408, once.
            if not self.refused and message["type"] == "http.response.start":
                await self._refuse()
            return
        if message["type"] == "http.response.start":
            self.forwarding = True
        await self.outer_send(message)

    async def _refuse(self) -> None:
        self.refused = True
        assert self.refusal is not None
        await _answer(self.refusal, self.scope, self.outer_receive, self.outer_send)


async def _answer(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """The answer both edges give to ``error`` (``pipeline.api.errors``)."""
    answer = error_answer(error)
    response = JSONResponse(answer.body, answer.status, headers=answer.headers or None)
    await response(scope, receive, send)
